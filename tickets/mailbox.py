"""Tickets by e-mail: each message in the support mailbox opens a ticket or answers one.

``mailbox_poll`` (``manage.py fetch_mail``) reads unread messages over IMAP with the standard
library, and ``mail_store`` stores one through the desk's services:

- a reply is threaded by the ticket's reply address (``support+t<id>-<signature>@…``), else by
  In-Reply-To / References naming a Message-ID of ours; it must come from the customer;
- anything else opens a ticket for the sender (an account is made for a new address).

Bad mail (no sender, too big, an auto-reply or a loop, a forged or unknown ticket token, a
closed ticket, a refused image) is moved to the quarantine folder with a log line. A message
that fails to store for any other reason (the database away) stays unread for the next poll:
nothing is lost, and the poller goes on with the next message.
"""

import contextlib
import hashlib
import html
import imaplib
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.html import strip_tags

from accounts import services as account_services
from accounts.models import User
from rooms import services as engine
from rooms import uploads
from tickets import services, tokens
from tickets.models import Ticket

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


_AUTO = re.compile(r"auto-?(reply|replied|respond|generated)|out of office", re.IGNORECASE)
_QUOTE_START = re.compile(
    r"^(On .+wrote:\s*$|-{2,} ?Original Message ?-{2,}|-- Reply above this line --)",
    re.IGNORECASE | re.MULTILINE,
)


def _is_automatic(message: EmailMessage) -> bool:
    """An auto-responder or a list (RFC 3834 and the common headers): answering those loops."""
    if message.get("Auto-Submitted", "no").strip().lower() != "no":
        return True
    if message.get("Precedence", "").strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("List-Id"):
        return True
    return bool(_AUTO.search(message.get("Subject", "")))


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


def mail_store(raw: bytes) -> Stored:
    """Store one inbound e-mail as a new ticket or a reply. Raises Refused for bad mail."""
    if len(raw) > settings.UCHAT_MAIL_MAX_BYTES:
        raise Refused("too_big", f"larger than {settings.UCHAT_MAIL_MAX_BYTES} bytes")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    name, sender = parseaddr(str(message.get("From", "")))
    sender = sender.lower()
    if "@" not in sender:
        raise Refused("no_sender", "no sender address")
    support = settings.UCHAT_SUPPORT_ADDRESS.lower()
    if sender.split("+")[0].partition("@")[0] == support.partition("@")[0] and (
        sender.partition("@")[2] == support.partition("@")[2]
    ):
        raise Refused("loop", "sent by the support address itself")
    if _is_automatic(message):
        raise Refused("auto_reply", "an automatic reply or list mail")
    try:
        ticket_id = tokens.reply_address_ticket_id(
            _addresses(message, "To", "Cc", "Delivered-To", "X-Original-To")
        )
    except ValidationError as exc:
        raise Refused("bad_token", "a forged ticket token") from exc
    if ticket_id is None:
        references = f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
        ticket_id = tokens.referenced_ticket_id(references)
    text = _text_of(message)[: settings.UCHAT_MESSAGE_MAX_LENGTH]
    images = _images_of(message)
    message_id = str(message.get("Message-ID", "")).strip()
    try:
        with uploads.removed_on_error(), transaction.atomic():
            if ticket_id is not None:
                return Stored(_reply(ticket_id, sender, text, images, message_id), opened=False)
            subject = " ".join(str(message.get("Subject", "")).split())[:150] or "(no subject)"
            customer = account_services.user_for_email(email=sender, name=name)
            ticket = services.ticket_open(
                customer=customer,
                subject=subject,
                description=text or "(The e-mail had no text.)",
                images=images,
            )
            return Stored(ticket, opened=True)
    except ValidationError as exc:
        raise Refused("refused", "; ".join(exc.messages)) from exc


def _reply(
    ticket_id: int, sender: str, text: str, images: list[SimpleUploadedFile], message_id: str
) -> Ticket:
    ticket = Ticket.objects.select_related("customer", "conversation").filter(pk=ticket_id).first()
    if ticket is None:
        raise Refused("unknown_ticket", f"no ticket {ticket_id}")
    customer: User | None = ticket.customer
    if customer is None or (customer.email or "").lower() != sender:
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
    folder = settings.UCHAT_IMAP_QUARANTINE
    imap.create(folder)  # "already exists" is answered NO, and is fine
    status, _ = imap.uid("COPY", uid, folder)
    if status != "OK":
        raise imaplib.IMAP4.error(f"could not copy to {folder}")
    imap.uid("STORE", uid, "+FLAGS", r"(\Deleted \Seen)")


def mailbox_poll(*, limit: int = 200) -> PollSummary:
    """Read the support mailbox's unread messages once (``manage.py fetch_mail``)."""
    summary = PollSummary()
    imap = _imap()
    try:
        imap.select(settings.UCHAT_IMAP_FOLDER)
        _, found = imap.uid("SEARCH", "UNSEEN")
        for uid in [u.decode() for u in (found[0] or b"").split()[:limit]]:
            _, data = imap.uid("FETCH", uid, "(RFC822.SIZE)")
            head = data[0] if isinstance(data[0], bytes) else b""
            size = re.search(rb"RFC822\.SIZE (\d+)", head)
            try:
                if size and int(size.group(1)) > settings.UCHAT_MAIL_MAX_BYTES:
                    raise Refused("too_big", f"{size.group(1).decode()} bytes")
                _, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next(part[1] for part in data if isinstance(part, tuple))
                stored = mail_store(raw)
            except Refused as refused:
                logger.warning("fetch_mail: message %s quarantined: %s", uid, refused)
                _quarantine(imap, uid)
                summary.quarantined += 1
                summary.reasons.append(refused.code)
                continue
            except Exception:
                logger.exception("fetch_mail: message %s not stored; left unread", uid)
                summary.left_unread += 1
                continue
            imap.uid("STORE", uid, "+FLAGS", r"(\Seen)")
            summary.stored += 1
            logger.info(
                "fetch_mail: message %s %s %s", uid,
                "opened" if stored.opened else "answered", stored.ticket.number,
            )  # fmt: skip
        imap.expunge()
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()
    return summary
