import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from accounts.tests.test_api import bearer
from notifications.models import Code, Notification
from rooms import services
from rooms.models import Conversation, Message

TEXT = {"type": "text", "text": "Lorem Ipsum Dolor Sit Amet"}
IMAGE = {"type": "image", "url": "https://example.org/cat.png", "width": 100, "height": 100}
VIDEO = {"type": "video", "source": "youtube", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}


def send(client, recipient, content, **extra):
    return client.post(
        "/api/messages", {"recipient_id": recipient.pk, "content": content, **extra}, format="json"
    )


@pytest.mark.parametrize("content", [TEXT, IMAGE, VIDEO])
def test_send_each_content_type(user, other_user, content):
    response = send(bearer(user), other_user, content)
    assert response.status_code == 201
    data = response.json()
    assert set(data) == {"id", "sender", "recipient", "timestamp", "content", "html"}
    assert data["sender"] == user.pk
    assert data["recipient"] == other_user.pk
    assert data["content"]["type"] == content["type"]
    message = Message.objects.get(pk=data["id"])
    assert message.conversation.kind == Conversation.Kind.DIRECT


def test_video_gets_a_safe_embed_url(user, other_user):
    data = send(bearer(user), other_user, VIDEO).json()
    assert data["content"]["embed_url"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    vimeo = send(
        bearer(user), other_user, {"type": "video", "url": "https://vimeo.com/76979871"}
    ).json()
    assert vimeo["content"]["source"] == "vimeo"
    assert vimeo["content"]["embed_url"] == "https://player.vimeo.com/video/76979871"


@pytest.mark.parametrize(
    ("content", "subcode", "error"),
    [
        ({"type": "text"}, 4010, "Invalid Text"),
        ({"type": "text", "text": "   "}, 4010, "Invalid Text"),
        ({"type": "text", "text": "x" * 4001}, 4010, "Invalid Text"),
        ({**IMAGE, "url": "javascript:alert(1)"}, 4011, "Invalid Image"),
        ({**IMAGE, "width": "100"}, 4011, "Invalid Image"),
        ({**IMAGE, "height": 0}, 4011, "Invalid Image"),
        ({**VIDEO, "source": "dailymotion"}, 4012, "Invalid Video"),
        ({**VIDEO, "url": "https://www.youtube.com/watch?v=bad"}, 4012, "Invalid Video"),
        ({**VIDEO, "url": "ftp://youtube.com/x"}, 4012, "Invalid Video"),
        ({"type": "audio", "url": "https://x"}, 4013, "Unknown Content Type"),
        ({"text": "no type"}, 4013, "Unknown Content Type"),
    ],
)
def test_bad_content_gets_a_subcode_and_stores_nothing(user, other_user, content, subcode, error):
    response = send(bearer(user), other_user, content)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["subcode"], body["error"]) == (400, subcode, error)
    assert body["detail"]
    assert not Message.objects.exists()


def test_unknown_recipient(user):
    response = bearer(user).post(
        "/api/messages", {"recipient_id": 999999, "content": TEXT}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"code": 400, "subcode": 4014, "error": "Unknown Recipient"}


def test_missing_fields_are_named(user):
    response = bearer(user).post("/api/messages", {"content": TEXT}, format="json")
    assert response.status_code == 400
    assert response.json()["subcode"] == 4000
    assert response.json()["error"].startswith("recipient_id:")


def test_client_id_makes_a_resend_idempotent(user, other_user):
    client = bearer(user)
    first = send(client, other_user, TEXT, client_id="retry-1")
    second = send(client, other_user, TEXT, client_id="retry-1")
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.count() == 1


