"""Tickets by e-mail against a real Dovecot IMAP server (Debian's dovecot-imapd, started here
on a loopback port): real MIME messages are appended to its mailbox, and ``manage.py
fetch_mail`` reads them with the standard library's imaplib."""

import imaplib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from rooms import services as engine
from rooms.models import Message
from tickets import mailbox, services, tokens
from tickets.models import MailFailure, Ticket

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "mail-pass-1"


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, "PNG")
    return out.getvalue()


CONFIG = """
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:~/Maildir
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={dir}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dovecot():
    if not os.access(DOVECOT, os.X_OK):
        if os.environ.get("UCHAT_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{DOVECOT} is required (UCHAT_REQUIRE_SERVICES=1)")
        pytest.skip("needs Debian's dovecot-imapd")
    folder = Path(tempfile.mkdtemp(prefix="dv", dir="/tmp"))  # short: socket paths
    folder.chmod(0o755)
    (folder / "home").mkdir()
    shutil.chown(folder / "home", "dovecot", "dovecot")
    (folder / "users").write_text(f"support:{{PLAIN}}{PASSWORD}\n")
    port = _free_port()
    (folder / "dovecot.conf").write_text(CONFIG.format(dir=folder, port=port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(folder / "dovecot.conf")])  # noqa: S603
    deadline = time.monotonic() + 15
    while True:
        try:
            imaplib.IMAP4("127.0.0.1", port).logout()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = folder / "dovecot.log"
                raise RuntimeError(
                    "dovecot did not start: " + (log.read_text() if log.exists() else "")
                ) from None
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def imap(dovecot, settings, db):
    settings.UCHAT_IMAP_HOST = "127.0.0.1"
    settings.UCHAT_IMAP_PORT = dovecot
    settings.UCHAT_IMAP_SSL = False
    settings.UCHAT_IMAP_USER = "support"
    settings.UCHAT_IMAP_PASSWORD = PASSWORD
    settings.UCHAT_SUPPORT_ADDRESS = "support@help.example"
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    box = imaplib.IMAP4("127.0.0.1", dovecot)
    box.login("support", PASSWORD)
    for folder in ("INBOX", "Quarantine"):  # empty, whatever an earlier test left
        status, data = box.select(folder)
        if status == "OK" and int(data[0] or 0):
            box.store("1:*", "+FLAGS", r"(\Deleted)")
            box.expunge()
    yield box
    box.logout()


def deliver(box, message: EmailMessage) -> None:
    box.append("INBOX", None, None, message.as_bytes())


def mail_from(
    sender: str,
    subject: str,
    text: str | None = None,
    html: str | None = None,
    to: str = "Support <support@help.example>",
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="customer.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message


def unseen(box, folder: str = "INBOX") -> int:
    box.select(folder)
    return len(box.uid("SEARCH", "UNSEEN")[1][0].split())


def count(box, folder: str) -> int:
    status, data = box.select(folder)
    return int(data[0]) if status == "OK" else 0


def poll() -> str:
    out = io.StringIO()
    call_command("fetch_mail", stdout=out)
    return out.getvalue()


def test_plain_html_and_image_mail_open_tickets(imap):
    deliver(
        imap,
        mail_from(
            "Meera Nair <meera@customer.example>",
            "Router blinks red",
            text="Since this morning the router blinks red.\nPlease help.",
        ),
    )
    deliver(
        imap,
        mail_from(
            "ravi@customer.example",
            "Invoice wrong",
            html="<p>My <b>invoice</b> shows &pound;20 twice.</p><style>p{}</style>",
        ),
    )
    with_image = mail_from("meera@customer.example", "Photo of the label", text="See the label.")
    with_image.add_attachment(png(), maintype="image", subtype="png", filename="label.png")
    deliver(imap, with_image)

    assert poll().strip() == "fetch_mail: 3 stored, 0 quarantined, 0 left unread"
    assert unseen(imap) == 0
    router = Ticket.objects.get(subject="Router blinks red")
    assert router.source == Ticket.Source.EMAIL
    assert router.description == "Since this morning the router blinks red.\nPlease help."
    meera = User.objects.get(email="meera@customer.example")
    assert (router.customer, meera.first_name, meera.last_name) == (meera, "Meera", "Nair")
    assert not meera.has_usable_password()  # "forgot password" proves the address
    invoice = Ticket.objects.get(subject="Invoice wrong")
    assert invoice.description == "My invoice shows £20 twice."
    photo = Ticket.objects.get(subject="Photo of the label")
    assert photo.customer == meera  # the same sender, the same account
    assert (
        Message.objects.filter(conversation=photo.conversation, attachment__isnull=False).count()
        == 1
    )
    assert poll().strip() == "fetch_mail: 0 stored, 0 quarantined, 0 left unread"  # read once


def test_agent_reply_is_e_mailed_and_the_customer_answers_by_e_mail(
    imap, desk_agent, staff, django_capture_on_commit_callbacks
):
    deliver(imap, mail_from("meera@customer.example", "Router blinks red", text="Help."))
    poll()
    ticket = Ticket.objects.get()
    services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(
            conversation=ticket.conversation, sender=desk_agent, body="Unplug it for 10 s."
        )
    [reply] = [m for m in mail.outbox if m.to == ["meera@customer.example"]]
    assert "Unplug it for 10 s." in reply.body
    assert reply.reply_to == [tokens.reply_address(ticket)]
    assert reply.reply_to[0].startswith(f"support+t{ticket.pk}-")
    sent_id = reply.extra_headers["Message-ID"]

    # Her answer goes to the reply address; the quoted mail under it is not stored.
    deliver(
        imap,
        mail_from(
            "meera@customer.example",
            f"Re: {ticket.number}",
            to=reply.reply_to[0],
            text="Did that, it works now!\n\nOn Mon, 23 Nov 2026 Support wrote:\n> Unplug it",
            In_Reply_To=sent_id,
        ),
    )
    # Another answer names only the Message-ID (a client that dropped the plus address).
    deliver(
        imap,
        mail_from(
            "meera@customer.example",
            "Re: again",
            text="One more thing.",
            In_Reply_To=sent_id,
            References=sent_id,
        ),
    )
    assert poll().strip() == "fetch_mail: 2 stored, 0 quarantined, 0 left unread"
    bodies = list(
        Message.objects.filter(conversation=ticket.conversation)
        .order_by("seq")
        .values_list("body", flat=True)
    )
    assert bodies[-2:] == ["Did that, it works now!", "One more thing."]
    assert Ticket.objects.count() == 1


def test_bad_mail_is_quarantined_with_a_log_line_and_the_rest_is_stored(
    imap, settings, caplog, customer
):
    settings.UCHAT_MAIL_MAX_BYTES = 20_000
    ticket = services.ticket_open(customer=customer, subject="Mine", description="x")
    forged = f"support+t{ticket.pk}-0123456789abcdef@help.example"
    deliver(imap, mail_from("", "No sender", text="who am I"))
    deliver(imap, mail_from("big@customer.example", "Huge", text="x" * 30_000))
    deliver(
        imap,
        mail_from(
            "bot@customer.example", "Out of office", text="Away", Auto_Submitted="auto-replied"
        ),
    )
    deliver(imap, mail_from("carla@example.com", "Re: forged", to=forged, text="Hi"))
    deliver(
        imap,
        mail_from(
            "mallory@evil.example",
            "Re: yours",
            to=tokens.reply_address(ticket),
            text="I am not the customer",
        ),
    )
    deliver(imap, mail_from("support@help.example", "Loop", text="our own mail"))
    deliver(imap, mail_from("fine@customer.example", "A good one", text="Still stored."))

    assert poll().strip() == "fetch_mail: 1 stored, 6 quarantined, 0 left unread"
    assert count(imap, "Quarantine") == 6
    assert count(imap, "INBOX") == 1
    reasons = " ".join(r.getMessage() for r in caplog.records if "quarantined" in r.getMessage())
    for reason in (
        "no sender",
        "bytes",
        "automatic reply",
        "forged",
        "is not the customer",
        "support address",
    ):
        assert reason in reasons
    assert Ticket.objects.filter(subject="A good one").exists()
    assert not Message.objects.filter(body__in=["Hi", "I am not the customer"]).exists()


def test_a_message_that_fails_to_store_stays_unread_and_is_stored_next_time(
    imap, monkeypatch, caplog
):
    deliver(imap, mail_from("meera@customer.example", "Router", text="Help."))
    real = services.ticket_open

    def database_away(**kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(services, "ticket_open", database_away)
    assert poll().strip() == "fetch_mail: 0 stored, 0 quarantined, 1 left unread"
    assert "left unread" in caplog.text
    assert unseen(imap) == 1
    assert not Ticket.objects.exists()
    monkeypatch.setattr(services, "ticket_open", real)
    assert poll().strip() == "fetch_mail: 1 stored, 0 quarantined, 0 left unread"
    assert Ticket.objects.get().subject == "Router"


def test_without_settings_the_command_says_what_to_set(settings):
    settings.UCHAT_IMAP_HOST = ""
    with pytest.raises(Exception, match="UCHAT_IMAP_HOST"):
        call_command("fetch_mail")
    assert mailbox.Refused("x", "y").code == "x"


# --- issue 24: N1, N2 and N3 -------------------------------------------------------------------


def test_mail_reaches_only_an_account_whose_address_is_verified(imap, client, settings, tmp_path):
    """N1: a squatter signs up with the owner's address and their own phone, verifies only the
    phone; the owner's mail opens a ticket in a new account of the owner's, and the squatter
    keeps neither the address nor the ticket."""
    settings.UCHAT_SMS_BACKEND = "file"
    settings.UCHAT_SMS_FILE_PATH = str(tmp_path / "sms")
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Mallory", "last_name": "M", "username": "mallory",
            "email": "meera@customer.example", "phone": "+91 98765 43210",
            "password1": "a-long-pass-42", "password2": "a-long-pass-42",
        },
    )  # fmt: skip
    assert response.status_code == 302
    [text] = [json.loads(p.read_text())["text"] for p in (tmp_path / "sms").iterdir()]
    code = text.split()[0]
    assert client.post("/accounts/phone/verify/", {"code": code}).status_code == 302
    squatter = User.objects.get(username="mallory")
    assert squatter.phone_verified
    assert squatter.email == "meera@customer.example"  # claimed, never confirmed

    deliver(imap, mail_from("Meera Nair <meera@customer.example>", "Router", text="Help."))
    assert poll().strip() == "fetch_mail: 1 stored, 0 quarantined, 0 left unread"
    ticket = Ticket.objects.get(subject="Router")
    assert ticket.customer != squatter
    assert not Ticket.objects.filter(customer=squatter).exists()
    owner = ticket.customer
    assert EmailAddress.objects.filter(
        user=owner, email="meera@customer.example", verified=True
    ).exists()
    squatter.refresh_from_db()
    assert squatter.email is None  # the stale claim is dropped, as with phone numbers
    assert not EmailAddress.objects.filter(user=squatter).exists()
    # Logged in, the squatter cannot open it either.
    assert client.get("/").context["user"] == squatter
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404


def _unknown_charset(n: int) -> bytes:
    return (
        f"From: spam{n}@evil.example\r\nTo: support@help.example\r\nSubject: poison {n}\r\n"
        f"Message-ID: <p{n}@evil.example>\r\n"
        "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nboom\r\n"
    ).encode()


def _deeply_nested(depth: int = 1000) -> bytes:
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    tail = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return (
        b"From: nest@evil.example\r\nTo: support@help.example\r\nSubject: nested\r\n"
        + head + b"Content-Type: text/plain\r\n\r\nhi\r\n" + tail
    )  # fmt: skip


def test_poison_mail_never_stops_the_queue_and_is_quarantined_after_its_tries(
    imap, settings, client, staff
):
    """N2: more unparseable mails than a poll reads, then a good one: the good one is a ticket
    within two polls; each bad one is tried UCHAT_MAIL_MAX_TRIES times, then moved to the
    quarantine folder with its reason in a row the admin site lists; /check says so."""
    settings.UCHAT_MAIL_MAX_TRIES = 2
    for n in range(204):  # the oldest 200 unread fill a whole poll
        imap.append("INBOX", None, None, _unknown_charset(n))
    imap.append("INBOX", None, None, _deeply_nested())
    deliver(imap, mail_from("fine@customer.example", "A good one", text="Still read."))

    assert poll().strip() == "fetch_mail: 0 stored, 0 quarantined, 200 left unread"
    # New mail first (the 5 bad ones left and the good one), then the first tries again.
    assert poll().strip() == "fetch_mail: 1 stored, 194 quarantined, 5 left unread"
    assert Ticket.objects.filter(subject="A good one").exists()
    assert Ticket.objects.count() == 1
    assert poll().strip() == "fetch_mail: 0 stored, 11 quarantined, 0 left unread"
    assert unseen(imap) == 0
    assert count(imap, "Quarantine") == 205
    assert count(imap, "INBOX") == 1
    failures = MailFailure.objects.filter(status=MailFailure.Status.QUARANTINED)
    assert failures.count() == 205
    assert set(failures.values_list("attempts", flat=True)) == {2}
    assert re.fullmatch(r"INBOX:[1-9]\d*:\d+", failures[0].key)  # UIDVALIDITY:UID
    assert "x-no-such-charset" in failures.get(subject="poison 7").reason
    assert "recursion" in failures.get(subject="nested").reason
    assert poll().strip() == "fetch_mail: 0 stored, 0 quarantined, 0 left unread"

    client.force_login(staff)
    page = client.get("/admin/tickets/mailfailure/?q=poison+7").content.decode()
    assert "spam7@evil.example" in page
    assert "x-no-such-charset" in page

    body = client.get("/check").json()  # staff: with the counts
    assert body["health"] == "ok"
    assert body["mail"]["quarantined"] == 205
    assert body["mail"]["unseen"] == 0
    assert body["mail"]["last_success"] is not None


def test_check_says_when_fetch_mail_last_succeeded(imap, client, settings):
    """N2: /check keeps its shape and adds the poller's health once a mailbox is configured."""
    body = client.get("/check").json()
    assert body == {"health": "ok", "mail": {"last_success": None, "stale": True}}
    deliver(imap, mail_from("fine@customer.example", "One", text="x"))
    deliver(imap, mail_from("fine@customer.example", "Two", text="y"))
    call_command("fetch_mail", stdout=io.StringIO())
    deliver(imap, mail_from("fine@customer.example", "Three", text="z"))
    mail_state = client.get("/check").json()["mail"]
    assert mail_state["last_success"] is not None
    assert mail_state["stale"] is False

    settings.UCHAT_IMAP_PORT = _free_port()  # the mail server away: the time stays
    with pytest.raises(Exception, match="could not be read"):
        call_command("fetch_mail", stdout=io.StringIO())
    assert client.get("/check").json()["mail"]["last_success"] == mail_state["last_success"]
    settings.UCHAT_IMAP_HOST = ""
    assert client.get("/check").json() == {"health": "ok"}  # no mailbox, nothing to say


