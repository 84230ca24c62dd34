import re
import time
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from accounts.models import Role, User
from accounts.tests.factories import UserFactory


def test_landing_page_for_anonymous_visitors(client, db):
    content = client.get("/").content.decode()
    assert "Sign up" in content
    assert "Log in" in content


def test_signup_requires_email_confirmation(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a-long-pass-42",
            "password2": "a-long-pass-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.role == Role.CUSTOMER
    # USN-1: the names given at sign-up are the person's name until they choose another.
    assert (user.first_name, user.last_name, user.name) == ("Ada", "Lovelace", "Ada Lovelace")
    # Not logged in until the address is confirmed.
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    found = re.search(
        r"http://testserver(/accounts/confirm-email/[^\s]+)", str(mail.outbox[0].body)
    )
    assert found, mail.outbox[0].body
    link = found.group(1)
    confirm = client.get(link)
    assert confirm.status_code == 200
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified
    response = client.post(
        "/accounts/login/", {"login": "newbie@example.com", "password": "a-long-pass-42"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_rejects_short_password_and_mismatch(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "S",
            "username": "shorty",
            "email": "s@example.com",
            "password1": "abc",
            "password2": "abd",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="shorty").exists()
    assert b"is-invalid" in response.content  # crispy-bootstrap5 marks the field


def test_signup_page_uses_our_base_template(client, db):
    content = client.get("/accounts/signup/").content.decode()
    assert '<a class="navbar-brand me-auto me-lg-3" href="/">' in content
    assert "</span>uchat</a>" in content  # the brand: the mark, then the site's name
    assert "/static/bootstrap/css/bootstrap.min.css" in content
    assert "form-control" in content  # crispy-bootstrap5 widgets
    assert "cdn" not in content.lower()


def test_login_by_username_or_email(client, user):
    assert (
        client.post(
            "/accounts/login/", {"login": "alice", "password": "correct-horse-9"}
        ).status_code
        == 302
    )
    client.logout()
    assert (
        client.post(
            "/accounts/login/", {"login": "alice@example.com", "password": "correct-horse-9"}
        ).status_code
        == 302
    )


def test_wrong_password_shows_error_and_no_session(client, user):
    response = client.post("/accounts/login/", {"login": "alice", "password": "wrong-password"})
    assert response.status_code == 200
    assert b"not correct" in response.content
    assert "_auth_user_id" not in client.session


def test_failed_logins_are_limited(client, user):
    for _ in range(5):
        client.post("/accounts/login/", {"login": "alice", "password": "wrong-password"})
    # Even the right password is refused now, with a reason.
    response = client.post("/accounts/login/", {"login": "alice", "password": "correct-horse-9"})
    assert "_auth_user_id" not in client.session
    assert b"Too many tries. Wait a few minutes" in response.content


def test_a_stranger_cannot_lock_the_owner_out_of_the_web_log_in(user):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        stranger.post("/accounts/login/", {"login": "alice", "password": "wrong-password"})
    response = stranger.post("/accounts/login/", {"login": "alice", "password": "correct-horse-9"})
    assert b"Too many tries. Wait a few minutes" in response.content  # the guesser is stopped
    assert "_auth_user_id" not in stranger.session
    owner = Client(REMOTE_ADDR="198.51.100.7")
    response = owner.post("/accounts/login/", {"login": "alice", "password": "correct-horse-9"})
    assert response.status_code == 302  # the owner, from their own address, is not
    assert owner.session["_auth_user_id"] == str(user.pk)


def test_addresses_of_one_ipv6_64_count_as_one_address(user):
    """An IPv6 host holds a whole /64 (18 quintillion addresses): each of its addresses is the
    same guesser, and the owner on another network is not stopped."""
    for host in range(1, 6):
        guesser = Client(REMOTE_ADDR=f"2001:db8:1:2::{host}")
        guesser.post("/accounts/login/", {"login": "alice", "password": "wrong-password"})
    guesser = Client(REMOTE_ADDR="2001:db8:1:2:ffff::99")
    response = guesser.post("/accounts/login/", {"login": "alice", "password": "correct-horse-9"})
    assert b"Too many tries. Wait a few minutes" in response.content
    assert "_auth_user_id" not in guesser.session
    owner = Client(REMOTE_ADDR="2001:db8:1:3::1")
    response = owner.post("/accounts/login/", {"login": "alice", "password": "correct-horse-9"})
    assert response.status_code == 302


def test_guesses_from_many_addresses_pause_password_log_in_but_never_codes(user, settings):
    settings.UCHAT_LOGIN_FAILED_PER_NAME = 6
    for host in range(6):  # one guess each from six addresses, by username and by address
        guesser = Client(REMOTE_ADDR=f"203.0.113.{host + 1}")
        login = "alice" if host % 2 else "ALICE@example.com"
        guesser.post("/accounts/login/", {"login": login, "password": "wrong-password"})
    owner = Client(REMOTE_ADDR="198.51.100.7")
    response = owner.post("/accounts/login/", {"login": "alice", "password": "correct-horse-9"})
    assert "_auth_user_id" not in owner.session
    assert b"Password log-in for this account is paused" in response.content
    # The owner logs in with an e-mailed code instead.
    mail.outbox.clear()
    owner.post("/accounts/login/code/", {"email": "alice@example.com"})
    code = _code_in(str(mail.outbox[0].body))
    response = owner.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)


def _request_reset_code(client) -> str:
    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert len(mail.outbox) == 1
    return _code_in(str(mail.outbox[0].body))


def _code_in(body: str) -> str:
    found = re.search(r"^\s*([A-Z0-9]{4,}(?:-[A-Z0-9]+)*)\s*$", body, re.M)
    assert found, body
    return found.group(1)


def _reset_with_code(client, code: str, password: str):
    response = client.post("/accounts/password/reset/confirm/", {"code": code})
    if response.status_code != 302 or "/complete/" not in response["Location"]:
        return response
    return client.post(response["Location"], {"password1": password, "password2": password})


def test_password_reset_by_emailed_code(client, user):
    code = _request_reset_code(client)
    _reset_with_code(client, code, "brand-new-pass-77")
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-77")


def test_password_reset_code_works_only_once(client, user):
    code = _request_reset_code(client)
    _reset_with_code(client, code, "brand-new-pass-77")
    client.logout()
    response = _reset_with_code(client, code, "someone-elses-pass-1")
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-77")
    assert not user.check_password("someone-elses-pass-1")
    assert response.status_code in (200, 302)  # back to the start, never a server error


def test_password_reset_code_expires(client, user, settings):
    code = _request_reset_code(client)
    later = time.time() + settings.ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT + 1
    clock = "allauth.account.internal.flows.code_verification.time.time"
    with mock.patch(clock, return_value=later):
        _reset_with_code(client, code, "too-late-pass-42")
    user.refresh_from_db()
    assert user.check_password("correct-horse-9")


def test_password_reset_code_dies_after_three_wrong_tries(client, user):
    code = _request_reset_code(client)
    for _ in range(3):
        client.post("/accounts/password/reset/confirm/", {"code": "WRONG-CODE"})
    _reset_with_code(client, code, "guessed-pass-42")
    user.refresh_from_db()
    assert user.check_password("correct-horse-9")


def test_profile_display_name(auth_client, user):
    response = auth_client.post("/accounts/profile/", {"display_name": "  Alice Wonder  "})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "Alice Wonder"
    assert "Alice Wonder" in auth_client.get("/").content.decode()


def test_account_deletion_needs_the_password(auth_client, user):
    response = auth_client.post("/accounts/delete/", {"password": "nope"})
    assert response.status_code == 200
    assert b"That is not your password." in response.content
    assert User.objects.filter(pk=user.pk).exists()
    response = auth_client.post("/accounts/delete/", {"password": "correct-horse-9"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert auth_client.get("/accounts/profile/").status_code == 302  # logged out


def test_user_suggestions(auth_client, user, other_user):
    from rooms import services as rooms

    bobby = UserFactory(username="bobby")
    UserFactory(username="bobcat")  # shares nothing with alice: not suggested
    rooms.room_create(creator=user, name="Bobs", members=[other_user, bobby])
    data = auth_client.get("/accounts/suggest/?q=bo").json()
    assert [u["username"] for u in data["users"]] == ["bob", "bobby"]
    assert auth_client.get("/accounts/suggest/?q=al").json()["users"] == []  # not yourself


@pytest.mark.parametrize(("flag", "expected"), [({"is_agent": True}, 302), ({}, 200)])
def test_staff_and_agents_must_set_up_two_factor_when_required(
    client, settings, db, flag, expected
):
    settings.UCHAT_REQUIRE_MFA_FOR_STAFF = True
    person = UserFactory(username="person", **flag)
    client.force_login(person)
    response = client.get("/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/2fa/totp/activate")
        Authenticator.objects.create(
            user=person, type=Authenticator.Type.TOTP, data={"secret": "x"}
        )
        assert client.get("/").status_code == 200


def test_navigation_shows_admin_link_to_staff_only(client, user, staff):
    client.force_login(user)
    assert b"Admin site" not in client.get("/").content
    client.force_login(staff)
    assert b"Admin site" in client.get("/").content


def test_argon2_is_the_password_hasher():
    from uchat import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_changing_the_password_ends_other_sessions(user):
    from django.test import Client

    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        device.post("/accounts/login/", {"login": "alice", "password": "correct-horse-9"})
        assert device.get("/accounts/profile/").status_code == 200
    response = laptop.post(
        "/accounts/password/change/",
        {
            "oldpassword": "correct-horse-9",
            "password1": "new-horse-battery-7",
            "password2": "new-horse-battery-7",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/accounts/profile/").status_code == 200  # this session stays
    assert phone.get("/accounts/profile/").status_code == 302  # the other one is logged out


def test_signup_needs_a_first_name_and_refuses_a_staff_members_name(client, db):
    from accounts.tests.factories import UserFactory

    UserFactory(username="stella", display_name="Stella Admin", staff=True)
    base = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password1": "a-long-pass-42",
        "password2": "a-long-pass-42",
    }
    for names, error in (
        ({"first_name": "", "last_name": "Lovelace"}, b"This field is required."),
        ({"first_name": "Stella", "last_name": "Admin"}, b"too like a staff member"),
        ({"first_name": "Ada\u200b", "last_name": ""}, b"is-invalid"),
    ):
        response = client.post("/accounts/signup/", {**base, **names})
        assert response.status_code == 200, names
        assert error in response.content, names
    assert not User.objects.filter(username="newbie").exists()  # nothing half-created
    response = client.post("/accounts/signup/", {**base, "first_name": "Ada", "last_name": ""})
    assert response.status_code == 302
    assert User.objects.get(username="newbie").name == "Ada"


def test_profile_edits_first_last_and_display_name(client, db):
    from accounts.tests.factories import UserFactory

    user = UserFactory(username="ada")
    client.force_login(user)
    response = client.post(
        "/accounts/profile/",
        {"first_name": " Ada ", "last_name": "King", "display_name": ""},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.name) == ("Ada", "King", "Ada King")
    client.post(
        "/accounts/profile/", {"first_name": "Ada", "last_name": "King", "display_name": "Countess"}
    )
    user.refresh_from_db()
    assert user.name == "Countess"


@pytest.mark.parametrize("username", ["oncall", "everyone"])
def test_signup_refuses_a_group_name_or_a_mention_word(client, db, username):
    from usergroups.models import UserGroup

    UserGroup.objects.create(name="oncall")
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Ada",
            "username": username,
            "email": "newbie@example.com",
            "password1": "a-long-pass-42",
            "password2": "a-long-pass-42",
        },
    )
    assert response.status_code == 200
    assert b"pick another username" in response.content
    assert not User.objects.filter(username=username).exists()
