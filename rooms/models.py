"""The message engine's data: conversations (of every registered kind), memberships,
messages."""

from typing import Final

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from rooms import kinds


class Visibility(models.TextChoices):
    """Who may find a room (rooms.selectors.directory_rooms) and join it by themselves."""

    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class Conversation(models.Model):
    """Anything people talk in. Every kind of conversation (rooms, direct conversations and
    those of the apps above) shares this table."""

    class Kind:
        """The engine's own kinds. Other apps name theirs in their own modules; the registry,
        rooms.kinds, is the one list of them all."""

        ROOM: Final = "room"
        DIRECT: Final = "direct"

    # No choices: the kinds are whatever rooms.kinds holds, checked by clean(), so a new kind
    # needs no migration here.
    kind = models.CharField(max_length=10, default=Kind.ROOM)
    name = models.CharField(max_length=80, blank=True)
    topic = models.CharField(max_length=250, blank=True)
    # "<lower user id>:<higher user id>" for direct conversations, so each pair has one.
    direct_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The newest message's sequence number in this conversation (see Message.seq).
    last_seq = models.BigIntegerField(default=0)
    # Kept by messages_store under the conversation's row lock: the dashboard's preview
    # costs no query per room.
    last_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Whether some member may have picked notify level "all" (rooms.services.notify_settings
    # sets it under this row's lock). Read with the row lock by the message writer, so the
    # "every message" handler's ``when`` test needs no query; a stale True costs one query.
    notify_all = models.BooleanField(default=False)
    # Rooms only: a public room is listed in the directory and anyone who may see it there
    # joins by themselves; a private one (the default) only gains the members its admins add.
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    # A public room that pure desk customers see in the directory too (staff set it).
    open_to_customers = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="room") | ~models.Q(name=""), name="room_has_name"
            ),
        ]
        indexes = [
            # The directory: public rooms, most recently active first, from a small index.
            # Plain DESC columns: SQLite (the first run's database) has no NULLS LAST in an
            # index.
            models.Index(
                fields=["-last_message_id", "id"],
                condition=models.Q(visibility="public"),
                name="conversation_public_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.kind.capitalize()} {self.pk}"

    def clean(self) -> None:
        try:
            kinds.get(self.kind)
        except LookupError as unknown:
            refusal = ValidationError(str(unknown), code="unknown_kind")
            raise ValidationError({"kind": refusal}) from None


class NotifyLevel(models.TextChoices):
    ALL = "all", "All messages"
    MENTIONS = "mentions", "Mentions only"
    NONE = "none", "Nothing"


class Membership(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    is_admin = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    # Highest message id this person has seen here; a plain id because messages can be purged.
    last_read_message_id = models.BigIntegerField(default=0)
    # What this person is told about here (notifications.rules); "" is the kind's default
    # (rooms.services.notify_settings.default_level). A mute is level "none" until then.
    notify_level = models.CharField(
        max_length=8, choices=NotifyLevel.choices, blank=True, default=""
    )
    muted_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="one_membership"),
        ]
        indexes = [
            models.Index(fields=["user", "conversation"], name="membership_user_idx"),
            # The members a room's every message notifies: few, found in one small index.
            models.Index(
                fields=["conversation"],
                condition=models.Q(notify_level="all"),
                name="membership_notify_all_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.conversation}"

    @property
    def notify_muted(self) -> bool:
        """Level "none" or a mute still running (the sidebar dims the conversation)."""
        return self.notify_level == NotifyLevel.NONE or (
            self.muted_until is not None and self.muted_until > timezone.now()
        )


class Message(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"
        FILE = "file", "File"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    # Null once the sender deleted their account: shown as from "deleted user".
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # 1, 2, 3 ... per conversation, with no gaps, assigned under the conversation's row lock.
    # Broadcasts of concurrent messages may arrive out of order; a client that sees seq N+2
    # before N+1 knows it is missing one and asks for it (sync after_seq), so nothing is lost.
    seq = models.BigIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    # The text, or an optional caption. Its length limit is UCHAT_MESSAGE_MAX_LENGTH, checked
    # by the service (rooms.content.clean_text) whichever door a message comes through.
    body = models.TextField(blank=True)
    # ``body`` as sanitised HTML (rooms.markup), rendered once when stored or edited.
    html = models.TextField(blank=True, default="", db_default="")
    # image: {"url", "width", "height"}; video: {"url", "source", "embed_url"}; file: {"name",
    # "size", "mime"} (rooms.content.clean_file, from the bytes). Validated by
    # rooms.content, never rendered as HTML.
    content = models.JSONField(default=dict, blank=True)
    # An uploaded image or file, served only to the conversation's members
    # (rooms.views.attachment; files as downloads).
    attachment = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    # Chosen by the client; the same client_id from the same sender stores one message.
    # NULL (not "") when absent: the unique constraint ignores NULLs.
    client_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # The message this one answers (same conversation; rooms.services.messages checks it).
    # Shown quoted above the reply; a deleted original leaves the reply standing.
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The thread this message replies in: its root message, same conversation, never itself a
    # reply (a reply to a reply joins the root's thread; rooms.services.messages checks it).
    # Only rooms and direct conversations have threads. A deleted root is a tombstone that
    # keeps its thread; a purged one leaves its replies as plain messages.
    # (No index of its own: message_thread_idx below serves every lookup by thread.)
    thread = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        db_index=False,
    )
    # A thread reply the sender chose to show in the conversation's own list too.
    # (Database defaults too: raw inserts of tests and benchmarks name only the older columns.)
    also_to_room = models.BooleanField(default=False, db_default=False)
    # A root's thread, kept by messages_store in the reply's transaction (under the
    # conversation's row lock): how many replies, the newest one's time, and up to
    # THREAD_PARTICIPANTS user ids (the root's author first, then repliers by first reply).
    reply_count = models.PositiveIntegerField(default=0, db_default=0)
    last_reply_at = models.DateTimeField(null=True, blank=True)
    thread_participants = models.JSONField(
        default=list, blank=True, db_default=models.Value([], output_field=models.JSONField())
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    THREAD_PARTICIPANTS: Final = 5

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "seq"], name="one_seq_per_conversation"
            ),
            models.UniqueConstraint(
                fields=["sender", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="one_message_per_client_id",
            ),
        ]
        # History pages are "newest N before id X in this conversation": one index range scan.
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_history_idx"),
            # A thread's pages and unread counts: one range scan per thread.
            models.Index(
                fields=["thread", "id"],
                condition=models.Q(thread__isnull=False),
                name="message_thread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.conversation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ThreadFollow(models.Model):
    """One person and one thread (its root message): whether they follow it, and the newest
    reply they have read there. ``following`` False is an explicit unfollow, which sticks
    until they reply again or follow: automatic follows (a mention, the root's author) leave
    it alone. Deleted with the person, the root, or their membership (member_remove)."""

    # (No indexes of their own: the unique constraint and threadfollow_message_idx serve both.)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="thread_follows",
        db_index=False,
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="follows", db_index=False
    )
    following = models.BooleanField(default=True)
    # Highest reply id read in this thread; a plain id because messages can be purged.
    last_read_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "message"], name="one_follow_per_thread"),
        ]
        indexes = [models.Index(fields=["message", "user"], name="threadfollow_message_idx")]

    def __str__(self) -> str:
        return f"{self.user} on #{self.message_id}"