def test_a_forged_message_id_opens_a_new_ticket_and_a_signed_one_threads(
    imap, customer, django_capture_on_commit_callbacks
):
    """N3: In-Reply-To naming a made-up <ticket-N.x.y@…> threads nothing; only a Message-ID
    the desk signed does, and only from the ticket's customer."""
    ticket = services.ticket_open(customer=customer, subject="Mine", description="x")
    domain = "help.example"
    deliver(
        imap,
        mail_from(
            "Carla <carla@example.com>", "Re: forged", text="Forged thread",
            In_Reply_To=f"<ticket-{ticket.pk}.x.y@{domain}>",
        ),
    )  # fmt: skip
    signed = tokens.message_id(ticket, "reply")
    assert tokens.referenced_ticket_id(signed) == ticket.pk
    tampered = signed.replace(f"<ticket-{ticket.pk}.", f"<ticket-{ticket.pk + 1}.")
    assert tokens.referenced_ticket_id(tampered) is None
    stolen = mail_from("someone@else.example", "Re: stolen", text="Not hers", References=signed)
    deliver(imap, stolen)
    deliver(imap, mail_from("carla@example.com", "Re: real", text="Genuine", In_Reply_To=signed))
    assert poll().strip() == "fetch_mail: 3 stored, 0 quarantined, 0 left unread"
    bodies = list(
        Message.objects.filter(conversation=ticket.conversation).values_list("body", flat=True)
    )
    assert bodies == ["Genuine"]
    assert Ticket.objects.get(subject="Re: forged").customer == customer
    sender = Ticket.objects.get(subject="Re: stolen").customer
    assert sender is not None
    assert sender.email == "someone@else.example"


