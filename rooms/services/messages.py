"""Messages: store, edit, delete and purge. ``message_create`` is the one place a message is
stored, whichever door it comes through."""

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from core import events
from core.cache import rate_take
from rooms import content as content_rules
from rooms import payloads, uploads
from rooms.models import Conversation, Membership, Message
from rooms.services import notify
from rooms.services.conversations import require_member

# --- messages -------------------------------------------------------------------------------


def _clean_client_id(client_id: str | None) -> str | None:
    if client_id in (None, ""):
        return None
    if not isinstance(client_id, str) or len(client_id) > 64 or "\x00" in client_id:
        raise ValidationError("client_id must be text of at most 64 characters.", code="invalid")
    return client_id


def _message_rate_take(*, sender: User) -> None:
    """Count one message (or edit) against the sender's rate, shared by every door, socket and
    server process. Refused sends raise before anything is stored; while Redis is away the
    limit fails open."""
    rate_take(
        scope="messages",
        who=sender.pk,
        limit=settings.UCHAT_MESSAGE_RATE,
        window=settings.UCHAT_MESSAGE_RATE_WINDOW,
        message="You are sending messages too fast. Wait a moment and send again.",
    )


def message_create(
    *,
    conversation: Conversation,
    sender: User,
    body: str | None = None,
    content: dict[str, Any] | None = None,
    image: UploadedFile | None = None,
    client_id: str | None = None,
) -> tuple[Message, bool]:
    """Store a message and broadcast it once committed. Returns (message, created).

    The message is text (``body``), a content object as clients send it (``content``:
    text / image by URL / video), or an uploaded ``image`` with ``body`` as its caption.
    A repeated ``client_id`` from the same sender returns the stored message, created=False,
    and broadcasts nothing: re-sends after a timeout never store twice.
    """
    client_id = _clean_client_id(client_id)
    cleaned, extension = _clean_message_content(body=body, content=content, image=image)
    if image is not None:
        # Checked first only for uploads (no file written for a re-send). Text re-sends are
        # caught by the unique (sender, client_id) constraint below: one query less per message.
        existing = _message_by_client_id(sender=sender, client_id=client_id)
        if existing is not None:
            return existing, False
    try:
        _message_rate_take(sender=sender)
    except ValidationError:
        existing = _message_by_client_id(sender=sender, client_id=client_id)
        if existing is None:
            raise
        return existing, False  # a re-send of a stored message is answered, not refused
    try:
        with uploads.removed_on_error(), transaction.atomic():
            message = _message_insert(
                conversation=conversation,
                sender=sender,
                cleaned=cleaned,
                image=image,
                extension=extension,
                client_id=client_id,
            )
    except IntegrityError:
        # A re-send, or two concurrent sends, with one client_id: the stored one wins.
        existing = _message_by_client_id(sender=sender, client_id=client_id)
        if existing is None:
            raise
        return existing, False
    return message, True


def _clean_message_content(
    *, body: str | None, content: dict[str, Any] | None, image: UploadedFile | None
) -> tuple[content_rules.Content, str | None]:
    if image is not None:
        extension, width, height = content_rules.clean_image_file(image)
        caption = content_rules.clean_text(body) if body and body.strip() else ""
        data = {"width": width, "height": height}
        return content_rules.Content(kind=Message.Kind.IMAGE, body=caption, data=data), extension
    if content is not None:
        return content_rules.clean_content(content), None
    return content_rules.Content(kind=Message.Kind.TEXT, body=content_rules.clean_text(body)), None


def _message_by_client_id(*, sender: User, client_id: str | None) -> Message | None:
    """The sender's stored message with this client_id (none without a client_id)."""
    if client_id is None:
        return None
    return (
        Message.objects.select_related("sender").filter(sender=sender, client_id=client_id).first()
    )


