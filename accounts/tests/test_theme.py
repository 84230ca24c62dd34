"""The colour mode (light, dark, auto) a person picks in the user menu: stored on the account,
rendered into <html data-bs-theme> by the server so that pages open without a flash."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts import services
from accounts.models import Theme, User
from accounts.tests.factories import UserFactory


def test_the_default_is_auto_and_the_service_stores_a_choice(db):
    user = UserFactory(username="ana")
    assert user.theme == Theme.AUTO
    services.user_theme_set(user=user, theme="dark")
    assert User.objects.get(pk=user.pk).theme == "dark"
    with pytest.raises(ValidationError):
        services.user_theme_set(user=user, theme="purple")
    assert User.objects.get(pk=user.pk).theme == "dark"


def test_the_page_carries_the_persons_theme(client, db):
    user = UserFactory(username="ana")
    client.force_login(user)
    assert b'<html lang="en" data-theme="auto" data-bs-theme="light">' in client.get("/").content
    response = client.post(
        "/accounts/theme/", {"theme": "dark"}, headers={"X-Requested-With": "fetch"}
    )
    assert response.status_code == 204
    page = client.get("/notifications/").content.decode()
    assert '<html lang="en" data-theme="dark" data-bs-theme="dark">' in page
    assert 'data-theme-choice="dark" aria-checked="true"' in page
    assert 'data-theme-choice="light" aria-checked="false"' in page


def test_without_scripts_the_form_comes_back_to_the_page(client, db):
    client.force_login(UserFactory(username="ana"))
    response = client.post("/accounts/theme/", {"theme": "light", "next": "/notifications/"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    response = client.post("/accounts/theme/", {"theme": "auto", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_bad_value_a_get_and_a_stranger_are_refused(client, db):
    user = UserFactory(username="ana")
    client.force_login(user)
    assert client.post("/accounts/theme/", {"theme": "neon"}).status_code == 400
    assert client.get("/accounts/theme/").status_code == 405
    client.logout()
    assert client.post("/accounts/theme/", {"theme": "dark"}).status_code == 302  # log in first
    assert User.objects.get(pk=user.pk).theme == "auto"


def test_the_form_needs_the_csrf_token(db):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory(username="ana"))
    assert browser.post("/accounts/theme/", {"theme": "dark"}).status_code == 403


def test_visitors_pages_follow_the_system(client, db):
    page = client.get("/accounts/login/").content
    assert b'<html lang="en" data-theme="auto" data-bs-theme="light">' in page
