"""Direct conversations on the web, uploaded images and who may see them."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from rooms import services
from rooms.models import Conversation, Message, Presence


def png_bytes(width=3, height=2) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def dm(user, other_user):
    return services.direct_conversation_get_or_create(user=user, other=other_user)


def test_one_conversation_per_pair(user, other_user, dm):
    again = services.direct_conversation_get_or_create(user=other_user, other=user)
    assert again.pk == dm.pk
    assert dm.kind == Conversation.Kind.DIRECT
    assert set(dm.memberships.values_list("user__username", flat=True)) == {"alice", "bob"}


def test_notes_to_self_start_as_notes(auth_client, user):
    notes = auth_client.get(f"/dm/{user.username}/").content.decode()
    assert "This is the start of your notes to self." in notes


def test_dm_page_and_dashboard_listing(auth_client, user, other_user):
    response = auth_client.get("/dm/bob/")
    assert response.status_code == 200
    assert "Direct messages with Bob B." in response.content.decode()
    # The history's first line names the person once (it read "with Direct messages with …").
    assert "This is the start of your conversation with Bob B." in response.content.decode()
    conversation = Conversation.objects.get(kind=Conversation.Kind.DIRECT)
    # listed on the dashboard once it has a message, with an unread count for the other side
    assert "Bob B." not in auth_client.get("/").content.decode()
    services.message_create(conversation=conversation, sender=other_user, body="psst")
    dashboard = auth_client.get("/").content.decode()
    assert "Bob B." in dashboard
    assert "Bob B.: psst" in dashboard


def test_dm_with_unknown_person_is_404(auth_client):
    assert auth_client.get("/dm/nobody/").status_code == 404
    response = auth_client.get("/dm/?to=nobody", follow=True)
    assert b"No such user: nobody." in response.content


def test_conversation_link_opens_the_right_page(auth_client, dm):
    response = auth_client.get(f"/conversations/{dm.pk}/")
    assert response["Location"] == "/dm/bob/"


def test_image_upload_is_stored_and_served_to_members_only(
    auth_client, dm, other_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("holiday.png", png_bytes(), content_type="image/png")
    response = auth_client.post(
        f"/conversations/{dm.pk}/upload/", {"image": upload, "caption": "look"}
    )
    assert response.status_code == 201
    content = response.json()["message"]["content"]
    assert content == {
        "type": "image",
        "width": 3,
        "height": 2,
        "name": "holiday.png",  # what the person called it, to list it by
        "size": content["size"],  # of the bytes stored (without metadata)
        "url": content["url"],
        "caption": "look",
    }
    message = Message.objects.get()
    assert message.attachment.name.endswith(".png")
    assert content["size"] == message.attachment.size
    assert "holiday" not in message.attachment.name  # our own file name
    served = auth_client.get(content["url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert served["X-Content-Type-Options"] == "nosniff"
    bob = Client()
    bob.force_login(other_user)
    assert bob.get(content["url"]).status_code == 200
    eve = Client()
    eve.force_login(UserFactory(username="eve"))
    assert eve.get(content["url"]).status_code == 404
    admin = Client()  # staff read tickets' files, never a direct conversation's
    admin.force_login(UserFactory(username="boss", staff=True))
    assert admin.get(content["url"]).status_code == 404
    assert Client().get(content["url"]).status_code == 302  # anonymous: log in first


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        (
            "evil.png",
            b"<script>alert(1)</script>",
            "Only JPEG, PNG, GIF and WebP images are accepted.",
        ),
        (
            "page.html",
            b"<html><body>hi</body></html>",
            "Only JPEG, PNG, GIF and WebP images are accepted.",
        ),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "The file is not a readable image."),
    ],
)
def test_bad_uploads_are_refused(auth_client, dm, settings, tmp_path, name, data, error):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(name, data, content_type="image/png")
    response = auth_client.post(f"/conversations/{dm.pk}/upload/", {"image": upload})
    assert response.status_code == 400
    # The API's error shape: the title, and what was wrong in "detail".
    assert response.json() == {
        "code": 400,
        "subcode": 4011,
        "error": "Invalid Image",
        "detail": error,
    }
    assert not Message.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def test_oversized_upload_is_refused(auth_client, dm, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.UCHAT_MAX_UPLOAD_BYTES = 100
    upload = SimpleUploadedFile("big.png", png_bytes(50, 50), content_type="image/png")
    response = auth_client.post(f"/conversations/{dm.pk}/upload/", {"image": upload})
    assert response.status_code == 400
    assert "too large" in response.json()["detail"]


def test_deleting_an_image_removes_the_file_once_the_deletion_commits(
    user, dm, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    message, _ = services.message_create(conversation=dm, sender=user, image=upload)
    path = message.attachment.path
    with django_capture_on_commit_callbacks() as callbacks:
        services.message_delete(conversation=dm, message_id=message.pk, actor=user)
    import os

    assert os.path.exists(path)  # a deletion that rolled back would leave it
    for callback in callbacks:
        callback()
    assert not os.path.exists(path)


def test_offline_recipient_gets_one_email_online_gets_none(
    user, other_user, dm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_create(conversation=dm, sender=user, body="are you there?")
        services.message_create(conversation=dm, sender=user, body="hello?")
    assert len(mail.outbox) == 1  # throttled: one e-mail for a burst
    assert mail.outbox[0].to == ["bob@example.com"]
    assert "are you there?" in mail.outbox[0].body
    assert f"/conversations/{dm.pk}/" in mail.outbox[0].body
    assert Notification.objects.filter(user=other_user).count() == 2
    mail.outbox.clear()
    from django.core.cache import cache

    cache.clear()
    Presence.objects.create(channel_name="bob-tab", user=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_create(conversation=dm, sender=user, body="now you are here")
    assert mail.outbox == []


def test_notifications_page_and_mark_all_read(
    client, user, other_user, dm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # notifications follow the commit
        services.message_create(conversation=dm, sender=user, body="ping <b>bold</b>")
    client.force_login(other_user)
    page = client.get("/notifications/").content.decode()
    assert "New Message" in page
    assert "Alice A.: ping &lt;b&gt;bold&lt;/b&gt;" in page
    assert 'id="notif-badge"' in client.get("/").content.decode()
    response = client.post("/notifications/read/", follow=True)
    assert b"Marked 1 notification read." in response.content
    assert Notification.objects.get().read_at is not None


def test_reading_a_conversation_clears_its_notifications(
    client, user, other_user, dm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # notifications follow the commit
        room = services.room_create(creator=user, name="Elsewhere", members=[other_user])
        services.message_create(conversation=dm, sender=user, body="one")
        services.message_create(conversation=room, sender=user, body="@bob look")
    assert Notification.objects.filter(user=other_user, read_at__isnull=True).count() == 3
    client.force_login(other_user)
    client.get("/dm/alice/")
    unread = Notification.objects.filter(user=other_user, read_at__isnull=True)
    assert sorted(n.code for n in unread) == [10096, 10097]  # the room's stay unread


@pytest.fixture
def shared_policy(settings):
    settings.UCHAT_DM_POLICY = "shared"


def test_shared_policy_refuses_strangers_on_the_page_and_the_api(
    shared_policy, auth_client, user, other_user
):
    response = auth_client.get("/dm/bob/", follow=True)
    assert b"only with people you already share a conversation with" in response.content
    response = auth_client.get("/dm/?to=bob", follow=True)
    assert b"only with people you already share a conversation with" in response.content
    api = auth_client.post(
        "/api/messages",
        {"recipient_id": other_user.pk, "content": {"type": "text", "text": "hi"}},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert api.json()["subcode"] == 4005
    assert not Conversation.objects.filter(kind=Conversation.Kind.DIRECT).exists()
    assert not Message.objects.exists()


def test_shared_policy_allows_room_mates_staff_and_existing_conversations(
    shared_policy, auth_client, user, other_user
):
    room = services.room_create(creator=user, name="Team", members=[other_user])
    assert auth_client.get("/dm/bob/").status_code == 200
    stranger = UserFactory(username="carol")
    staff = UserFactory(username="sam", is_staff=True)
    services.direct_conversation_get_or_create(user=staff, other=stranger)
    # The stranger answers the staff member who wrote first.
    assert services.direct_conversation_get_or_create(user=stranger, other=staff)
    # Leaving the room does not close a conversation already started.
    services.member_remove(conversation=room, membership=room.memberships.get(user=other_user))
    assert auth_client.get("/dm/bob/").status_code == 200


def test_shared_policy_suggests_only_people_met(shared_policy, auth_client, user, other_user):
    UserFactory(username="bobby")
    services.room_create(creator=user, name="Team", members=[other_user])
    names = [u["username"] for u in auth_client.get("/accounts/suggest/?q=bo").json()["users"]]
    assert names == ["bob"]
