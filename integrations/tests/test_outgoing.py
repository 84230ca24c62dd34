"""Outgoing webhooks against a real HTTP server on loopback: the signature verifies with the
secret and the timestamp; a 500 is tried again and then delivered; repeated failures switch
the hook off and tell its owner. With the default settings, loopback, private and metadata
addresses (and names resolving to them) are refused at creation and at send time, and
nothing reaches the receiver."""

import hashlib
import hmac
import json
import socket
import time

import pytest
from django.test import Client

from integrations.models import OutgoingWebhook, WebhookDelivery
from integrations.services import delivery
from notifications.models import Code, Notification
from rooms import services as engine

pytestmark = pytest.mark.django_db


def verify(request: dict, secret: str) -> dict:
    """What a receiver does (docs/integrations.md)."""
    headers = {k.lower(): v for k, v in request["headers"].items()}
    timestamp = headers["x-uchat-timestamp"]
    assert abs(time.time() - int(timestamp)) < 300
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request["raw"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(headers["x-uchat-signature"], f"sha256={expected}")
    assert headers["content-type"] == "application/json"
    return json.loads(request["raw"])


def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_signed_delivery_retry_and_switch_off(
    staff, user, receiver, settings, django_capture_on_commit_callbacks
):
    client = staff_client(staff)
    room = engine.room_create(creator=user, name="general")
    made = client.post(
        "/api/webhooks",
        {"url": f"{receiver.origin}/in", "events": ["message.created", "message.updated"]},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    hook, secret = made.json(), made.json()["secret"]
    assert len(secret) == 64
    assert hook["room"] is None
    assert secret not in json.dumps(client.get("/api/webhooks").json())
    assert client.get(f"/api/webhooks/{hook['id']}").json()["secret"] == secret  # the owner's

    with django_capture_on_commit_callbacks(execute=True):
        message, _ = engine.message_create(conversation=room, sender=user, body="hi *there*")
    [request] = receiver.received
    body = verify(request, secret)
    assert request["headers"]["X-Uchat-Event"] == "message.created"
    assert body["event"] == "message.created"
    assert body["data"]["id"] == message.pk
    assert body["data"]["body"] == "hi *there*"
    assert body["data"]["sender"]["username"] == "alice"
    assert request["headers"]["X-Uchat-Delivery"]
    # A forged body does not verify.
    with pytest.raises(AssertionError):
        verify({**request, "raw": request["raw"].replace(b"there", b"where")}, secret)

    # A 500, tried again later, then delivered: each attempt recorded.
    receiver.answers = [(500, None, 0.0), (200, None, 0.0)]
    args = {"webhook_id": hook["id"], "event": "message.updated", "delivery_id": "d-1"}
    payload = json.dumps({"event": "message.updated", "data": {}})
    wait = delivery.deliver(**args, body=payload, attempt=1, last=False)
    assert wait == delivery.BACKOFF
    assert delivery.deliver(**args, body=payload, attempt=2, last=False) is None
    attempts = client.get(f"/api/webhooks/{hook['id']}/deliveries").json()["deliveries"]
    assert [(d["attempt"], d["status_code"], d["ok"]) for d in attempts[:2]] == [
        (2, 200, True),
        (1, 500, False),
    ]
    assert OutgoingWebhook.objects.get().failure_count == 0

    # Repeated failures (each final when run eagerly) switch it off; the owner is told.
    settings.UCHAT_WEBHOOK_MAX_FAILURES = 2
    receiver.answers = [(503, None, 0.0)]
    for text in ("one", "two", "three"):
        with django_capture_on_commit_callbacks(execute=True):
            engine.message_create(conversation=room, sender=user, body=text)
    stored = OutgoingWebhook.objects.get()
    assert not stored.active
    assert "2 failed deliveries" in stored.disabled_reason
    assert len(receiver.received) == 1 + 2 + 2  # the third message found it switched off
    notice = Notification.objects.get(user=staff, code=Code.WEBHOOK_DISABLED)
    assert notice.is_error
    assert notice.payload["webhook"] == stored.pk
    page = client.get("/notifications/")
    assert "Webhook disabled" in page.content.decode()

    # Re-enabled by its owner: failures start again from 0.
    again = client.patch(
        f"/api/webhooks/{stored.pk}", {"active": True}, content_type="application/json"
    )
    assert again.status_code == 200
    assert again.json()["active"]
    assert again.json()["failure_count"] == 0


def test_inward_addresses_are_refused_at_creation_and_at_send_time(
    staff, user, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    client = staff_client(staff)
    real = socket.getaddrinfo
    answers = {"inward.example": "10.0.0.1", "rebind.example": "93.184.216.34"}

    def resolve(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    settings.UCHAT_WEBHOOK_ALLOW_PRIVATE = False
    refused = [
        f"http://127.0.0.1:{receiver.port}/x",
        f"http://localhost:{receiver.port}/x",
        "http://10.0.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        f"http://inward.example:{receiver.port}/x",
        "ftp://example.com/x",
        "http://user:pw@example.com/x",
        "http:///x",
    ]
    for url in refused:
        answer = client.post(
            "/api/webhooks", {"url": url, "events": ["message.created"]},
            content_type="application/json",
        )  # fmt: skip
        assert (answer.status_code, answer.json()["subcode"]) == (400, 4080), url
        if "inward" in url:  # what the name resolves to inside stays on the server
            assert "10.0.0.1" not in answer.content.decode()
            assert "not allowed" in answer.content.decode()
    settings.UCHAT_WEBHOOK_ALLOW_PRIVATE = True  # metadata stays refused even so
    answer = client.post(
        "/api/webhooks",
        {"url": "http://169.254.169.254/", "events": ["message.created"]},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert not OutgoingWebhook.objects.exists()

    # Made while allowed (or while the name was public), sent once it is not: refused after
    # resolution, recorded, and nothing arrives.
    room = engine.room_create(creator=user, name="general")
    for url in (f"{receiver.origin}/a", f"http://rebind.example:{receiver.port}/b"):
        assert (
            client.post(
                "/api/webhooks", {"url": url, "events": ["message.created"]},
                content_type="application/json",
            ).status_code
            == 201
        )  # fmt: skip
    settings.UCHAT_WEBHOOK_ALLOW_PRIVATE = False
    answers["rebind.example"] = "10.0.0.1"
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(conversation=room, sender=user, body="secret plans")
    assert receiver.received == []
    errors = list(WebhookDelivery.objects.values_list("error", flat=True))
    assert [e.split(":")[0] for e in errors] == ["Refused", "Refused"], errors
    assert not [e for e in errors if "10.0.0.1" in e or "127.0.0.1" in e], errors


def test_a_redirect_is_a_failed_delivery(staff, user, receiver, django_capture_on_commit_callbacks):
    receiver.answers = [(302, None, 0.0)]
    client = staff_client(staff)
    client.post(
        "/api/webhooks", {"url": f"{receiver.origin}/r", "events": ["message.created"]},
        content_type="application/json",
    )  # fmt: skip
    room = engine.room_create(creator=user, name="general")
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(conversation=room, sender=user, body="x")
    record = WebhookDelivery.objects.get()
    assert record.status_code == 302
    assert not record.ok
    assert "Redirect" in record.error
    assert OutgoingWebhook.objects.get().failure_count == 1


def test_caps_drop_rather_than_flood(
    staff, user, receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.UCHAT_WEBHOOK_DELIVERIES_PER_MINUTE = 2
    settings.UCHAT_WEBHOOKS_PER_OWNER = 1
    monkeypatch.setattr(delivery, "DELIVERIES_KEPT", 2)
    client = staff_client(staff)
    body = {"url": f"{receiver.origin}/c", "events": ["message.created"]}
    assert client.post("/api/webhooks", body, content_type="application/json").status_code == 201
    again = client.post("/api/webhooks", body, content_type="application/json")
    assert (again.status_code, again.json()["subcode"]) == (400, 4084)
    room = engine.room_create(creator=user, name="busy")
    for text in ("a", "b", "c"):
        with django_capture_on_commit_callbacks(execute=True):
            engine.message_create(conversation=room, sender=user, body=text)
    assert [b["data"]["body"] for b in receiver.bodies()] == ["a", "b"]
    kept = list(WebhookDelivery.objects.order_by("id").values_list("status_code", "error"))
    assert len(kept) == 2  # the oldest went (the last DELIVERIES_KEPT stay)
    assert kept[-1][0] is None
    assert kept[-1][1].startswith("Dropped: over 2 deliveries a minute")


def test_a_room_admin_cannot_repoint_a_staff_hook_on_their_room(staff, user, receiver):
    """The room's admins manage its hooks, but only the owner (or staff) changes the URL, and
    only the owner ever sees the secret."""
    room = engine.room_create(creator=user, name="ops")
    client = staff_client(staff)
    made = client.post(
        "/api/webhooks",
        {"url": f"{receiver.origin}/staff", "events": ["message.created"], "room": room.pk},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    hook = made.json()["id"]
    admin = staff_client(user)  # the room's admin, not staff
    mallory = admin.patch(
        f"/api/webhooks/{hook}", {"url": f"{receiver.origin}/mine"}, content_type="application/json"
    )
    assert mallory.status_code == 403
    assert OutgoingWebhook.objects.get().url == f"{receiver.origin}/staff"
    assert "secret" not in admin.get(f"/api/webhooks/{hook}").json()
    # The rest stays theirs: the events, switching it off.
    off = admin.patch(f"/api/webhooks/{hook}", {"active": False}, content_type="application/json")
    assert off.status_code == 200
    # Its owner changes the URL.
    moved = client.patch(
        f"/api/webhooks/{hook}", {"url": f"{receiver.origin}/new"}, content_type="application/json"
    )
    assert moved.status_code == 200
    assert OutgoingWebhook.objects.get().url == f"{receiver.origin}/new"
