from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rooms import payloads, selectors, services
from rooms.forms import RoomCreateForm, RoomEditForm
from rooms.models import Conversation


def _room_or_404(request: HttpRequest, room_id: int) -> Conversation:
    room = selectors.conversation_for_member(
        user=request.user, conversation_id=room_id, kind=Conversation.Kind.ROOM
    )
    if room is None:
        raise Http404("No such room.")
    return room


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number.", code="invalid") from None


def apply_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
@require_http_methods(["GET", "POST"])
def room_create(request: HttpRequest) -> HttpResponse:
    form = RoomCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            room = services.room_create(creator=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Room “{room.name}” created.")
            return redirect("rooms:detail", room_id=room.pk)
    return render(request, "rooms/room_form.html", {"form": form, "title": "Create room"})


@login_required
@require_GET
def room_detail(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _room_or_404(request, room_id)
    page = selectors.message_history(conversation=room)
    if page.messages:
        services.conversation_mark_read(
            conversation=room, user=request.user, message_id=page.messages[-1].pk
        )
    members = selectors.room_members(conversation=room)
    me = next((m for m, _ in members if m.user_id == request.user.pk), None)
    context = {
        "room": room,
        "is_admin": bool(me and me.is_admin),
        "members": members,
        "chat": {
            "room": payloads.room_payload(room),
            "me": payloads.person_payload(request.user),
            "is_admin": bool(me and me.is_admin),
            "messages": [payloads.message_payload(m) for m in page.messages],
            "has_more": page.has_more,
            "members": [payloads.member_payload(m, online=online) for m, online in members],
            "max_length": 4000,
        },
    }
    return render(request, "rooms/room_detail.html", context)


@login_required
@require_GET
def room_messages(request: HttpRequest, room_id: int) -> JsonResponse:
    """History as JSON: ?before=<id> for older pages, ?after=<id> to catch up."""
    room = _room_or_404(request, room_id)
    try:
        page = selectors.message_history(
            conversation=room,
            before_id=_int_param(request, "before"),
            after_id=_int_param(request, "after"),
            limit=_int_param(request, "limit"),
        )
    except ValidationError as exc:
        return JsonResponse({"code": 400, "subcode": 4000, "error": exc.messages[0]}, status=400)
    return JsonResponse(
        {
            "messages": [payloads.message_payload(m) for m in page.messages],
            "has_more": page.has_more,
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def room_edit(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _room_or_404(request, room_id)
    members = selectors.room_members(conversation=room)
    if not any(m.user_id == request.user.pk and m.is_admin for m, _ in members):
        raise PermissionDenied("Only room admins can edit this room.")
    initial = {
        "name": room.name,
        "topic": room.topic,
        "members": ", ".join(m.user.username for m, _ in members),
        "admins": ", ".join(m.user.username for m, _ in members if m.is_admin),
    }
    form = RoomEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.room_update(room=room, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Room updated.")
            if selectors.conversation_for_member(user=request.user, conversation_id=room.pk):
                return redirect("rooms:detail", room_id=room.pk)
            return redirect("dashboard")
    return render(
        request, "rooms/room_form.html", {"form": form, "room": room, "title": f"Edit {room.name}"}
    )


@login_required
@require_POST
def room_leave(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _room_or_404(request, room_id)
    try:
        services.room_leave(room=room, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("rooms:detail", room_id=room.pk)
    messages.success(request, f"You left “{room.name}”.")
    return redirect("dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def room_delete(request: HttpRequest, room_id: int) -> HttpResponse:
    room = _room_or_404(request, room_id)
    if request.method == "POST":
        services.room_delete(room=room, actor=request.user)
        messages.success(request, f"Room “{room.name}” deleted.")
        return redirect("dashboard")
    if not selectors.membership_get(user=request.user, conversation=room).is_admin:
        raise PermissionDenied("Only room admins can delete this room.")
    return render(request, "rooms/room_confirm_delete.html", {"room": room})
