"""Files of any accepted kind (recognised from their bytes, served as downloads to members
only) and replies (to a message of the same conversation only). Refusals store nothing."""

import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from rooms import content, services
from rooms.models import Message

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Files", members=[other_user])


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    ("name", "data", "mime", "extension"),
    [
        ("Q3 report.pdf", PDF, "application/pdf", "pdf"),
        ("notes.md", "Plain *text*, ünïcode.\n".encode(), "text/plain", "txt"),
        ("bundle.zip", zip_bytes(), "application/zip", "zip"),
    ],
)
def test_accepted_files_are_stored_and_served_as_downloads_to_members_only(
    auth_client, room, other_user, media, name, data, mime, extension
):
    upload = SimpleUploadedFile(name, data, content_type="application/x-anything")
    response = auth_client.post(f"/conversations/{room.pk}/upload/", {"file": upload})
    assert response.status_code == 201, response.content
    sent = response.json()["message"]["content"]
    assert sent["type"] == "file"
    assert (sent["name"], sent["size"], sent["mime"]) == (name, len(data), mime)
    stored = Message.objects.get()
    assert stored.attachment.name.endswith(f".{extension}")
    assert name not in stored.attachment.name  # our own file name on disk
    served = auth_client.get(sent["url"])
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["Content-Type"].startswith(mime)
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(served.streaming_content) == data
    eve = Client()
    eve.force_login(UserFactory(username="eve"))
    assert eve.get(sent["url"]).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 300),  # a Windows program, named as a PDF
        ("page.txt", b"\x00\x01\x02binary\xff\xfe"),  # not text
        ("empty.txt", b""),
        ("song.mp3", b"ID3\x03\x00\x00\x00" + b"\x00" * 300),  # a kind not on the list
    ],
)
def test_other_files_are_refused_with_a_reason_and_nothing_is_kept(
    auth_client, room, media, name, data
):
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    response = auth_client.post(f"/conversations/{room.pk}/upload/", {"file": upload})
    assert response.status_code == 400
    body = response.json()
    assert (body["subcode"], body["error"]) == (4021, "Invalid File")
    assert body["detail"]
    assert not Message.objects.exists()
    assert not any(media.rglob("*.*"))


def test_file_names_are_cleaned_for_the_download():
    assert content.file_name_clean("../../etc/passwd", extension="txt") == "passwd.txt"
    clean = content.file_name_clean('C:\\Users\\x\\evil"<name>.pdf', extension="pdf")
    assert clean == "evilname.pdf"
    assert content.file_name_clean("\x00\x1f", extension="pdf") == "file.pdf"
    long = content.file_name_clean("a" * 300 + ".pdf", extension="pdf")
    assert len(long) == content.FILE_NAME_MAX
    assert long.endswith(".pdf")


# What a person named a file, what its bytes are, and the name it downloads under: the
# extension always says what the bytes are, so a double-click never runs it.
DOWNLOAD_NAMES = [
    ("Invoice.pdf.bat", "txt", "Invoice.pdf.txt"),
    ("Invoice.pdf.hta", "txt", "Invoice.pdf.txt"),
    ("Invoice.pdf.html", "txt", "Invoice.pdf.txt"),
    ("payload.svg", "txt", "payload.txt"),
    ("run.PS1", "txt", "run.txt"),
    ("Invoice.pdf" + " " * 60 + ".bat", "txt", "Invoice.pdf.txt"),  # padding hides the end
    ("Invoice\u202efdp.exe", "txt", "Invoicefdp.txt"),  # a right-to-left override
    ("notes.md", "txt", "notes.md"),  # other names of plain text stay
    ("server.LOG", "txt", "server.LOG"),
    ("README", "txt", "README.txt"),
    ("setup.exe", "zip", "setup.zip"),
    ("tool.jar", "zip", "tool.zip"),  # a zip that Java would run
    ("setup.exe.zip", "zip", "setup_exe.zip"),  # a dangerous double extension
    ("report.scr.pdf", "pdf", "report_scr.pdf"),
    ("Report.PDF", "pdf", "Report.PDF"),
    ("report.pdf.exe", "pdf", "report.pdf"),
    ("backup.tar.gz", "gz", "backup.tar.gz"),
    ("backup.tgz", "gz", "backup.tgz"),
    ("letter.docx.lnk", "docx", "letter.docx"),
]


@pytest.mark.parametrize(("shared_as", "extension", "download"), DOWNLOAD_NAMES)
def test_the_download_name_takes_its_extension_from_the_bytes(shared_as, extension, download):
    assert content.file_name_clean(shared_as, extension=extension) == download


