from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard import selectors


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "landing.html")
    return render(request, "dashboard.html", selectors.dashboard_for(user=request.user))


@login_required
@require_GET
def sidebar_lists(request: HttpRequest) -> HttpResponse:
    """The sidebar's lists alone: sidebar.js reloads them when it may have missed a change."""
    current = request.GET.get("current", "")
    context = {
        **selectors.sidebar_for(user=request.user),  # type: ignore[arg-type]
        "current": int(current) if current.isdigit() else None,
    }
    return render(request, "_sidebar_lists.html", context)
