"""Sign-up, log-in and change of number with a mobile number and texted codes (allauth's phone
flows with accounts.adapter), read back from the file SMS backend."""

import json
import re
import time
from pathlib import Path

import pytest
from allauth.account.internal.flows import code_verification
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache

from accounts.models import User
from accounts.phones import phone_normalize
from accounts.tests.factories import UserFactory

PASSWORD = "a-long-pass-42"
NUMBER = "+919876543210"


@pytest.fixture
def texts(settings, tmp_path) -> Path:
    settings.UCHAT_SMS_BACKEND = "file"
    settings.UCHAT_SMS_FILE_PATH = str(tmp_path / "sms")
    return tmp_path / "sms"


def texts_to(folder: Path, phone: str) -> list[str]:
    if not folder.exists():
        return []
    found = [json.loads(p.read_text()) for p in sorted(folder.iterdir())]
    return [t["text"] for t in found if t["to"] == phone]


def last_code(folder: Path, phone: str) -> str:
    text = texts_to(folder, phone)[-1]
    found = re.match(r"(\S+) is your ", text)
    assert found, text
    return found.group(1)


def sign_up(client, **fields):
    data = {
        "first_name": "Priya",
        "last_name": "S",
        "username": "priya",
        "email": "",
        "phone": "+91 98765 43210",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post("/accounts/signup/", data)


def test_sign_up_with_a_number_only_then_the_texted_code_logs_in(client, db, texts):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/phone/verify/"
    user = User.objects.get(username="priya")
    assert (user.phone, user.phone_verified, user.email) == (NUMBER, False, None)
    assert client.get("/").context["user"].is_authenticated is False  # not in before the code

    [text] = texts_to(texts, NUMBER)
    assert "is your uchat code" in text
    response = client.post("/accounts/phone/verify/", {"code": last_code(texts, NUMBER)})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified is True
    assert client.get("/").context["user"] == user
    assert mail.outbox == []  # no e-mail address, no e-mail


def test_wrong_then_reused_and_expired_codes_are_refused_clearly(client, db, texts, monkeypatch):
    sign_up(client)
    code = last_code(texts, NUMBER)
    response = client.post("/accounts/phone/verify/", {"code": "WRONG1"})
    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert User.objects.get(username="priya").phone_verified is False

    # Past the timeout the code is dead: the verification starts over from log-in.
    real_time = time.time
    monkeypatch.setattr(code_verification.time, "time", lambda: real_time() + 601)
    response = client.post("/accounts/phone/verify/", {"code": code})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    monkeypatch.undo()
    assert User.objects.get(username="priya").phone_verified is False

    # Seconds later, a log-in is told to wait (one code per number per 30 s)...
    response = client.post("/accounts/login/", {"login": "priya", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    cache.clear()  # ... and once that has passed, a fresh code is texted; it works once.
    response = client.post("/accounts/login/", {"login": "priya", "password": PASSWORD})
    assert response["Location"] == "/accounts/phone/verify/"
    fresh = last_code(texts, NUMBER)
    assert fresh != code
    assert client.post("/accounts/phone/verify/", {"code": fresh}).status_code == 302
    assert User.objects.get(username="priya").phone_verified is True
    client.logout()
    response = client.post("/accounts/phone/verify/", {"code": fresh})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").context["user"].is_authenticated is False


def test_three_wrong_codes_end_the_attempt(client, db, texts):
    sign_up(client)
    code = last_code(texts, NUMBER)
    for _ in range(2):
        assert client.post("/accounts/phone/verify/", {"code": "NOPE00"}).status_code == 200
    response = client.post("/accounts/phone/verify/", {"code": "NOPE00"})
    assert response.status_code == 302  # the third wrong try ends it
    assert client.post("/accounts/phone/verify/", {"code": code}).status_code == 302
    assert User.objects.get(username="priya").phone_verified is False


def verified(username: str, phone: str, **extra) -> User:
    return UserFactory(username=username, phone=phone, phone_verified=True, **extra)


def test_log_in_with_number_and_password_and_with_a_texted_code(client, db, texts):
    user = verified("priya", NUMBER, email=None)
    user.set_password(PASSWORD)
    user.save()
    response = client.post("/accounts/login/", {"login": "+91 98765 43210", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == user
    client.logout()

    response = client.post("/accounts/login/code/", {"phone": "+919876543210"})
    assert response.status_code == 302
    code = last_code(texts, NUMBER)
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert client.get("/").context["user"] == user


def test_wrong_passwords_for_a_number_count_however_it_is_typed(client, db):
    user = verified("priya", NUMBER, email=None)
    user.set_password(PASSWORD)
    user.save()
    typings = ["+919876543210", "+91 98765 43210", "+91-98765-43210", "+91 9876543210"]
    for typed in [*typings, "+91 98765-43210"]:
        client.post("/accounts/login/", {"login": typed, "password": "wrong-guess"})
    response = client.post("/accounts/login/", {"login": "+91 98765 432 10", "password": PASSWORD})
    assert "Too many tries" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_log_in_codes_are_limited_per_number(client, db, texts, settings):
    verified("priya", NUMBER)
    assert client.post("/accounts/login/code/", {"phone": NUMBER}).status_code == 302
    client.logout()
    response = client.post("/accounts/login/code/", {"phone": NUMBER})
    assert response.status_code == 200
    assert "Too many tries. Wait a few minutes, then try again." in response.content.decode()
    assert len(texts_to(texts, NUMBER)) == 1


def test_codes_are_limited_per_ip_over_numbers(client, db, texts, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "verify_phone": "2/h/ip"}
    for i, number in enumerate(["+919876543210", "+919876543211", "+919876543212"]):
        response = sign_up(client, username=f"p{i}", phone=number)
        client.cookies.clear()
        if i < 2:
            assert response["Location"] == "/accounts/phone/verify/"
            assert len(texts_to(texts, number)) == 1
        else:
            assert response.status_code == 429
            assert texts_to(texts, number) == []


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("98765 43210", "Start the number with + and the country code"),
        ("+91 98765 4321", "That number does not exist"),
        ("+1 hello", "That is not a phone number"),
        ("+44 20 7946 0958", "cannot receive text messages"),
    ],
)
def test_malformed_numbers_are_refused_and_nothing_is_created(client, db, texts, typed, error):
    response = sign_up(client, phone=typed)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.exists()
    assert not texts.exists()


def test_a_default_region_reads_local_numbers(settings):
    settings.PHONENUMBER_DEFAULT_REGION = "IN"
    assert phone_normalize("098765 43210") == NUMBER
    assert phone_normalize("+44 7911 123456") == "+447911123456"


def test_neither_address_nor_number_is_refused(client, db):
    response = sign_up(client, phone="", email="")
    assert "Give an e-mail address or a mobile number" in response.content.decode()
    assert not User.objects.exists()


def test_number_and_address_both_on_one_account(client, db, texts):
    sign_up(client, email="priya@example.com")
    client.post("/accounts/phone/verify/", {"code": last_code(texts, NUMBER)})
    user = User.objects.get(username="priya")
    assert user.phone_verified
    assert user.email == "priya@example.com"
    # The verified number let her in; the address waits for its own link, sent at sign-up.
    assert client.get("/").context["user"] == user
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert "priya@example.com" in mail.outbox[0].to


def test_e_mail_sign_up_without_a_number_still_needs_the_link(client, db):
    sign_up(client, phone="", email="priya@example.com")
    assert client.get("/").context["user"].is_authenticated is False
    response = client.post("/accounts/login/", {"login": "priya", "password": PASSWORD})
    assert response["Location"] == "/accounts/confirm-email/"


def test_a_verified_number_is_taken_but_an_unverified_claim_is_not(client, db, texts):
    verified("owner", NUMBER)
    response = sign_up(client)  # enumeration-safe: same page, the owner is told by text
    assert response["Location"] == "/accounts/phone/verify/"
    assert not User.objects.filter(username="priya").exists()
    assert "already have an account" in texts_to(texts, NUMBER)[-1]

    squatter = UserFactory(username="squatter", phone="+919876543299", phone_verified=False)
    client.cookies.clear()
    sign_up(client, username="real", phone="+919876543299")
    client.post("/accounts/phone/verify/", {"code": last_code(texts, "+919876543299")})
    squatter.refresh_from_db()
    assert squatter.phone is None
    assert User.objects.get(username="real").phone_verified is True


def test_changing_the_number_needs_a_code_to_the_new_number(client, db, texts):
    user = verified("priya", NUMBER)
    client.force_login(user)
    new = "+447911123456"
    response = client.post("/accounts/phone/change/", {"phone": "+44 7911 123456"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert str(user.phone) == NUMBER  # the old number stays until the code is entered
    assert texts_to(texts, NUMBER) == []
    response = client.post("/accounts/phone/verify/", {"code": "WRONG1"})
    user.refresh_from_db()
    assert str(user.phone) == NUMBER
    client.post("/accounts/phone/verify/", {"code": last_code(texts, new)})
    user.refresh_from_db()
    assert (str(user.phone), user.phone_verified) == (new, True)
    assert "+44 7911 123456" in client.get("/accounts/profile/").content.decode()


def test_api_login_takes_a_verified_number(client, db):
    user = verified("priya", NUMBER, email=None)
    user.set_password(PASSWORD)
    user.save()
    response = client.post(
        "/api/login",
        {"username": "+91 98765 43210", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert "token" in response.json()

    User.objects.filter(pk=user.pk).update(phone_verified=False)
    response = client.post(
        "/api/login",
        {"username": "priya", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 403  # no verified way in: neither address nor number


def test_an_address_nobody_confirmed_gets_no_e_mail_but_its_link(
    db, django_capture_on_commit_callbacks
):
    from accounts.selectors import users_mailable
    from tickets import services as tickets

    typed = verified("priya", NUMBER, email="not-mine@example.com", confirmed=False)
    confirmed = UserFactory(username="meera")
    assert users_mailable(users=[typed, confirmed, None]) == [confirmed]
    with django_capture_on_commit_callbacks(execute=True):
        tickets.ticket_open(customer=typed, subject="Help", description="It broke.")
    assert not [m for m in mail.outbox if "not-mine@example.com" in m.to]


# --- what texts cost: nothing to unknown numbers, budgets, nothing half-made -------------------


def test_a_log_in_code_for_an_unknown_number_texts_nothing_and_looks_the_same(client, db, texts):
    verified("priya", NUMBER)
    known = client.post("/accounts/login/code/", {"phone": NUMBER})
    client.cookies.clear()
    unknown = client.post("/accounts/login/code/", {"phone": "+919876543211"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(texts_to(texts, NUMBER)) == 1
    assert texts_to(texts, "+919876543211") == []


def test_a_sign_up_refused_by_a_limit_creates_nothing(client, db, texts, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "verify_phone": "1/h/ip"}
    sign_up(client, username="first", phone="+919876543210", email="first@example.com")
    client.cookies.clear()
    response = sign_up(client, username="second", phone="+919876543211", email="s@example.com")
    assert response.status_code == 429
    assert not User.objects.filter(username="second").exists()
    assert not EmailAddress.objects.filter(email="s@example.com").exists()
    assert texts_to(texts, "+919876543211") == []
    assert mail.outbox == []
    # Nothing stale is left in the session either: the verify page sends them to log in.
    response = client.get("/accounts/phone/verify/")
    assert response.status_code == 302


def test_texts_stop_at_the_site_and_country_budgets(client, db, texts, settings):
    settings.UCHAT_SMS_PER_HOUR = 3
    settings.UCHAT_SMS_PER_COUNTRY_HOUR = 2
    for i, number in enumerate(["+919876543210", "+919876543211"]):
        response = sign_up(client, username=f"in{i}", phone=number)
        client.cookies.clear()
        assert response["Location"] == "/accounts/phone/verify/"
    # India's budget is spent: a third Indian number is refused with a reason, and nothing
    # is created or sent.
    response = sign_up(client, username="in2", phone="+919876543212")
    client.cookies.clear()
    assert response.status_code == 200
    assert "Text messages are paused" in response.content.decode()
    assert not User.objects.filter(username="in2").exists()
    assert texts_to(texts, "+919876543212") == []
    # Another country still has its own budget, until the site's runs out.
    response = sign_up(client, username="uk0", phone="+447911123456")
    client.cookies.clear()
    assert response["Location"] == "/accounts/phone/verify/"
    verified("owner", "+447911123457")
    response = client.post("/accounts/login/code/", {"phone": "+447911123457"})
    assert response.status_code == 429
    assert "Text messages are paused" in response.content.decode()
    assert texts_to(texts, "+447911123457") == []
    # An unknown number gets the same answer while texts are paused.
    client.cookies.clear()
    response = client.post("/accounts/login/code/", {"phone": "+447911123458"})
    assert response.status_code == 429
    assert "Text messages are paused" in response.content.decode()
    assert len(list(texts.iterdir())) == 3
