"""Files in S3-compatible object storage (UCHAT_S3_*), against the real store bin/test starts
(OpenStack Swift with s3api): written before the message's transaction and claimed in it,
served by signed URLs behind the same checks, swept when never claimed, deleted with their
message, and moved between the data folder and the bucket by manage.py move_files."""

import urllib.request
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms import services, uploads
from rooms.models import Message, PendingUpload
from rooms.services import messages as message_services
from rooms.tasks import uploads_sweep
from rooms.tests.test_direct import png_bytes

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Files", members=[other_user])


def keys(s3) -> set[str]:
    client, bucket = s3
    return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def upload(client: Client, room, name: str, data: bytes) -> dict:
    response = client.post(
        f"/conversations/{room.pk}/upload/", {"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 201, response.content
    return response.json()["message"]


def test_a_file_goes_to_the_bucket_and_members_download_it_by_a_signed_url(
    auth_client, room, s3_bucket
):
    sent = upload(auth_client, room, "Q3 report.pdf", PDF)
    stored = Message.objects.get()
    assert keys(s3_bucket) == {stored.attachment.name}
    assert not PendingUpload.objects.exists()  # claimed by the message's transaction

    served = auth_client.get(sent["content"]["url"])
    assert served.status_code == 302
    assert served["Cache-Control"] == "private, no-store"
    with urllib.request.urlopen(served["Location"]) as fetched:  # noqa: S310 - the test's store
        assert fetched.read() == PDF
        assert fetched.headers["Content-Disposition"].startswith("attachment;")
        assert "Q3 report.pdf" in fetched.headers["Content-Disposition"]
        assert fetched.headers["Content-Type"] == "application/pdf"
    eve = Client()
    eve.force_login(UserFactory(username="eve"))
    assert eve.get(sent["content"]["url"]).status_code == 404  # the same checks first


def test_an_image_is_shown_inline_from_the_bucket(auth_client, room, s3_bucket):
    sent = upload(auth_client, room, "photo.png", png_bytes())
    served = auth_client.get(sent["content"]["url"])
    with urllib.request.urlopen(served["Location"]) as fetched:  # noqa: S310 - the test's store
        assert fetched.headers["Content-Type"] == "image/png"
        assert fetched.headers["Content-Disposition"].startswith("inline;")


def test_a_refused_messages_file_leaves_nothing_in_the_bucket(user, room, s3_bucket, monkeypatch):
    def refuse(*args, **kwargs):
        raise ValidationError("the database said no", code="refused")

    monkeypatch.setattr(message_services, "_insert", refuse)
    with pytest.raises(ValidationError):
        services.message_create(
            conversation=room,
            sender=user,
            body="",
            image=SimpleUploadedFile("photo.png", png_bytes()),
        )
    assert not Message.objects.exists()
    assert keys(s3_bucket) == set()
    assert not PendingUpload.objects.exists()


def test_an_upload_nothing_claimed_is_swept_and_a_claimed_one_stays(user, room, s3_bucket):
    """A process that died between writing a file and storing its message left a pending row:
    the periodic sweep deletes the file once it is older than UCHAT_UPLOAD_CLAIM_SECONDS."""
    kept, _ = services.message_create(
        conversation=room,
        sender=user,
        body="",
        image=SimpleUploadedFile("photo.png", png_bytes()),
    )
    orphan = "attachments/orphan.png"
    uploads.pending_add([orphan])
    default_storage.save(orphan, ContentFile(png_bytes()))
    assert uploads_sweep() == 0  # too young yet
    PendingUpload.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert uploads_sweep() == 1
    assert keys(s3_bucket) == {kept.attachment.name}
    assert not PendingUpload.objects.exists()


def test_deleting_a_message_deletes_its_object(user, room, s3_bucket):
    message, _ = services.message_create(
        conversation=room,
        sender=user,
        body="",
        image=SimpleUploadedFile("photo.png", png_bytes()),
    )
    assert keys(s3_bucket) == {message.attachment.name}
    services.message_delete(conversation=room, actor=user, message_id=message.pk)
    assert keys(s3_bucket) == set()


def test_move_files_is_a_dry_run_first_then_moves_both_ways_and_resumes(
    user, room, s3_bucket, settings, tmp_path, capsys
):
    settings.MEDIA_ROOT = tmp_path
    local = FileSystemStorage(location=tmp_path)
    names = [local.save(f"attachments/2026/12/{n}.pdf", ContentFile(PDF)) for n in "ab"]
    for seq, name in enumerate(names, start=100):
        Message.objects.create(
            conversation=room, sender=user, seq=seq, kind="file", attachment=name
        )

    call_command("move_files", "--to", "s3")
    assert "Would move 2 files to s3" in capsys.readouterr().out
    assert keys(s3_bucket) == set()

    local.delete(names[1])  # as if a first move had copied it and died before tidying up
    client, bucket = s3_bucket
    client.put_object(Bucket=bucket, Key=names[1], Body=PDF)
    local.save(names[1], ContentFile(PDF))
    call_command("move_files", "--to", "s3", "--for-real")
    assert "Moved 1 files to s3; 1 there already" in capsys.readouterr().out
    assert keys(s3_bucket) == set(names)
    assert not any(local.exists(n) for n in names)

    call_command("move_files", "--to", "local", "--for-real")
    assert "Moved 2 files to local" in capsys.readouterr().out
    assert all(local.open(n).read() == PDF for n in names)
    assert keys(s3_bucket) == set()
