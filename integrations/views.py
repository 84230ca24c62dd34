"""The integrations' pages: the secret URL incoming webhooks post to, the actions of a room's
Integrations panel (rooms' edit page includes it: templatetags/integrations.py) and the staff
page of site-wide outgoing webhooks. Thin: parse, call one service, render or redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.http import SignedInRequest
from core.api_errors import NOT_FOUND, body, json_error
from integrations import selectors
from integrations.models import IncomingWebhook, OutgoingWebhook
from integrations.services import incoming, outgoing
from integrations.templatetags.integrations import hook_rows
from rooms.models import Conversation


@csrf_exempt
def incoming_hook(request: HttpRequest, token: str) -> HttpResponse:
    """POST a Slack-style ``{"text": ...}`` (JSON, or a form's ``payload`` field): stored as
    the webhook's bot in its room. Answers ``{"ok": true, "id": <message id>}``; errors are
    the API's JSON shape (400 bad payload, 404 unknown or revoked, 429 too fast)."""
    if request.method != "POST":
        response = JsonResponse(body(405, 4007, "Method Not Allowed"), status=405)
        response["Allow"] = "POST"
        return response
    webhook = incoming.webhook_for_token(token)
    if webhook is None:
        return JsonResponse(body(404, NOT_FOUND, "Not Found"), status=404)
    try:
        text = incoming.payload_parse(
            body=request.body, content_type=request.content_type or "", form=request.POST
        )
        message = incoming.incoming_post(webhook=webhook, text=text)
    except (ValidationError, PermissionDenied) as exc:
        return json_error(exc)
    return JsonResponse({"ok": True, "id": message.pk})


def _room_edit(room_id: int) -> str:
    return reverse("rooms:edit", args=[room_id]) + "#integrations"


def _room(request: SignedInRequest, room_id: int) -> Conversation:
    room = selectors.room_managed(user=request.user, room_id=room_id)
    if room is None:
        raise Http404("No such room.")
    return room


def _error(request: SignedInRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@never_cache  # the page shows a secret: no cache keeps it
@login_required
@require_POST
def room_incoming_create(request: SignedInRequest, room_id: int) -> HttpResponse:
    room = _room(request, room_id)
    try:
        created = incoming.incoming_webhook_create(
            room=room, creator=request.user, name=request.POST.get("name", "")[:80]
        )
    except ValidationError as exc:
        _error(request, exc)
        return redirect(_room_edit(room.pk))
    return render(
        request,
        "integrations/created.html",
        {
            "title": f"Incoming webhook {created.webhook.name}",
            "secret": incoming.url_for(created.token),
            "secret_label": "Webhook URL",
            "hint": "Anyone with this URL can post to the room as "
            f"{created.webhook.bot.name}. It is shown only now: copy it to your CI or service.",
            "back": _room_edit(room.pk),
            "example": True,
        },
    )


@login_required
@require_POST
def room_incoming_revoke(request: SignedInRequest, room_id: int, webhook_id: int) -> HttpResponse:
    room = _room(request, room_id)
    webhook = get_object_or_404(
        IncomingWebhook.objects.select_related("bot", "conversation"),
        pk=webhook_id,
        conversation=room,
    )
    incoming.incoming_webhook_revoke(webhook=webhook, actor=request.user)
    messages.success(request, f"Webhook {webhook.name} revoked: its URL no longer works.")
    return redirect(_room_edit(room.pk))


@never_cache
@login_required
@require_POST
def outgoing_create(request: SignedInRequest) -> HttpResponse:
    room_id = request.POST.get("room", "")
    room = _room(request, int(room_id)) if room_id.isdigit() else None
    back = _room_edit(room.pk) if room is not None else reverse("integrations:staff")
    try:
        created = outgoing.outgoing_webhook_create(
            owner=request.user,
            url=request.POST.get("url", "")[:2000],
            events=request.POST.getlist("events")[:20],
            room=room,
        )
    except ValidationError as exc:
        _error(request, exc)
        return redirect(back)
    return render(
        request,
        "integrations/created.html",
        {
            "title": "Outgoing webhook",
            "secret": created.secret,
            "secret_label": "Signing secret",
            "hint": "Your server checks each request's X-Uchat-Signature with this secret "
            "(docs/integrations.md). Keep it private.",
            "back": back,
        },
    )


@login_required
@require_POST
def outgoing_change(request: SignedInRequest, webhook_id: int) -> HttpResponse:
    webhook = outgoing.webhooks_visible(user=request.user).filter(pk=webhook_id).first()
    if webhook is None:
        raise Http404("No such webhook.")
    back = (
        _room_edit(webhook.conversation_id)
        if webhook.conversation_id
        else reverse("integrations:staff")
    )
    action = request.POST.get("action")
    try:
        if action == "delete":
            outgoing.outgoing_webhook_delete(webhook=webhook, actor=request.user)
            messages.success(request, "Webhook deleted.")
        elif action in ("enable", "disable"):
            outgoing.outgoing_webhook_update(
                webhook=webhook, actor=request.user, active=action == "enable"
            )
            messages.success(
                request, f"Webhook {'re-enabled' if action == 'enable' else 'paused'}."
            )
    except ValidationError as exc:
        _error(request, exc)
    return redirect(back)


@login_required
@require_GET
def staff_page(request: SignedInRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("Only staff manage site-wide webhooks.")
    hooks = OutgoingWebhook.objects.filter(conversation__isnull=True).select_related("owner")
    return render(
        request,
        "integrations/staff.html",
        {
            "title": "Integrations",
            "rows": hook_rows(hooks, user=request.user),
            "events": OutgoingWebhook.Event.choices,
        },
    )