@pytest.mark.parametrize(
    ("shared_as", "data", "download"),
    [
        ("Invoice.pdf.bat", b"@echo off\r\nformat c: /q\r\n", "Invoice.pdf.txt"),
        (
            "Invoice.pdf.hta",
            b"<script>new ActiveXObject('WScript.Shell')</script>",
            "Invoice.pdf.txt",
        ),
        ("Invoice.pdf.html", b"<html><script>alert(1)</script></html>", "Invoice.pdf.txt"),
        ("setup.exe", zip_bytes(), "setup.zip"),
    ],
)
def test_shared_files_download_under_a_name_that_matches_their_bytes(
    auth_client, room, media, shared_as, data, download
):
    upload = SimpleUploadedFile(shared_as, data, content_type="application/octet-stream")
    response = auth_client.post(f"/conversations/{room.pk}/upload/", {"file": upload})
    assert response.status_code == 201, response.content
    sent = response.json()["message"]["content"]
    assert sent["name"] == download
    served = auth_client.get(sent["url"])
    assert served["Content-Disposition"] == f'attachment; filename="{download}"'


def test_a_file_stored_under_its_old_name_still_downloads_safely(auth_client, room, media):
    """Files shared before names followed their bytes keep their stored name in the
    message, but download under a safe one."""
    upload = SimpleUploadedFile("bundle.zip", zip_bytes(), content_type="application/zip")
    sent = auth_client.post(f"/conversations/{room.pk}/upload/", {"file": upload}).json()
    message = Message.objects.get()
    message.content["name"] = "setup.exe"
    message.save(update_fields=["content"])
    served = auth_client.get(sent["message"]["content"]["url"])
    assert served["Content-Disposition"] == 'attachment; filename="setup.zip"'


def test_a_reply_quotes_what_it_answers(room, user, other_user):
    question, _ = services.message_create(conversation=room, sender=other_user, body="When?")
    answer, _ = services.message_create(
        conversation=room, sender=user, body="Now", reply_to=question.pk
    )
    assert answer.reply_to_id == question.pk
    from rooms import payloads

    quoted = payloads.message_payload(answer)["reply_to"]
    assert quoted == {
        "id": question.pk,
        "sender": {
            "id": other_user.pk,
            "username": other_user.username,
            "name": other_user.name,
            "is_bot": False,
            "is_guest": False,
        },
        "text": "When?",
    }
    services.message_delete(conversation=room, message_id=question.pk, actor=other_user)
    answer.refresh_from_db()
    reply_to = payloads.message_payload(answer)["reply_to"]
    assert reply_to is not None
    assert reply_to["text"] == "message deleted"


def test_replies_to_elsewhere_or_deleted_or_bad_ids_are_refused(room, user, other_user):
    outsider = UserFactory(username="mallory")
    secret = services.room_create(creator=outsider, name="Secret", members=[])
    hidden, _ = services.message_create(conversation=secret, sender=outsider, body="private")
    gone, _ = services.message_create(conversation=room, sender=user, body="oops")
    services.message_delete(conversation=room, message_id=gone.pk, actor=user)
    # Any: a client's reply_to may be any JSON value, a string included.
    cases: list[tuple[Any, str]] = [
        (hidden.pk, "invalid_reply"),
        (gone.pk, "invalid_reply"),
        (999_999, "invalid_reply"),
        ("7; drop", "invalid_reply"),
    ]
    for target, code in cases:
        with pytest.raises(ValidationError) as refused:
            services.message_create(conversation=room, sender=user, body="re", reply_to=target)
        assert refused.value.code == code
    assert not Message.objects.filter(body="re").exists()


def test_replies_through_the_api(room, user, other_user):
    question, _ = services.message_create(conversation=room, sender=other_user, body="Lunch?")
    client = Client()
    token = RefreshToken.for_user(user).access_token
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    url = f"/api/rooms/{room.pk}/messages"
    answer = client.post(
        url, {"body": "Yes", "reply_to": question.pk}, content_type="application/json", **headers
    )
    assert answer.status_code == 201
    assert answer.json()["reply_to"]["id"] == question.pk
    refused = client.post(
        url, {"body": "No", "reply_to": 10**9}, content_type="application/json", **headers
    )
    assert refused.status_code == 400
    assert refused.json()["subcode"] == 4022
    history = client.get(url, **headers).json()["messages"]
    assert [m["body"] for m in history] == ["Yes", "Lunch?"]