def _message_insert(
    *,
    conversation: Conversation,
    sender: User,
    cleaned: content_rules.Content,
    image: UploadedFile | None,
    extension: str | None,
    client_id: str | None,
) -> Message:
    # The row lock serialises writers of one conversation: ids commit in increasing order and
    # each message gets the next gap-free sequence number of its conversation. The same query
    # checks membership and that the account is still active (a socket opened before a
    # deactivation holds a stale user object); the lock is taken only if both hold.
    locked = (
        Conversation.objects.select_for_update(of=("self",))
        .filter(pk=conversation.pk, memberships__user=sender, memberships__user__is_active=True)
        .only("last_seq")
        .first()
    )
    if locked is None:
        raise PermissionDenied("You are not a member of this conversation.")
    message = Message(
        conversation=conversation,
        seq=locked.last_seq + 1,
        sender=sender,
        kind=cleaned.kind,
        body=cleaned.body,
        content=cleaned.data,
        client_id=client_id,
    )
    if image is not None:
        # A name of our own: the uploaded name and declared type are never trusted.
        message.attachment.save(f"{uuid.uuid4().hex}.{extension}", image, save=False)
        uploads.written(message.attachment.name)
    # The conversation and sender were just loaded and locked: no query to re-check they exist.
    message.full_clean(exclude=["conversation", "sender"], validate_constraints=False)
    message.save()
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message=message, last_seq=message.seq
    )
    # Your own message is read by you.
    Membership.objects.filter(conversation=conversation, user=sender).update(
        last_read_message_id=message.pk
    )
    events.broadcast_on_commit(
        events.conversation_group(conversation.pk),
        "message.created",
        payloads.message_payload(message),
    )
    notify.message_stored(conversation=conversation, message=message)
    return message


def _message_for_change(*, message_id: int, conversation: Conversation) -> Message:
    message = (
        Message.objects.select_related("sender")
        .select_for_update(of=("self",))
        .filter(pk=message_id, conversation=conversation)
        .first()
    )
    if message is None or message.is_deleted:
        raise ValidationError("That message does not exist.", code="not_found")
    return message


@transaction.atomic
def message_edit(
    *, conversation: Conversation, message_id: int, editor: User, body: str
) -> Message:
    """Change the text of your own message; everyone in the conversation sees it live."""
    require_member(user=editor, conversation=conversation)
    body = content_rules.clean_text(body)
    _message_rate_take(sender=editor)  # an edit reaches everyone like a message does
    message = _message_for_change(message_id=message_id, conversation=conversation)
    if message.sender_id != editor.pk:
        raise PermissionDenied("You can only edit your own messages.")
    if message.kind != Message.Kind.TEXT:
        raise ValidationError("Only text messages can be edited.", code="invalid")
    if message.body != body:
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        events.broadcast_on_commit(
            events.conversation_group(conversation.pk),
            "message.updated",
            payloads.message_payload(message),
        )
    return message


@transaction.atomic
def message_delete(*, conversation: Conversation, message_id: int, actor: User) -> Message:
    """Delete your own message (room admins may delete any). The row stays as a tombstone so
    that history pages keep their ids; the text is gone."""
    membership = require_member(user=actor, conversation=conversation)
    message = _message_for_change(message_id=message_id, conversation=conversation)
    if message.sender_id != actor.pk and not membership.is_admin:
        raise PermissionDenied("You can only delete your own messages.")
    return _message_tombstone(message)


@transaction.atomic
def message_delete_as_staff(*, message: Message) -> Message:
    """Staff moderation from the admin site: no membership needed."""
    message = _message_for_change(message_id=message.pk, conversation=message.conversation)
    return _message_tombstone(message)


def _message_tombstone(message: Message) -> Message:
    if message.attachment:
        message.attachment.delete(save=False)  # a deleted image is gone, not just hidden
    message.content = {}
    message.body = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["body", "content", "attachment", "deleted_at"])
    events.broadcast_on_commit(
        events.conversation_group(message.conversation_id),
        "message.deleted",
        payloads.message_payload(message),
    )
    return message


def messages_purge(
    *, before: datetime, conversation: Conversation | None = None, dry_run: bool = True
) -> int:
    """Hard-delete messages created before ``before``; returns how many (would be) deleted."""
    messages = Message.objects.filter(created_at__lt=before)
    if conversation is not None:
        messages = messages.filter(conversation=conversation)
    count = messages.count()
    if not dry_run and count:
        with transaction.atomic():
            files = messages.exclude(attachment="").values_list("attachment", flat=True)
            uploads.files_delete_on_commit(list(files))
            Conversation.objects.filter(last_message__in=messages).update(last_message=None)
            messages.delete()
            _last_message_repair()
    return count


def _last_message_repair() -> None:
    for conversation in Conversation.objects.filter(last_message__isnull=True).annotate(
        newest=Max("messages__id")
    ):
        if conversation.newest is not None:
            Conversation.objects.filter(pk=conversation.pk).update(
                last_message_id=conversation.newest
            )