def test_mail_from_a_staff_or_agent_address_opens_no_ticket(imap, staff, desk_agent):
    """N3: staff and agents are not rate-capped and their name carries weight: mail from
    their addresses is quarantined, not a ticket in their name."""
    deliver(imap, mail_from(staff.email, "As staff", text="x"))
    deliver(imap, mail_from(desk_agent.email.upper(), "As agent", text="y"))
    assert poll().strip() == "fetch_mail: 0 stored, 2 quarantined, 0 left unread"
    assert not Ticket.objects.exists()
    assert set(MailFailure.objects.values_list("code", flat=True)) == {"staff_sender"}


def test_a_from_name_goes_through_the_sign_up_name_checks(imap, staff):
    """N3: the display name of From becomes the account's name only when sign-up would
    accept it; otherwise the account has no name (its username, from the address, shows)."""
    staff.display_name = "Stella Support"
    staff.save()
    deliver(imap, mail_from("Stella Support <stella.s@customer.example>", "One", text="x"))
    deliver(imap, mail_from("Meera\u202e Nair <meera@customer.example>", "Two", text="y"))
    deliver(imap, mail_from("Ravi Kumar <ravi@customer.example>", "Three", text="z"))
    assert poll().strip() == "fetch_mail: 3 stored, 0 quarantined, 0 left unread"
    for address in ("stella.s@customer.example", "meera@customer.example"):
        person = User.objects.get(email=address)
        assert (person.first_name, person.last_name, person.display_name) == ("", "", "")
        assert person.name == person.username
    ravi = User.objects.get(email="ravi@customer.example")
    assert (ravi.first_name, ravi.last_name) == ("Ravi", "Kumar")


