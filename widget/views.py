"""The widget's pages: the loader script a website embeds, the frame it opens, and the desk
settings pages where admins manage widgets."""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import SignedInRequest
from core.forms import apply_service_errors
from widget import selectors, services
from widget.forms import WidgetForm
from widget.models import Widget


@cache
def _loader_source() -> str:
    found = finders.find("js/widget/loader.js")
    if not found:
        raise RuntimeError("static/js/widget/loader.js is missing")
    return Path(str(found)).read_text()


@require_GET
def loader(request: HttpRequest, key: str) -> HttpResponse:
    """``/widget/<key>.js``: the classic script a website embeds. It checks nothing itself:
    the server refuses an unlisted website's calls and frames."""
    widget = Widget.objects.filter(key=key, is_active=True).first()
    if widget is None:
        return HttpResponse("/* This chat widget is not available. */\n",
                            content_type="text/javascript", status=404)  # fmt: skip
    config = json.dumps({"key": widget.key, **selectors.widget_public(widget)})
    body = f"(function () {{\n{_loader_source()}\nuchatWidget({config});\n}})();\n"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@xframe_options_exempt
@require_GET
def frame(request: HttpRequest, key: str) -> HttpResponse:
    """``/widget/<key>/frame/``: the chat, framed only by the widget's own websites."""
    widget = Widget.objects.filter(key=key, is_active=True).first()
    if widget is None:
        raise Http404("No such widget.")
    response = render(
        request,
        "widget/frame.html",
        {"widget": widget, "config": {"key": widget.key, **selectors.widget_public(widget)},
         "max_length": settings.UCHAT_MESSAGE_MAX_LENGTH},
    )  # fmt: skip
    response._csp_replace = {"frame-ancestors": list(widget.origins)}  # type: ignore[attr-defined]
    return response


def _staff_only(request: SignedInRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Only admins manage chat widgets.")


@login_required
def widget_list(request: SignedInRequest) -> HttpResponse:
    _staff_only(request)
    widgets = Widget.objects.select_related("category")
    base = request.build_absolute_uri("/").rstrip("/")
    rows = [(w, snippet(base, w)) for w in widgets]
    return render(request, "widget/list.html", {"rows": rows})


def snippet(base: str, widget: Widget) -> str:
    return f'<script src="{base}{reverse("widget:loader", args=[widget.key])}" async></script>'


@login_required
@require_http_methods(["GET", "POST"])
def widget_edit(request: SignedInRequest, widget_id: int | None = None) -> HttpResponse:
    _staff_only(request)
    widget = get_object_or_404(Widget, pk=widget_id) if widget_id is not None else None
    data = request.POST if request.method == "POST" else None
    form = WidgetForm.for_widget(widget, data) if widget is not None else WidgetForm(data)
    if request.method == "POST" and form.is_valid():
        try:
            if widget is None:
                widget = services.widget_create(actor=request.user, **form.fields_for_service())
            else:
                widget = services.widget_update(
                    actor=request.user, widget=widget, **form.fields_for_service()
                )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Widget “{widget.name}” saved.")
            return redirect("widget:list")
    base = request.build_absolute_uri("/").rstrip("/")
    return render(
        request,
        "widget/form.html",
        {"form": form, "widget": widget, "snippet": snippet(base, widget) if widget else ""},
    )