class Reaction(models.Model):
    """One person's emoji on one message (each person once per emoji)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="one_reaction_per_emoji"
            )
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on #{self.message_id}"


class Presence(models.Model):
    """One open socket. A person is online while they have a fresh row."""

    channel_name = models.CharField(max_length=200, primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presences"
    )
    last_seen = models.DateTimeField(default=timezone.now)
    # The conversation this socket's page shows (/ws/rooms/<id>/, or /ws/me/ after
    # "subscribe"): its reader needs no notification of what they see arrive.
    viewing = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["user", "last_seen"], name="presence_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} on {self.channel_name}"


class PendingUpload(models.Model):
    """A file written to storage for a message that is not stored yet. Files are written
    before the message's transaction (no row lock waits on storage); that transaction claims
    the file by deleting this row. A row left behind (the message was refused, or the process
    died in between) names a file nothing points at: rooms.tasks.uploads_sweep deletes both."""

    name = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.name


class Invite(models.Model):
    """A link that lets people join a room (rooms.services.invites). The token is shown once,
    in the link; only its sha256 is stored. A link works while it is not revoked, expired or
    used up, and while its creator is still an admin of the room (or staff) with access."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="invites")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # New accounts made through this link are guests (accounts.User.is_guest).
    guest = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)  # None: never
    max_uses = models.PositiveIntegerField(null=True, blank=True)  # None: unlimited
    # People who joined through it (counted under the row's lock: never past max_uses).
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["conversation", "created_at"], name="invite_room_idx")]

    def __str__(self) -> str:
        return f"Invite {self.pk} to {self.conversation_id}"