def test_recipient_is_notified(user, other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # notifications follow the commit
        send(bearer(user), other_user, TEXT)
    notification = Notification.objects.get(user=other_user)
    assert notification.code == Code.NEW_MESSAGE
    assert notification.title == "New Message"
    assert not Notification.objects.filter(user=user).exists()
    listed = bearer(other_user).get("/api/notifications?limit=2").json()["notifications"]
    assert listed[0]["code"] == 10095
    assert listed[0]["message"]["content"] == TEXT
    assert listed[0]["message"]["sender"] == user.pk
    assert listed[0]["read"] is False
    assert set(listed[0]) == {"id", "code", "title", "is_error", "timestamp", "message", "read"}


def test_list_messages_newest_first_and_pages_without_gaps(user, other_user):
    client = bearer(user)
    sent = [
        send(client, other_user, {"type": "text", "text": f"m{i}"}).json()["id"] for i in range(7)
    ]
    seen, start = [], None
    while True:
        query = f"/api/messages?sender_id={user.pk}&recipient_id={other_user.pk}&limit=3"
        page = client.get(query + (f"&start={start}" if start else "")).json()
        seen += [m["id"] for m in page["messages"]]
        start = page["next"]
        if start is None:
            break
    assert seen == sent[::-1]
    # the other party reads the same conversation, with sender/recipient the right way round
    theirs = bearer(other_user).get(f"/api/messages?recipient_id={user.pk}&limit=1").json()
    assert theirs["messages"][0]["sender"] == user.pk
    assert theirs["messages"][0]["recipient"] == other_user.pk


def test_outsiders_cannot_read_a_conversation(user, other_user):
    send(bearer(user), other_user, TEXT)
    eve = UserFactory(username="eve")
    response = bearer(eve).get(f"/api/messages?sender_id={user.pk}&recipient_id={other_user.pk}")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "subcode": 4006, "error": "Not Found"}


def test_rooms_over_the_api(user, other_user, django_capture_on_commit_callbacks):
    client = bearer(user)
    created = client.post("/api/rooms", {"name": "API room", "members": ["bob"]}, format="json")
    assert created.status_code == 201
    room_id = created.json()["id"]
    unknown = client.post(
        "/api/rooms", {"name": "Nope", "members": ["bob", "ghost"]}, format="json"
    )
    assert unknown.status_code == 400
    assert unknown.json() == {
        "code": 400,
        "subcode": 4015,
        "error": "Unknown Users",
        "usernames": ["ghost"],
    }
    rooms = bearer(other_user).get("/api/rooms").json()["rooms"]
    assert [r["id"] for r in rooms] == [room_id]
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(
            f"/api/rooms/{room_id}/messages", {"body": "hello @bob"}, format="json"
        )
    assert posted.status_code == 201
    assert posted.json()["body"] == "hello @bob"
    assert (
        Notification.objects.get(user=other_user, code=Code.MENTION).title
        == "Mentioned in API room"
    )
    history = bearer(other_user).get(f"/api/rooms/{room_id}/messages").json()
    assert [m["body"] for m in history["messages"]] == ["hello @bob"]
    assert history["next"] is None
    empty = client.post(f"/api/rooms/{room_id}/messages", {"body": ""}, format="json")
    assert empty.json()["subcode"] == 4010


def test_non_members_get_404_for_rooms(user, other_user):
    room = services.room_create(creator=user, name="Private")
    client = bearer(other_user)
    assert client.get(f"/api/rooms/{room.pk}/messages").status_code == 404
    response = client.post(f"/api/rooms/{room.pk}/messages", {"body": "let me in"}, format="json")
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_room_history_paging(user):
    room = services.room_create(creator=user, name="Long")
    ids = [
        services.message_create(conversation=room, sender=user, body=f"m{i}")[0].pk
        for i in range(25)
    ]
    client = bearer(user)
    page = client.get(f"/api/rooms/{room.pk}/messages?limit=10").json()
    assert [m["id"] for m in page["messages"]] == ids[::-1][:10]
    page = client.get(f"/api/rooms/{room.pk}/messages?limit=10&start={page['next']}").json()
    assert [m["id"] for m in page["messages"]] == ids[::-1][10:20]


def test_api_throttle_answers_429_in_the_error_shape(user, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**SimpleRateThrottle.THROTTLE_RATES, "user": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = bearer(user)
    codes = [client.get("/api/rooms").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/rooms")
    assert response.json()["subcode"] == 4008
    assert response.json()["error"] == "Too Many Requests"
    assert "Retry-After" in response


def test_notifications_mark_read(user, other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(bearer(user), other_user, TEXT)
    client = bearer(other_user)
    assert client.post("/api/notifications/read").json() == {"read": 1}
    assert client.get("/api/notifications").json()["notifications"][0]["read"] is True


def test_session_login_works_for_the_api_too(user):
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/rooms").status_code == 200
