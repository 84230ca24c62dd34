import contextlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts.http import SignedInRequest
from core.api_errors import json_error
from core.db_router import replica_reads
from core.forms import apply_service_errors
from rooms import hooks, invites, kinds, payloads, selectors, services, uploads
from rooms.content import IMAGE_TYPES, file_name_clean
from rooms.forms import RoomCreateForm, RoomEditForm
from rooms.models import Conversation, Membership, Message
from rooms.search import messages_search as search_messages

THREADS_PAGE = 50  # threads on the Threads page (the most rooms.selectors.threads_for_user gives)


def _conversation_or_404(
    request: SignedInRequest, conversation_id: int, kind: str | None = None
) -> Conversation:
    """The conversation if the person is a member; otherwise 404 (they learn nothing)."""
    conversation = selectors.conversation_for_member(
        user=request.user, conversation_id=conversation_id, kind=kind
    )
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def _room_or_404(request: SignedInRequest, room_id: int) -> Conversation:
    return _conversation_or_404(request, room_id, kind=Conversation.Kind.ROOM)


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number.", code="bad_paging") from None


@login_required
@require_http_methods(["GET", "POST"])
def room_create(request: SignedInRequest) -> HttpResponse:
    if request.user.is_guest:
        raise PermissionDenied("Guests cannot create rooms.")
    form = RoomCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            room = services.room_create(creator=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Room “{room.name}” created.")
            return redirect("rooms:detail", room_id=room.pk)
    return render(
        request,
        "rooms/room_form.html",
        {"form": form, "title": "Create room", "may_browse": _may_browse(request)},
    )


def _may_browse(request: SignedInRequest) -> bool:
    return selectors.may_browse_directory(user=request.user)


def chat_context(
    request: SignedInRequest, conversation: Conversation, *, readonly: bool = False
) -> dict[str, Any]:
    """What the chat panel (rooms/_chat_panel.html + chat.js) needs, for any conversation.
    ``readonly``: staff looking at a conversation they are not in (no socket, no composer).
    ``?around=<message id>`` (a search hit): the history around that message, not the newest."""
    try:
        around = _int_param(request, "around")
    except ValidationError:
        around = None
    if around is not None:
        page = selectors.message_history_around(conversation=conversation, message_id=around)
    else:
        page = selectors.message_history(conversation=conversation)
    # Where the "new messages" line goes: after what the person had read before this visit.
    read_before = selectors.read_marker(conversation=conversation, user=request.user)
    if page.messages and not readonly:
        services.conversation_mark_read(
            conversation=conversation,
            user=request.user,
            message_id=page.messages[-1].pk,
            opened=True,
        )
    members = selectors.room_members(conversation=conversation)
    me = next((m for m, _ in members if m.user_id == request.user.pk), None)
    is_admin = bool(me and me.is_admin) and conversation.kind == Conversation.Kind.ROOM
    return {
        "room": payloads.room_payload(conversation),
        "me": payloads.person_payload(request.user),
        "is_admin": is_admin,
        "readonly": readonly,
        "messages": payloads.message_payloads(
            page.messages,
            reactions=selectors.reactions_for(messages=page.messages, viewer=request.user),
        ),
        "has_more": page.has_more and not readonly,
        "has_newer": page.has_newer,
        "around": around if page.has_newer else None,
        "members": [payloads.member_payload(m, online=online) for m, online in members],
        "max_length": settings.UCHAT_MESSAGE_MAX_LENGTH,
        "history_url": reverse("conversation-messages", args=[conversation.pk]),
        "last_read_id": read_before,
        # What the conversation kinds add to the page (buttons and badges on messages).
        **kinds.page_extras(user=request.user, conversation=conversation),
        # What higher apps add (rooms.hooks.chat_extras: user groups), and the slash commands.
        **{
            key: value
            for hook in hooks.chat_extras
            for key, value in hook(user=request.user, conversation=conversation).items()
        },
        "commands_url": reverse("api:conversation-commands", args=[conversation.pk]),
        "upload_url": reverse("conversation-upload", args=[conversation.pk]),
        # The header's notification menu (notify_menu.js); None for a reader who is no member.
        "notify": (payloads.membership_notify_payload(me, kind=conversation.kind) if me else None),
    }


def _chat_page(
    request: SignedInRequest, conversation: Conversation, *, title: str, **extra: Any
) -> HttpResponse:
    """The one chat page, for rooms and direct conversations alike."""
    chat = chat_context(request, conversation)
    other = extra.get("other")
    context = {
        "room": conversation,
        "title": title,
        "is_admin": chat["is_admin"],
        "chat": chat,
        "files": selectors.conversation_files(conversation=conversation),
        "other_online": bool(other and selectors.online_user_ids(user_ids=[other.pk])),
        "notify": chat["notify"],
        **extra,
    }
    return render(request, "rooms/room_detail.html", context)


@login_required
@require_GET
def room_detail(request: SignedInRequest, room_id: int) -> HttpResponse:
    room = selectors.conversation_for_member(
        user=request.user, conversation_id=room_id, kind=Conversation.Kind.ROOM
    )
    if room is not None:
        return _chat_page(request, room, title=room.name)
    # Not a member: a public room they may find gets a door in; anything else stays a 404.
    public = selectors.directory_room_get(user=request.user, room_id=room_id)
    if public is None:
        raise Http404("No such conversation.")
    members = Membership.objects.filter(conversation=public).count()
    return render(
        request,
        "rooms/room_join.html",
        {"room": public, "members": members, "title": f"#{public.name}"},
    )


@login_required
@require_POST
def room_join(request: SignedInRequest, room_id: int) -> HttpResponse:
    """The Join buttons (browse page, "You are not in #room"): join, then open the room."""
    room = selectors.directory_room_get(user=request.user, room_id=room_id)
    if room is None:
        raise Http404("No such conversation.")
    try:
        services.room_join(room=room, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
        return redirect("rooms:browse")
    return redirect("rooms:detail", room_id=room.pk)


@login_required
@require_GET
def room_browse(request: SignedInRequest) -> HttpResponse:
    """The room directory: public rooms the person may find (a GET form searches; browse.js
    filters as one types, through the API)."""
    if not selectors.may_browse_directory(user=request.user):
        raise PermissionDenied("Guests cannot browse rooms.")
    query = request.GET.get("q", "")[: selectors.DIRECTORY_QUERY_MAX]
    rooms = selectors.directory_rooms(user=request.user, query=query)
    return render(
        request,
        "rooms/browse.html",
        {
            "query": query,
            "rooms": [{**payloads.directory_room_payload(r), "at": r.last_activity} for r in rooms],
            "title": "Browse rooms",
        },
    )


@login_required
@require_GET
def direct_detail(request: SignedInRequest, username: str) -> HttpResponse:
    other = account_selectors.active_user(username=username)
    if other is None:
        raise Http404("No such person.")
    try:
        conversation = services.direct_conversation_get_or_create(user=request.user, other=other)
    except PermissionDenied as exc:  # UCHAT_DM_POLICY=shared and the two have not met
        messages.error(request, str(exc))
        return redirect("dashboard")
    return _chat_page(request, conversation, title=selectors.direct_title(other), other=other)


@login_required
@require_GET
def direct_start(request: SignedInRequest) -> HttpResponse:
    """The dashboard's "message someone" box."""
    username = request.GET.get("to", "").strip().lstrip("@")
    if account_selectors.active_user(username=username) is not None:
        return redirect("direct", username=username)
    messages.error(request, f"No such user: {username or '(empty)'}.")
    return redirect("dashboard")


@login_required
@require_GET
def conversation_open(request: SignedInRequest, conversation_id: int) -> HttpResponse:
    """Where a notification links to: the room page or the direct conversation."""
    conversation = _conversation_or_404(request, conversation_id)
    # ?around=<message id> (a search hit) goes along.
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    url = kinds.conversation_url(conversation=conversation, user=request.user)
    if url is None:  # the kind shows it here (a direct conversation whose partner left)
        title = conversation.name or selectors.direct_title(None)
        return _chat_page(request, conversation, title=title)
    return redirect(url + query)


@login_required
@require_GET
def conversation_messages(request: SignedInRequest, conversation_id: int) -> JsonResponse:
    """History as JSON: ?before=<id> for older pages, ?after=<id> to catch up (or page on
    towards the present), ?around=<id> for the page around one message."""
    conversation = _conversation_or_404(request, conversation_id)
    try:
        around = _int_param(request, "around")
        if around is not None:
            page = selectors.message_history_around(
                conversation=conversation, message_id=around, limit=_int_param(request, "limit")
            )
        else:
            before = _int_param(request, "before")
            # Older pages may come from a replica: nothing just written is among them.
            with replica_reads() if before is not None else contextlib.nullcontext():
                page = selectors.message_history(
                    conversation=conversation,
                    before_id=before,
                    after_id=_int_param(request, "after"),
                    limit=_int_param(request, "limit"),
                )
    except ValidationError as exc:
        return json_error(exc)
    return JsonResponse(
        {
            "messages": payloads.message_payloads(
                page.messages,
                reactions=selectors.reactions_for(messages=page.messages, viewer=request.user),
            ),
            "has_more": page.has_more,
            "has_newer": page.has_newer,
        }
    )


@login_required
@require_POST
def conversation_upload(request: SignedInRequest, conversation_id: int) -> JsonResponse:
    """A file from the composer (multipart: ``file`` (any accepted kind) or ``image``,
    ``caption``, ``client_id``, ``keep_metadata`` ("true" keeps a photo's EXIF, location
    included; anything else strips it), ``thread`` (a thread's message id: the file is a
    reply in it) and ``also_to_room`` ("true")."""
    conversation = _conversation_or_404(request, conversation_id)
    file, image = request.FILES.get("file"), request.FILES.get("image")
    try:
        if file is None and image is None:
            raise ValidationError("Choose a file.", code="invalid_file")
        thread = request.POST.get("thread") or None
        if thread is not None and not (thread.isascii() and thread.isdigit()):
            raise ValidationError("thread must be a message id.", code="invalid_thread")
        message, _ = services.message_create(
            conversation=conversation,
            sender=request.user,
            image=image,
            file=file if image is None else None,
            body=request.POST.get("caption", ""),
            client_id=request.POST.get("client_id") or None,
            keep_metadata=request.POST.get("keep_metadata", "").lower() in {"true", "1", "on"},
            thread=int(thread) if thread is not None else None,
            also_to_room=request.POST.get("also_to_room", "").lower() in {"true", "1", "on"},
        )
    except (ValidationError, PermissionDenied) as exc:
        return json_error(exc)
    return JsonResponse({"message": payloads.message_payload(message)}, status=201)


@login_required
@require_GET
def attachment(request: SignedInRequest, message_id: int) -> HttpResponseBase:
    """An uploaded image or file, to members of its conversation only; never executable.
    Images show in the page; every other file is a download (``Content-Disposition:
    attachment``) under the name it was shared with, its extension and type those of its
    bytes (cleaned again here for files stored before names followed their bytes)."""
    message = selectors.attachment_for(user=request.user, message_id=message_id)
    if message is None:
        raise Http404("No such file.")
    extension = message.attachment.name.rsplit(".", 1)[-1]
    if message.kind == Message.Kind.FILE:
        name = file_name_clean(
            message.content.get("name") or f"file-{message.pk}", extension=extension
        )
        content_type = message.content.get("mime") or "application/octet-stream"
        disposition = content_disposition_header(as_attachment=True, filename=name) or ""
    else:
        content_type = {v: k for k, v in IMAGE_TYPES.items()}.get(
            extension, "application/octet-stream"
        )
        disposition = f'inline; filename="image-{message.pk}.{extension}"'
    cache = "private, max-age=3600"
    url = uploads.signed_url(
        message.attachment.name, disposition=disposition, content_type=content_type, cache=cache
    )
    if url is not None:  # the object store serves the bytes, with these headers
        redirect_to = HttpResponseRedirect(url)
        redirect_to["Cache-Control"] = "private, no-store"  # the URL expires; ask us again
        return redirect_to
    response = FileResponse(message.attachment.open("rb"), content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = cache
    return response


@login_required
@require_http_methods(["GET", "POST"])
def room_edit(request: SignedInRequest, room_id: int) -> HttpResponse:
    room = _room_or_404(request, room_id)
    members = selectors.room_members(conversation=room)
    if not any(m.user_id == request.user.pk and m.is_admin for m, _ in members):
        raise PermissionDenied("Only room admins can edit this room.")
    initial = {
        "name": room.name,
        "topic": room.topic,
        "visibility": room.visibility,
        "open_to_customers": room.open_to_customers,
        "members": ", ".join(m.user.username for m, _ in members),
        "admins": ", ".join(m.user.username for m, _ in members if m.is_admin),
    }
    form = RoomEditForm(request.POST or None, initial=initial, user=request.user)
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
    context = {"form": form, "room": room, "title": f"Edit {room.name}"}
    context["may_invite"] = invites.may_invite(user=request.user, room=room)
    return render(request, "rooms/room_form.html", context)


@login_required
@require_POST
def room_leave(request: SignedInRequest, room_id: int) -> HttpResponse:
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
def room_delete(request: SignedInRequest, room_id: int) -> HttpResponse:
    room = _room_or_404(request, room_id)
    if request.method == "POST":
        services.room_delete(room=room, actor=request.user)
        messages.success(request, f"Room “{room.name}” deleted.")
        return redirect("dashboard")
    if not selectors.may_delete_room(user=request.user, room=room):
        raise PermissionDenied("Only room admins can delete this room.")
    return render(request, "rooms/room_confirm_delete.html", {"room": room})


@login_required
@require_GET
def search(request: SignedInRequest) -> HttpResponse:
    """Search what I may read (rooms.search); each hit opens its conversation around it."""
    query = request.GET.get("q", "")
    hits, error = [], None
    if query.strip():
        try:
            hits = search_messages(user=request.user, query=query)
        except ValidationError as exc:
            error = exc.messages[0]
    return render(
        request,
        "rooms/search.html",
        {
            "query": query,
            "hits": [payloads.search_hit_payload(hit) for hit in hits],
            "error": error,
            "title": "Search",
        },
    )


@login_required
@require_GET
def threads(request: SignedInRequest) -> HttpResponse:
    """The Threads page: the threads the person follows, unread ones first (rooms.selectors),
    each opening its conversation with the thread's pane open."""
    followed = selectors.threads_for_user(user=request.user, limit=THREADS_PAGE)
    rows = []
    for entry in followed:
        root = entry.follow.message
        conversation = root.conversation
        where = f"#{entry.where}" if conversation.kind == Conversation.Kind.ROOM else entry.where
        url = reverse("conversation", args=[conversation.pk]) + f"?thread={root.pk}"
        author = root.sender.name if root.sender is not None else "?"
        words = author.split() or ["?"]
        initials = (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()
        rows.append(
            {"root": root, "unread": entry.unread, "where": where, "url": url, "initials": initials}
        )
    return render(request, "rooms/threads.html", {"threads": rows, "title": "Threads"})
