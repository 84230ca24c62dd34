"""Web Push end to end: a push service on loopback (allowed by the settings) receives what a
direct message, a room @mention and a ticket reply send to a subscribed person; each body
decrypts (aes128gcm, RFC 8291) with the keys the "browser" generated, each request carries a
valid VAPID signature (RFC 8292); a 410 removes the subscription; an internal note's text
never leaves."""

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece  # type: ignore[import-untyped]
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.conf import settings as django_settings

from notifications.models import PushSubscription
from rooms import services as engine
from rooms.models import Conversation
from tickets import services as desk

pytestmark = pytest.mark.django_db


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A push service on 127.0.0.1: records each request, answers ``status`` (201)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                service.received.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service(settings):
    settings.UCHAT_PUSH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.UCHAT_PUSH_ALLOW_PRIVATE = True
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def browser_keys():
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte secret."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private, b64url(public), os.urandom(16)


def vapid_claims(authorization: str, audience: str) -> dict:
    """The VAPID JWT's claims, once its ES256 signature checks with the site's public key."""
    assert authorization.startswith("vapid ")
    fields = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
    assert fields["k"] == django_settings.UCHAT_VAPID_PUBLIC_KEY
    header, claims, signature = fields["t"].split(".")
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if bad
    decoded = json.loads(unb64url(claims))
    assert decoded["aud"] == audience
    assert time.time() < decoded["exp"] <= time.time() + 24 * 3600
    assert decoded["sub"] == django_settings.UCHAT_VAPID_SUBJECT
    return decoded


