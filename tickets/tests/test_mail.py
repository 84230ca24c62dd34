"""Tickets by e-mail against a real Dovecot IMAP server (Debian's dovecot-imapd, started here
on a loopback port): real MIME messages are appended to its mailbox, and ``manage.py
fetch_mail`` reads them with the standard library's imaplib."""

import imaplib
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError

from accounts.models import User
from rooms import services as engine
from rooms.models import Message
from tickets import mailbox, services, tokens
from tickets.models import Ticket

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
        if status == "OK" and int(data[0]):
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
        Message.objects.filter(conversation=ticket.conversation).values_list("body", flat=True)
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
