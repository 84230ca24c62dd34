"""The push subscription API: what it accepts (a real push service's https endpoint, real
keys), what it refuses with a 400 and stores nothing, at most N per person, rate-limited; and
every way access ends removes subscriptions (log-out: that session's; password change,
deactivation, deletion: all)."""

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from accounts import services as accounts
from notifications import push
from notifications.models import Code, Notification, PushSubscription

pytestmark = pytest.mark.django_db
URL = "/api/push/subscriptions"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def keys() -> dict[str, str]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def subscription(endpoint="https://fcm.googleapis.com/fcm/send/abc", **extra):
    return {"endpoint": endpoint, "keys": keys(), **extra}


def post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_the_key_is_the_vapid_public_key(auth_client, client, settings):
    answer = auth_client.get("/api/push/key").json()
    assert answer == {"public_key": settings.UCHAT_VAPID_PUBLIC_KEY}
    assert len(base64.urlsafe_b64decode(answer["public_key"] + "=")) == 65
    assert client.get("/api/push/key").status_code == 401


def test_subscribe_again_and_move_and_delete(auth_client, user, other_user):
    body = subscription(endpoint="https://updates.push.services.mozilla.com/wpush/v2/x")
    assert post(auth_client, body).status_code == 201
    assert post(auth_client, body).status_code == 200  # the same browser again
    assert PushSubscription.objects.get().user == user
    other = Client()
    other.force_login(other_user)
    assert post(other, body).status_code == 201  # the browser now belongs to its new person
    assert PushSubscription.objects.get().user == other_user
    # Someone else's endpoint is not theirs to delete.
    gone = auth_client.delete(URL, {"endpoint": body["endpoint"]}, content_type="application/json")
    assert gone.status_code == 204
    assert PushSubscription.objects.filter(user=other_user).count() == 1
    other.delete(URL, {"endpoint": body["endpoint"]}, content_type="application/json")
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        subscription(endpoint="http://fcm.googleapis.com/fcm/send/abc"),  # not https
        subscription(endpoint="https://evil.example.com/push"),  # not a push service
        subscription(endpoint="https://fcm.googleapis.com.evil.example/x"),  # suffix trick
        subscription(endpoint="https://user@fcm.googleapis.com/x"),
        subscription(endpoint="https://127.0.0.1/x"),
        subscription(endpoint="https://169.254.169.254/latest/meta-data"),
        subscription(endpoint="javascript:alert(1)"),
        {**subscription(), "keys": {**keys(), "auth": b64url(os.urandom(15))}},
        {**subscription(), "keys": {**keys(), "p256dh": b64url(os.urandom(65))}},  # off-curve
        {**subscription(), "keys": {**keys(), "p256dh": b64url(b"\x04" + os.urandom(10))}},
        {**subscription(), "keys": {**keys(), "p256dh": "not+base64/"}},
        {**subscription(), "keys": {"auth": b64url(os.urandom(16))}},
        {"endpoint": "https://fcm.googleapis.com/x"},
        {"endpoint": "https://fcm.googleapis.com/" + "x" * 2000, "keys": keys()},
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_stored(auth_client, body):
    response = post(auth_client, body)
    assert response.status_code == 400, response.content
    assert not PushSubscription.objects.exists()


def test_loopback_over_http_only_when_private_addresses_are_allowed(auth_client, settings):
    settings.UCHAT_PUSH_ALLOWED_HOSTS = ["127.0.0.1", "*.notify.windows.com"]
    assert post(auth_client, subscription(endpoint="http://127.0.0.1:9/p")).status_code == 400
    settings.UCHAT_PUSH_ALLOW_PRIVATE = True
    assert post(auth_client, subscription(endpoint="http://127.0.0.1:9/p")).status_code == 201
    windows = "https://wns2-db5p.notify.windows.com/w/?token=x"
    assert post(auth_client, subscription(endpoint=windows)).status_code == 201


def test_at_most_n_per_person_and_rate_limited(auth_client, user, settings):
    settings.UCHAT_PUSH_MAX_SUBSCRIPTIONS = 2
    for n in range(3):
        endpoint = f"https://fcm.googleapis.com/{n}"
        assert post(auth_client, subscription(endpoint=endpoint)).status_code == 201
    kept = PushSubscription.objects.filter(user=user).values_list("endpoint", flat=True)
    assert sorted(kept) == ["https://fcm.googleapis.com/1", "https://fcm.googleapis.com/2"]
    settings.UCHAT_PUSH_SUBSCRIBE_PER_HOUR = 3
    refused = post(auth_client, subscription(endpoint="https://fcm.googleapis.com/3"))
    assert refused.status_code == 429


def test_a_log_out_removes_that_sessions_subscriptions_only(user, auth_client):
    post(auth_client, subscription(endpoint="https://fcm.googleapis.com/phone"))
    laptop = Client()
    laptop.force_login(user)
    post(laptop, subscription(endpoint="https://fcm.googleapis.com/laptop"))
    auth_client.post("/accounts/logout/")
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        "https://fcm.googleapis.com/laptop"
    ]


@pytest.mark.parametrize("end", ["password", "deactivate", "delete"])
def test_a_password_change_deactivation_or_deletion_removes_all(user, other_user, end):
    for who, name in ((user, "a"), (user, "b"), (other_user, "c")):
        push.push_subscription_save(
            user=who, endpoint=f"https://fcm.googleapis.com/{name}", session_key=None, **keys()
        )
    if end == "password":
        accounts.user_password_set(user=user, password="another-horse-77", request=None)
    elif end == "deactivate":
        accounts.user_active_set(user=user, active=False)
    else:
        accounts.user_delete(user=user)
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        "https://fcm.googleapis.com/c"
    ]


def test_the_payload_keeps_private_text_out_and_stays_short(user):
    note = Notification(
        user=user,
        code=Code.TICKET_UPDATE,
        title="Note on T-1",
        payload={"conversation": 3, "text": "internal words", "internal": True},
    )
    note.save()
    assert push.push_payload(note)["body"] == ""
    long = Notification(
        user=user,
        code=Code.NEW_MESSAGE,
        title="New Message",
        payload={"conversation": 3, "sender_name": "Bob", "text": "word " * 100, "id": 9},
    )
    long.save()
    shown = push.push_payload(long)
    assert shown["title"] == "Bob"
    assert len(shown["body"]) == 120
    assert shown["body"].endswith("…")
    assert (shown["url"], shown["tag"]) == ("/conversations/3/", "conversation-3")