def test_auto_replies_never_open_or_join_tickets(imap, customer):
    """N3 (RFC 3834): whatever marks a mail as automatic keeps it out of the desk."""
    ticket = services.ticket_open(customer=customer, subject="Mine", description="x")
    to = tokens.reply_address(ticket)
    me = customer.email
    deliver(imap, mail_from(me, "Automatic reply: Mine", to=to, text="I am away"))
    deliver(imap, mail_from(me, "Out of Office: back Monday", text="Away"))
    deliver(imap, mail_from(me, "Hello", to=to, text="x", Auto_Submitted="auto-generated"))
    deliver(imap, mail_from(me, "Hello", text="x", Precedence="junk"))
    deliver(imap, mail_from(me, "Hello", text="x", X_Autoreply="yes"))
    deliver(imap, mail_from(me, "News", text="x", List_Id="<news.customer.example>"))
    deliver(imap, mail_from(me, "Undelivered", text="x", Return_Path="<>"))
    deliver(imap, mail_from(me, "Hello", to=to, text="A person", Auto_Submitted="no"))
    deliver(imap, mail_from(me, "My autoresponder and out of office settings", text="Help"))
    assert poll().strip() == "fetch_mail: 2 stored, 7 quarantined, 0 left unread"
    assert Ticket.objects.count() == 2
    assert list(
        Message.objects.filter(conversation=ticket.conversation).values_list("body", flat=True)
    ) == ["A person"]


