"""Tickets by e-mail: each message in the support mailbox opens a ticket or answers one.

``mailbox_poll`` (``manage.py fetch_mail``) reads unread messages over IMAP with the standard
library, and ``mail_store`` stores one through the desk's services:

- a reply is threaded by the ticket's reply address (``support+t<id>-<signature>@…``), else by
  In-Reply-To / References naming a Message-ID of ours whose signature holds; it must come
  from the customer, by an address the customer proved;
- anything else opens a ticket for the sender: the account that verified the address, else a
  new one (an unconfirmed claim on the address is dropped).

Bad mail (no sender, too big, an auto-reply or a loop, staff or agent senders, a forged or
unknown ticket token, a closed ticket, a refused image) is moved to the quarantine folder at
once. A message that fails for any other reason (a charset Python does not know, MIME nested
past the parser's depth, the database away) is tried again on the next polls, after the new
mail, up to UCHAT_MAIL_MAX_TRIES times, then quarantined too. A try is counted (committed) before
the message is read, so one that kills the poller counts as well. Each quarantined message
leaves a MailFailure row with its reason (the admin site lists them); when the server refuses
the move to the quarantine folder, the row keeps the message from being read again while the
move is retried. One mail never holds up the others.
"""

import contextlib
import hashlib
import html
import imaplib
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Concat, Left
from django.utils import timezone
from django.utils.html import strip_tags

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import User
from rooms import services as engine
from rooms import uploads
from tickets import emails, hooks, services, tokens
from tickets.models import MailboxState, MailFailure, Ticket

logger = logging.getLogger(__name__)


