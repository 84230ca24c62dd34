"""The guided tour's steps and memory, and the SMS backends (Twilio against a local HTTP
server that records what it is sent)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts import sms
from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tour import tour_steps
from tickets.tests.factories import AgentFactory


def test_each_role_gets_its_own_tour(db):
    customer = [s["title"] for s in tour_steps(UserFactory(username="c"))]
    agent = [s["title"] for s in tour_steps(AgentFactory(username="a"))]
    admin = [s["title"] for s in tour_steps(UserFactory(username="s", staff=True))]
    for titles in (customer, agent, admin):
        assert titles[:3] == ["Your rooms", "Direct messages", "Notifications"]
    assert "Need help?" in customer
    assert "Notes and canned replies" not in customer
    assert "Notes and canned replies" in agent
    assert "Need help?" not in agent
    assert "Reports" in admin
    assert "Agents and assignment" in admin


def test_the_tour_shows_until_done_then_restarts_from_the_menu(client, db):
    user = UserFactory(username="new", tour_done_at=None)  # never finished it
    client.force_login(user)
    assert b'id="tour-steps"' in client.get("/").content
    assert b'id="tour-steps"' not in client.get("/notifications/").content  # dashboard only
    assert client.post("/accounts/tour/", {"action": "done"}).status_code == 204
    assert b'id="tour-steps"' not in client.get("/").content
    response = client.post("/accounts/tour/", {"action": "restart"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert b'id="tour-steps"' in client.get("/").content
    assert client.post("/accounts/tour/", {"action": "explode"}).status_code == 400
    assert client.get("/accounts/tour/").status_code == 405
    client.logout()
    assert client.post("/accounts/tour/", {"action": "done"}).status_code == 302  # log in first
    assert User.objects.get(pk=user.pk).tour_done_at is None


class Recorder(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 201

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Recorder.received.append(
            {"path": self.path, "auth": self.headers["Authorization"], "form": parse_qs(body)}
        )
        self.send_response(Recorder.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"code": 21211, "message": "Invalid 'To'"}).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def twilio(settings):
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Recorder.received, Recorder.status = [], 201
    settings.UCHAT_SMS_BACKEND = "twilio"
    settings.UCHAT_TWILIO_ACCOUNT_SID = "AC123"
    settings.UCHAT_TWILIO_AUTH_TOKEN = "secret-token"
    settings.UCHAT_TWILIO_FROM = "+15005550006"
    settings.UCHAT_TWILIO_URL = f"http://127.0.0.1:{server.server_port}/2010-04-01"
    yield Recorder
    server.shutdown()


def test_twilio_posts_the_text(twilio):
    sms.sms_send(phone="+919876543210", text="123456 is your uchat code.")
    [sent] = twilio.received
    assert sent["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert sent["auth"].startswith("Basic ")
    assert sent["form"] == {
        "To": ["+919876543210"],
        "From": ["+15005550006"],
        "Body": ["123456 is your uchat code."],
    }


def test_twilio_refusing_is_an_error_the_task_retries(twilio):
    twilio.status = 400
    with pytest.raises(sms.SmsError, match="Twilio refused the text \\(400\\)"):
        sms.sms_send(phone="+10000000000", text="x")
    assert issubclass(sms.SmsError, OSError)  # accounts.tasks.send_sms retries on OSError


def test_backends_say_what_they_lack(settings):
    settings.UCHAT_SMS_BACKEND = "twilio"
    settings.UCHAT_TWILIO_ACCOUNT_SID = ""
    with pytest.raises(ImproperlyConfigured, match="UCHAT_TWILIO_ACCOUNT_SID"):
        sms.backend()
    settings.UCHAT_SMS_BACKEND = "file"
    settings.UCHAT_SMS_FILE_PATH = ""
    with pytest.raises(ImproperlyConfigured, match="UCHAT_SMS_FILE_PATH"):
        sms.backend()


def test_the_console_backend_logs_the_text(settings, caplog):
    settings.UCHAT_SMS_BACKEND = "console"
    sms.sms_send(phone="+919876543210", text="654321 is your uchat code.")
    assert "SMS to +919876543210: 654321 is your uchat code." in caplog.text