def test_pushes_arrive_encrypted_and_signed_and_a_410_removes_the_subscription(
    user,
    other_user,
    agent,
    auth_client,
    push_service,
    browser_keys,
    django_capture_on_commit_callbacks,
):
    private, p256dh, auth = browser_keys
    endpoint = f"{push_service.origin}/push/device-1"
    body = {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": p256dh, "auth": b64url(auth)},
    }
    assert (
        auth_client.post(
            "/api/push/subscriptions", body, content_type="application/json"
        ).status_code
        == 201
    )

    with django_capture_on_commit_callbacks(execute=True):
        direct = engine.direct_conversation_get_or_create(user=other_user, other=user)
        engine.message_create(conversation=direct, sender=other_user, body="Lunch at one?")
    with django_capture_on_commit_callbacks(execute=True):
        room = engine.conversation_create(
            kind=Conversation.Kind.ROOM, creator=other_user, name="general", members=[user]
        )
        engine.message_create(conversation=room, sender=other_user, body="@alice " + "x" * 300)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket_open(customer=user, subject="Printer", description="It jams.")
        ticket = desk.ticket_assign(ticket=ticket, agent=agent, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket_note_add(ticket=ticket, author=agent, body="SECRET-NOTE customer is VIP")
        engine.message_create(conversation=ticket.conversation, sender=agent, body="Try tray 2.")

    pushes = []
    for request in push_service.received:
        assert request["path"] == "/push/device-1"
        headers = {k.lower(): v for k, v in request["headers"].items()}
        assert headers["content-encoding"] == "aes128gcm"
        assert int(headers["ttl"]) > 0
        vapid_claims(headers["authorization"], push_service.origin)
        plain = http_ece.decrypt(
            request["body"], private_key=private, auth_secret=auth, version="aes128gcm"
        )
        pushes.append(json.loads(plain))
    by_url = {push["url"]: push for push in pushes}

    dm = by_url[f"/conversations/{direct.pk}/"]
    assert (dm["title"], dm["body"], dm["tag"]) == (
        "Bob B.",
        "Lunch at one?",
        f"conversation-{direct.pk}",
    )
    mention = next(p for p in pushes if p["url"].startswith(f"/conversations/{room.pk}/?around="))
    assert mention["title"] == "Mentioned in general"
    assert mention["body"].startswith("Bob B.: @alice xxx")
    assert len(mention["body"]) <= 120
    reply = next(p for p in pushes if p["body"].endswith("Try tray 2."))
    assert reply["url"] == f"/conversations/{ticket.conversation_id}/"
    assert reply["title"] == f"New message on {ticket.number}"
    assert all("SECRET-NOTE" not in json.dumps(p) for p in pushes)
    assert PushSubscription.objects.get(endpoint=endpoint).last_success_at is not None

    push_service.status = 410  # the browser unsubscribed: the service says it is gone
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(conversation=direct, sender=other_user, body="Still there?")
    assert not PushSubscription.objects.filter(endpoint=endpoint).exists()


def test_server_errors_are_tried_again_and_repeated_refusals_drop_the_subscription(
    user, push_service, browser_keys
):
    from notifications import push, tasks

    _, p256dh, auth = browser_keys
    subscription, _ = push.push_subscription_save(
        user=user,
        endpoint=f"{push_service.origin}/push/device-2",
        p256dh=p256dh,
        auth=b64url(auth),
        session_key=None,
    )
    push_service.status = 503
    assert tasks.push_deliver(subscription_id=subscription.pk, data="{}", attempt=2) == 120
    push_service.status = 429
    assert tasks.push_deliver(subscription_id=subscription.pk, data="{}") == 30
    subscription.refresh_from_db()
    assert subscription.failures == 0  # the service's trouble, not the subscription's
    push_service.status = 400
    for failures in (1, 2):
        assert tasks.push_deliver(subscription_id=subscription.pk, data="{}") is None
        subscription.refresh_from_db()
        assert subscription.failures == failures
    tasks.push_deliver(subscription_id=subscription.pk, data="{}")
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_followed_thread_reply_pushes_and_a_muted_room_or_do_not_disturb_push_nothing(
    user, other_user, auth_client, push_service, browser_keys, django_capture_on_commit_callbacks
):
    """The same rule for push as for every channel: a reply in a thread Alice follows reaches
    her phone; in a room she muted, or while she does not want to be disturbed, nothing does
    (not even a mention)."""
    from datetime import timedelta

    from django.utils import timezone

    from rooms.services.notify_settings import membership_notify_set

    private, p256dh, auth = browser_keys
    body = {
        "endpoint": f"{push_service.origin}/push/d3",
        "keys": {"p256dh": p256dh, "auth": b64url(auth)},
    }
    assert (
        auth_client.post(
            "/api/push/subscriptions", body, content_type="application/json"
        ).status_code
        == 201
    )

    def pushed() -> list[dict]:
        return [
            json.loads(
                http_ece.decrypt(
                    r["body"], private_key=private, auth_secret=auth, version="aes128gcm"
                )
            )
            for r in push_service.received
        ]

    with django_capture_on_commit_callbacks(execute=True):
        room = engine.conversation_create(
            kind=Conversation.Kind.ROOM, creator=other_user, name="general", members=[user]
        )
        root, _ = engine.message_create(conversation=room, sender=user, body="Who has the keys?")
    push_service.received.clear()  # "Added to general"
    with django_capture_on_commit_callbacks(execute=True):
        reply, _ = engine.message_create(
            conversation=room, sender=other_user, body="I do, at the desk.", thread=root.pk
        )
    [thread_push] = pushed()
    assert thread_push["body"].endswith("I do, at the desk.")
    assert thread_push["url"] == f"/conversations/{room.pk}/?thread={root.pk}&around={reply.pk}"

    membership_notify_set(
        conversation=room, user=user, changes={"muted_until": timezone.now() + timedelta(hours=1)}
    )
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(
            conversation=room, sender=other_user, body="@alice muted?", thread=root.pk
        )
        engine.message_create(conversation=room, sender=other_user, body="@alice still muted?")
    assert len(pushed()) == 1

    user.dnd_until = timezone.now() + timedelta(hours=1)
    user.save(update_fields=["dnd_until"])
    with django_capture_on_commit_callbacks(execute=True):
        direct = engine.direct_conversation_get_or_create(user=other_user, other=user)
        engine.message_create(conversation=direct, sender=other_user, body="Call me?")
    assert len(pushed()) == 1
    assert user.notifications.filter(payload__conversation=direct.pk).exists()  # kept, silently