class Refused(Exception):
    """This message is not stored: quarantined, with ``reason`` in the log."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass
class Stored:
    ticket: Ticket
    opened: bool  # a new ticket (else a reply)


@dataclass
class PollSummary:
    stored: int = 0
    quarantined: int = 0
    left_unread: int = 0
    reasons: list[str] = field(default_factory=list)


# Subjects auto-responders and mail servers begin with (Outlook, Exchange, Postfix, sendmail,
# Gmail): only at the start, so that a person writing about their own out-of-office settings
# still reaches the desk.
_AUTO = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|sv)\s*:\s*)*"
    r"(?:auto(?:matic)?[ -]?(?:reply|replied|response|answer)|out of (?:the )?office"
    r"|delivery status notification|undeliver(?:able|ed)|returned mail|vacation reply)",
    re.IGNORECASE,
)
_QUOTE_START = re.compile(
    r"^(On .+wrote:\s*$|-{2,} ?Original Message ?-{2,}|-- Reply above this line --)",
    re.IGNORECASE | re.MULTILINE,
)


def _is_automatic(message: EmailMessage) -> bool:
    """An auto-responder, a bounce or a list (RFC 3834 and the common headers): answering
    those, or letting them open tickets, loops."""
    if message.get("Auto-Submitted", "no").strip().lower() != "no":
        return True
    if message.get("Precedence", "").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    if any(
        message.get(h)
        for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response", "List-Id", "List-Unsubscribe")
    ):
        return True
    if str(message.get("Return-Path", "")).strip() == "<>":  # a bounce (RFC 5321 null sender)
        return True
    if message.get_content_type() == "multipart/report":  # a delivery or read report
        return True
    return bool(_AUTO.search(str(message.get("Subject", ""))))


def _text_of(message: EmailMessage) -> str:
    """The message's words: its plain-text part, else its HTML part as text; the quoted
    earlier mail under a reply is cut off."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        content = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", content)
        content = html.unescape(strip_tags(content))
    found = _QUOTE_START.search(content)
    if found:
        content = content[: found.start()]
    lines = [line.rstrip() for line in content.splitlines() if not line.startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _images_of(message: EmailMessage) -> list[SimpleUploadedFile]:
    images = []
    for part in message.iter_attachments():
        if part.get_content_maintype() != "image":
            continue  # other files are not kept (the mail's words say what they were)
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        name = part.get_filename() or f"image.{part.get_content_subtype()}"
        images.append(SimpleUploadedFile(name[:100], payload, part.get_content_type()))
    return images


def _addresses(message: EmailMessage, *headers: str) -> list[str]:
    values = [str(v) for h in headers for v in message.get_all(h, [])]
    return [address.lower() for _, address in getaddresses(values) if address]


def _sender_of(message: EmailMessage) -> tuple[str, str]:
    """The one person the From header names: (name, address). Python 3.11's parseaddr takes
    the first of several addresses, and its getaddresses has no strict mode before 3.11.10:
    the addresses of the header as it arrived are counted here, and the modern parser must
    read the same single one (it quietly drops what it cannot parse)."""
    values = [str(value) for key, value in message.raw_items() if key.lower() == "from"]
    found = [address.lower() for _, address in getaddresses(values) if address]
    if not found:
        raise Refused("no_sender", "no sender address")
    if len(found) > 1 or len(values) > 1:
        raise Refused("many_senders", f"From names {len(found)} addresses")
    modern: tuple[Address, ...] = getattr(message["From"], "addresses", ())
    if len(modern) != 1 or modern[0].addr_spec.lower() != found[0] or "@" not in found[0]:
        raise Refused("many_senders", "From does not read as one address")
    return modern[0].display_name, found[0]


def mail_store(raw: bytes) -> Stored:
    """Store one inbound e-mail as a new ticket or a reply. Raises Refused for bad mail; any
    other exception means it could not be read or stored this time."""
    if len(raw) > settings.UCHAT_MAIL_MAX_BYTES:
        raise Refused("too_big", f"larger than {settings.UCHAT_MAIL_MAX_BYTES} bytes")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    name, sender = _sender_of(message)
    support = settings.UCHAT_SUPPORT_ADDRESS.lower()
    if sender.split("+")[0].partition("@")[0] == support.partition("@")[0] and (
        sender.partition("@")[2] == support.partition("@")[2]
    ):
        raise Refused("loop", "sent by the support address itself")
    if _is_automatic(message):
        raise Refused("auto_reply", "an automatic reply or list mail")
    if account_selectors.email_is_desk_staff(email=sender):
        # Staff and agents answer on the page; mail "from" them is the easiest to forge and
        # would open tickets in their name, past the customers' rate cap.
        raise Refused("staff_sender", f"{sender} is a staff member's or an agent's address")
    try:
        ticket_id = tokens.reply_address_ticket_id(
            _addresses(message, "To", "Cc", "Delivered-To", "X-Original-To")
        )
    except ValidationError as exc:
        raise Refused("bad_token", "a forged ticket token") from exc
    by_token = ticket_id is not None
    if ticket_id is None:
        references = f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
        ticket_id = tokens.referenced_ticket_id(references)
    text = _text_of(message)[: settings.UCHAT_MESSAGE_MAX_LENGTH]
    images = _images_of(message)
    message_id = str(message.get("Message-ID", "")).strip()
    account = account_selectors.user_for_verified_email(email=sender)
    if ticket_id is not None and not by_token:
        # Threaded by a signed Message-ID: only into the sender's own ticket; a reference
        # to someone else's (a forwarded mail, a stolen header) opens a ticket of their own.
        referenced = Ticket.objects.filter(pk=ticket_id).only("customer_id").first()
        if referenced is None or account is None or referenced.customer_id != account.pk:
            ticket_id = None
    try:
        with (
            uploads.removed_on_error(),
            transaction.atomic(),
            emails.answering_mail(message_id),
        ):
            if ticket_id is not None:
                replied = _reply(ticket_id, sender, account, text, images, message_id)
                return Stored(replied, opened=False)
            subject = " ".join(str(message.get("Subject", "")).split())[:150] or "(no subject)"
            customer = account or account_services.user_for_email(email=sender, name=name)
            ticket = services.ticket_open(
                customer=customer,
                subject=subject,
                description=text or "(The e-mail had no text.)",
                images=images,
                source=Ticket.Source.EMAIL,
            )
            return Stored(ticket, opened=True)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "email_account_closed":
            raise Refused("closed_account", f"{sender} belongs to a closed account") from exc
        raise Refused("refused", "; ".join(exc.messages)) from exc


def _reply(
    ticket_id: int,
    sender: str,
    account: User | None,
    text: str,
    images: list[SimpleUploadedFile],
    message_id: str,
) -> Ticket:
    ticket = Ticket.objects.select_related("customer", "conversation").filter(pk=ticket_id).first()
    if ticket is None:
        raise Refused("unknown_ticket", f"no ticket {ticket_id}")
    customer: User | None = ticket.customer
    if customer is not None and (account is None or account.pk != customer.pk):
        account = hooks.mail_reply_sender(ticket, sender) or account  # a widget visitor
    if customer is None or account is None or account.pk != customer.pk:
        raise Refused("not_customer", f"{sender} is not the customer of {ticket.number}")
    # The same e-mail fetched twice (a poll cut off before it marked it read) stores once.
    key = hashlib.sha256((message_id or text).encode()).hexdigest()[:32]
    if text:
        engine.message_create(
            conversation=ticket.conversation, sender=customer, body=text, client_id=f"mail-{key}"
        )
    for number, image in enumerate(images):
        engine.message_create(
            conversation=ticket.conversation,
            sender=customer,
            image=image,
            client_id=f"mail-{key}-{number}",
        )
    return ticket


def _imap() -> imaplib.IMAP4:
    host, port = settings.UCHAT_IMAP_HOST, settings.UCHAT_IMAP_PORT
    connection = (
        imaplib.IMAP4_SSL(host, port) if settings.UCHAT_IMAP_SSL else imaplib.IMAP4(host, port)
    )
    connection.login(settings.UCHAT_IMAP_USER, settings.UCHAT_IMAP_PASSWORD)
    return connection


def _quarantine(imap: imaplib.IMAP4, uid: str) -> None:
    folder = settings.UCHAT_IMAP_QUARANTINE  # (made by mailbox_poll)
    status, _ = imap.uid("COPY", uid, folder)
    if status != "OK":
        raise imaplib.IMAP4.error(f"could not copy to {folder}")
    imap.uid("STORE", uid, "+FLAGS", r"(\Deleted \Seen)")


def _search(imap: imaplib.IMAP4, *criteria: str) -> list[str]:
    status, found = imap.uid("SEARCH", *criteria)
    if status != "OK":
        raise imaplib.IMAP4.error(f"SEARCH {' '.join(criteria)} failed")
    return [uid.decode() for uid in (found[0] or b"").split()]


def _headers_of(raw: bytes) -> dict[str, str]:
    """Sender, subject and Message-ID as far as they can be read, for the admin's list."""
    try:
        head = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        sender = parseaddr(str(head.get("From", "")))[1]
        subject, message_id = str(head.get("Subject", "")), str(head.get("Message-ID", ""))
    except Exception:
        return {}
    return {
        "sender": " ".join(sender.split())[:254],
        "subject": " ".join(subject.split())[:200],
        "message_id": " ".join(message_id.split())[:255],
    }


@dataclass
class _Try:
    """A message's row as its try begins: ``read`` False means it is not read again (tried
    the most times, or quarantined already and waiting for its move to the folder)."""

    read: bool
    code: str
    reason: str


@transaction.atomic
def _try_begin(*, key: str, raw: bytes, size: int | None) -> _Try:
    """Count a try of the message ``key`` before it is read, committed at once: a message that
    kills the poller (the OOM killer, a timeout) has had its try and waits behind new mail on
    the next poll. On success the row is deleted."""
    now = timezone.now()
    failure, _ = MailFailure.objects.select_for_update().get_or_create(
        key=key,
        defaults={
            **_headers_of(raw), "size": len(raw) or size or 0, "first_failed_at": now,
            "code": "interrupted",
            "reason": "the poller stopped while reading it (killed, out of memory, timed out)",
        },
    )  # fmt: skip
    if failure.status == MailFailure.Status.QUARANTINED:
        return _Try(read=False, code=failure.code, reason=failure.reason)
    if failure.attempts >= settings.UCHAT_MAIL_MAX_TRIES:
        failure.status = MailFailure.Status.QUARANTINED
        failure.save(update_fields=["status"])
        return _Try(read=False, code=failure.code, reason=failure.reason)
    failure.attempts += 1
    failure.last_failed_at = now
    failure.save(update_fields=["attempts", "last_failed_at"])
    return _Try(read=True, code="", reason="")


@transaction.atomic
def _failure_record(*, key: str, code: str, reason: str, quarantine: bool) -> int:
    """Say why this try of ``key`` failed; returns its tries so far. ``quarantine``: it is
    being moved to the quarantine folder now."""
    failure = MailFailure.objects.select_for_update().get(key=key)
    failure.code, failure.reason, failure.last_failed_at = code, reason[:2000], timezone.now()
    if quarantine or failure.attempts >= settings.UCHAT_MAIL_MAX_TRIES:
        failure.status = MailFailure.Status.QUARANTINED
    failure.save()
    return failure.attempts


def _failures_prune() -> None:
    """Forget failures older than UCHAT_MAIL_FAILURE_DAYS: the quarantine folder keeps the
    messages themselves. A message still waiting in the mailbox has its row touched on every
    poll, so its count is never forgotten."""
    cutoff = timezone.now() - timedelta(days=settings.UCHAT_MAIL_FAILURE_DAYS)
    try:
        MailFailure.objects.filter(last_failed_at__lt=cutoff).delete()
    except DatabaseError:
        logger.exception("fetch_mail: old mail failures could not be pruned")


def _state_record(*, unseen: int | None = None, error: str = "") -> None:
    """Remember how the poll went, for /check and the admin site (counted here, once a poll,
    not on every /check). Never the reason a poll fails."""
    now = timezone.now()
    fields: dict[str, object] = {"last_error_at": now, "last_error": error[:2000]}
    if not error:
        fields = {"last_success_at": now, "unseen": unseen or 0}
        with contextlib.suppress(DatabaseError):
            counts = dict(
                MailFailure.objects.values_list("status").annotate(n=Count("pk")).order_by()
            )
            fields["retrying"] = counts.get(MailFailure.Status.RETRYING, 0)
            fields["quarantined"] = counts.get(MailFailure.Status.QUARANTINED, 0)
    try:
        MailboxState.objects.update_or_create(pk=1, defaults=fields)
    except Exception:
        logger.exception("fetch_mail: the mailbox state could not be saved")


def _failed_before(keys: list[str]) -> set[str]:
    """Which of these messages failed on an earlier poll (the rest are new)."""
    failed: set[str] = set()
    try:
        for start in range(0, len(keys), 1000):
            failed.update(
                MailFailure.objects.filter(key__in=keys[start : start + 1000]).values_list(
                    "key", flat=True
                )
            )
    except DatabaseError:
        logger.exception("fetch_mail: earlier failures could not be read; oldest first")
    return failed


def _sizes(imap: imaplib.IMAP4, uids: list[str]) -> dict[str, int]:
    """Each message's size, in one round trip: too big ones are refused unread."""
    if not uids:
        return {}
    _, data = imap.uid("FETCH", ",".join(uids), "(RFC822.SIZE)")
    sizes = {}
    for line in data:
        text = line if isinstance(line, bytes) else b""
        uid, size = re.search(rb"UID (\d+)", text), re.search(rb"RFC822\.SIZE (\d+)", text)
        if uid and size:
            sizes[uid.group(1).decode()] = int(size.group(1))
    return sizes


def _quarantine_or_leave(
    imap: imaplib.IMAP4, uid: str, key: str, code: str, summary: PollSummary
) -> None:
    """Move a message to the quarantine folder. When the server refuses (the folder over its
    quota, say), the message stays unread with its row, which keeps it from being read again;
    the move is tried on the next polls."""
    try:
        _quarantine(imap, uid)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        logger.error("fetch_mail: message %s could not be quarantined (%s); left unread", uid, exc)
        summary.left_unread += 1
        note = " [not yet in the quarantine folder: "
        with contextlib.suppress(Exception):  # (kept from pruning while it waits)
            rows = MailFailure.objects.filter(key=key)
            rows.update(last_failed_at=timezone.now())
            rows.exclude(reason__contains=note).update(
                reason=Concat(Left(F("reason"), 1500), Value(f"{note}{str(exc)[:300]}]"))
            )
        return
    summary.quarantined += 1
    summary.reasons.append(code)


def _store_one(
    imap: imaplib.IMAP4, uid: str, key: str, size: int | None, summary: PollSummary
) -> None:
    """Read and store one message; whatever happens, the poll goes on with the next."""
    too_big = size is not None and size > settings.UCHAT_MAIL_MAX_BYTES
    raw = b""
    try:
        if not too_big:
            _, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(part[1] for part in data if isinstance(part, tuple))
        attempt = _try_begin(key=key, raw=raw, size=size)
    except (imaplib.IMAP4.abort, OSError):
        raise  # the connection is gone: this poll is over, the next one starts afresh
    except Exception:
        # Not fetched, or the database is away: not read, so not counted; it waits unread.
        logger.exception("fetch_mail: message %s not read; left unread", uid)
        summary.left_unread += 1
        return
    if not attempt.read:
        logger.warning("fetch_mail: message %s quarantined unread: %s", uid, attempt.reason)
        _quarantine_or_leave(imap, uid, key, attempt.code, summary)
        return
    try:
        if too_big:
            raise Refused("too_big", f"{size} bytes")
        stored = mail_store(raw)
    except Refused as refused:
        logger.warning("fetch_mail: message %s quarantined: %s", uid, refused)
        with contextlib.suppress(Exception):  # the folder holds it whatever the database says
            _failure_record(key=key, code=refused.code, reason=str(refused), quarantine=True)
        _quarantine_or_leave(imap, uid, key, refused.code, summary)
        return
    except (imaplib.IMAP4.abort, OSError):
        raise
    except Exception as exc:  # an unknown charset, RecursionError on deep MIME, a bug...
        reason = f"{type(exc).__name__}: {exc}"
        try:
            tries = _failure_record(key=key, code="unreadable", reason=reason, quarantine=False)
        except Exception:
            logger.exception("fetch_mail: message %s not stored; left unread", uid)
            summary.left_unread += 1
            return
        if tries >= settings.UCHAT_MAIL_MAX_TRIES:
            logger.warning("fetch_mail: message %s quarantined after %d tries: %s",
                           uid, tries, reason)  # fmt: skip
            _quarantine_or_leave(imap, uid, key, "unreadable", summary)
        else:
            logger.error("fetch_mail: message %s not stored (try %d of %d); left unread",
                         uid, tries, settings.UCHAT_MAIL_MAX_TRIES,
                         exc_info=exc if tries == 1 else None)  # fmt: skip
            summary.left_unread += 1
        return
    imap.uid("STORE", uid, "+FLAGS", r"(\Seen)")
    summary.stored += 1
    with contextlib.suppress(Exception):  # stored: its count is done with
        MailFailure.objects.filter(key=key, status=MailFailure.Status.RETRYING).delete()
    logger.info(
        "fetch_mail: message %s %s %s", uid,
        "opened" if stored.opened else "answered", stored.ticket.number,
    )  # fmt: skip


def mailbox_poll(*, limit: int = 200) -> PollSummary:
    """Read the support mailbox's unread messages once (``manage.py fetch_mail``): at most
    ``limit``, new ones first, then the ones that failed before (so that no number of bad
    mails keeps new mail waiting for more than a poll)."""
    summary = PollSummary()
    try:
        imap = _imap()
    except (OSError, imaplib.IMAP4.error) as exc:
        _state_record(error=str(exc) or type(exc).__name__)
        raise
    try:
        folder = settings.UCHAT_IMAP_FOLDER
        status, _ = imap.select(folder)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open the folder {folder}")
        validity = (imap.response("UIDVALIDITY")[1] or [b"0"])[0]
        validity = validity.decode() if isinstance(validity, bytes) else "0"
        keys = {uid: f"{folder}:{validity}:{uid}" for uid in _search(imap, "UNSEEN")}
        failed = _failed_before(list(keys.values()))
        new = [uid for uid, key in keys.items() if key not in failed]
        again = [uid for uid, key in keys.items() if key in failed]
        imap.create(settings.UCHAT_IMAP_QUARANTINE)  # "already exists" is answered NO: fine
        chosen = (new + again)[:limit]
        sizes = _sizes(imap, chosen)
        for uid in chosen:
            _store_one(imap, uid, keys[uid], sizes.get(uid), summary)
        imap.expunge()
        unseen = len(_search(imap, "UNSEEN"))
    except (OSError, imaplib.IMAP4.error) as exc:
        _state_record(error=str(exc) or type(exc).__name__)
        raise
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()
    _failures_prune()
    _state_record(unseen=unseen)
    return summary