def test_the_desk_marks_its_own_e_mails_as_automatic(
    imap, desk_agent, staff, django_capture_on_commit_callbacks
):
    """N3 (RFC 3834): the acknowledgement of a mailed ticket is auto-replied (and names the
    mail it answers); every other desk e-mail is auto-generated. Responders do not answer
    either, so two of them cannot loop through the desk."""
    deliver(imap, mail_from("meera@customer.example", "Router", text="Help."))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        poll()
    ticket = Ticket.objects.get()
    [ack] = [m for m in mail.outbox if m.to == ["meera@customer.example"]]
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.extra_headers["In-Reply-To"].endswith("@customer.example>")
    to_admins = [m for m in mail.outbox if m.to == [staff.email]]
    assert to_admins
    assert {m.extra_headers["Auto-Submitted"] for m in to_admins} == {"auto-generated"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(ticket=ticket, agent=desk_agent, actor=staff)
        engine.message_create(conversation=ticket.conversation, sender=desk_agent, body="Hi")
    assert mail.outbox
    assert {m.extra_headers["Auto-Submitted"] for m in mail.outbox} == {"auto-generated"}
    assert all("Auto-Submitted: auto-generated" in m.message().as_string() for m in mail.outbox)


# --- issue 24, after review: what was left of N1, N2 and N3 -----------------------------------


class _Killed(BaseException):
    """What the poller sees of an OOM kill or a watchdog's timeout: nothing after it runs."""


def test_a_mail_that_kills_the_poller_is_counted_first_and_never_read_after_its_tries(
    imap, settings, monkeypatch
):
    """N2: the try is counted before the mail is read, so one that kills the poller (the OOM
    killer, a timeout) goes behind new mail on the next poll and, after its tries, is
    quarantined without being read again."""
    settings.UCHAT_MAIL_MAX_TRIES = 2
    real = mailbox.mail_store
    reads: list[bytes] = []

    def mail_store(raw: bytes):
        reads.append(raw)
        if b"Subject: killer" in raw:
            raise _Killed
        return real(raw)

    monkeypatch.setattr(mailbox, "mail_store", mail_store)
    deliver(imap, mail_from("spam@evil.example", "killer", text="x"))
    deliver(imap, mail_from("fine@customer.example", "A good one", text="Still read."))
    with pytest.raises(_Killed):
        poll()
    assert MailFailure.objects.get(sender="spam@evil.example").attempts == 1
    with pytest.raises(_Killed):
        poll()  # the good one first this time
    assert Ticket.objects.filter(subject="A good one").exists()
    assert MailFailure.objects.get(sender="spam@evil.example").attempts == 2
    reads.clear()
    assert poll().strip() == "fetch_mail: 0 stored, 1 quarantined, 0 left unread"
    assert reads == []  # quarantined by its row, unread
    assert count(imap, "Quarantine") == 1
    assert MailFailure.objects.get().status == MailFailure.Status.QUARANTINED
    assert not MailFailure.objects.exclude(sender="spam@evil.example").exists()


def test_a_quarantine_that_cannot_be_written_leaves_the_mail_unread_and_the_poll_goes_on(
    imap, settings, monkeypatch
):
    """N2: Dovecot refuses the COPY to the quarantine folder (here a folder name it cannot
    create; over quota alike): the refused mail stays unread with its row, the mails after it
    are stored, and it is never read again while its quarantine keeps failing."""
    settings.UCHAT_IMAP_QUARANTINE = "Quarantine/../x"
    deliver(imap, mail_from("", "No sender", text="who am I"))
    deliver(imap, mail_from("fine@customer.example", "A good one", text="Still read."))
    assert poll().strip() == "fetch_mail: 1 stored, 0 quarantined, 1 left unread"
    assert Ticket.objects.filter(subject="A good one").exists()
    failure = MailFailure.objects.get()
    assert (failure.code, failure.status) == ("no_sender", MailFailure.Status.QUARANTINED)
    assert "quarantine" in failure.reason

    def never(raw: bytes):
        raise AssertionError("read again")

    monkeypatch.setattr(mailbox, "mail_store", never)
    assert poll().strip() == "fetch_mail: 0 stored, 0 quarantined, 1 left unread"
    assert MailFailure.objects.get().attempts == 1
    settings.UCHAT_IMAP_QUARANTINE = "Quarantine"
    assert poll().strip() == "fetch_mail: 0 stored, 1 quarantined, 0 left unread"
    assert count(imap, "Quarantine") == 1


def test_a_from_with_no_or_several_addresses_is_quarantined(imap, customer):
    """N3: Python 3.11's parseaddr takes the first of several addresses; a From naming more
    than one person (or none) speaks for nobody."""
    deliver(imap, mail_from(f"{customer.email}, mallory@evil.example", "Two", text="x"))
    deliver(imap, mail_from(f"Carla <{customer.email}>, <mallory@evil.example>", "Too", text="x"))
    odd = f"From: {customer.email})<mallory@evil.example>\r\nTo: support@help.example\r\n"
    imap.append("INBOX", None, None, (odd + "Subject: Odd\r\n\r\nx\r\n").encode())
    deliver(imap, mail_from("undisclosed-recipients:;", "None", text="x"))
    deliver(imap, mail_from(f"Carla <{customer.email}>", "One", text="Mine."))
    assert poll().strip() == "fetch_mail: 1 stored, 4 quarantined, 0 left unread"
    assert Ticket.objects.get().subject == "One"
    assert set(MailFailure.objects.values_list("code", flat=True)) == {"no_sender", "many_senders"}


def test_mail_from_a_closed_account_is_refused_at_once(imap, customer, caplog):
    """N1: the verified address of a deactivated account opens nothing, and is refused at
    once with its reason (not retried as unreadable, no traceback)."""
    customer.is_active = False
    customer.save()
    deliver(imap, mail_from(customer.email, "Still me", text="x"))
    assert poll().strip() == "fetch_mail: 0 stored, 1 quarantined, 0 left unread"
    failure = MailFailure.objects.get()
    assert (failure.code, failure.attempts) == ("closed_account", 1)
    assert not any(record.exc_info for record in caplog.records)
    assert not Ticket.objects.exists()


def test_check_tells_only_staff_how_much_mail_waits_and_counts_nothing_per_hit(
    imap, client, staff, settings, django_assert_max_num_queries
):
    """N2: anonymous callers of /check learn whether the poller is healthy, not how much mail
    waits; staff see the counts the poller took (no COUNT over MailFailure on every hit), and
    the poller forgets failures older than UCHAT_MAIL_FAILURE_DAYS."""
    settings.UCHAT_MAIL_FAILURE_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    MailFailure.objects.create(key="INBOX:1:old", status="quarantined", last_failed_at=old)
    deliver(imap, mail_from("", "No sender", text="who am I"))
    imap.append("INBOX", None, None, _unknown_charset(2))
    assert poll().strip() == "fetch_mail: 0 stored, 1 quarantined, 1 left unread"
    assert not MailFailure.objects.filter(key="INBOX:1:old").exists()

    with CaptureQueriesContext(connection) as queries:
        body = client.get("/check").json()
    assert set(body["mail"]) == {"last_success", "stale"}
    assert body["mail"]["stale"] is False
    assert not [q for q in queries if "count(" in q["sql"].lower()]

    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        mail_state = client.get("/check").json()["mail"]
    assert mail_state["quarantined"] == 1
    assert mail_state["retrying"] == 1
    assert mail_state["unseen"] == 1
    assert not [q for q in queries if "count(" in q["sql"].lower()]
    assert set(client.get("/api/check").json()["mail"]) == {"last_success", "stale"}
