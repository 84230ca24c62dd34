"""Google, Facebook and GitHub log-in through allauth's OAuth2 flows, with the providers'
HTTP answers mocked (no network): the redirect, the callback with code and state, the token
exchange and the profile calls are allauth's own."""

import importlib
import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount import providers
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import override_settings
from django.urls import clear_url_caches

from accounts.adapter import SocialAccountAdapter
from accounts.models import User
from accounts.tests.factories import UserFactory

PROFILES: dict[str, dict[str, object]] = {
    "google": {
        "https://oauth2.googleapis.com/token": {"access_token": "g-token", "expires_in": 3600},
        "https://www.googleapis.com/oauth2/v2/userinfo": {
            "id": "1001",
            "email": "meera@gmail.example",
            "verified_email": True,
            "given_name": "Meera",
            "family_name": "Nair",
            "name": "Meera Nair",
        },
    },
    "facebook": {
        "/oauth/access_token": {"access_token": "f-token", "expires_in": 3600},
        "/me": {
            "id": "2002",
            "email": "ravi@fb.example",
            "first_name": "Ravi",
            "last_name": "Kumar",
            "name": "Ravi Kumar",
        },
    },
    "github": {
        "https://github.com/login/oauth/access_token": {"access_token": "gh-token"},
        "https://api.github.com/user/emails": [
            {"email": "dev@gh.example", "primary": True, "verified": True}
        ],
        "https://api.github.com/user": {
            "id": 3003,
            "login": "octodev",
            "name": "Octo Dev",
            "email": "dev@gh.example",
        },
    },
}


class FakeProvider(requests.adapters.BaseAdapter):
    """Answers a provider's token and profile URLs: the longest key found in the URL wins."""

    def __init__(self, routes: dict[str, object], status: int = 200) -> None:
        super().__init__()
        self.routes, self.status = routes, status
        self.calls: list[str] = []

    def send(
        self, request: requests.PreparedRequest, *args: object, **kwargs: object
    ) -> requests.Response:
        self.calls.append(str(request.url))
        url = str(request.url).split("?")[0]
        match = max((p for p in self.routes if p in url), key=len, default=None)
        response = requests.Response()
        response.status_code = self.status if match else 404
        body = self.routes[match] if match else {"error": "unknown"}
        if self.status >= 400:
            body = {"error": "server_error"}
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


def _reload_urls() -> None:
    import allauth.urls

    import uchat.urls

    providers.registry.provider_map.clear()
    providers.registry.loaded = False
    importlib.reload(allauth.urls)
    importlib.reload(uchat.urls)
    clear_url_caches()


@pytest.fixture
def switch_on(settings, monkeypatch):
    """Switch providers on as UCHAT_<P>_CLIENT_ID/SECRET do (their app installed, their URLs
    served), with their HTTP answers mocked."""
    overrides = []
    fakes = {}

    def on(*names: str, status: int = 200) -> FakeProvider:
        routes: dict[str, object] = {}
        for name in names:
            routes.update(PROFILES[name])
        fake = FakeProvider(routes, status)
        fakes["fake"] = fake
        override = override_settings(
            INSTALLED_APPS=[
                *settings.INSTALLED_APPS,
                *(f"allauth.socialaccount.providers.{n}" for n in names),
            ],
            SOCIALACCOUNT_PROVIDERS={
                n: {"APPS": [{"client_id": f"{n}-id", "secret": f"{n}-secret"}]} for n in names
            },
        )
        override.enable()
        overrides.append(override)
        _reload_urls()

        def session(self):
            s = requests.Session()
            s.mount("https://", fake)
            return s

        monkeypatch.setattr(SocialAccountAdapter, "get_requests_session", session)
        return fake

    yield on
    for override in reversed(overrides):
        override.disable()
    _reload_urls()


def start(client, provider: str) -> str:
    """Press "Continue with <provider>" and confirm; return the state the provider gets."""
    page = client.get(f"/accounts/{provider}/login/")
    assert page.status_code == 200  # a confirm page: a GET alone never starts a log-in
    response = client.post(f"/accounts/{provider}/login/")
    assert response.status_code == 302
    return parse_qs(urlparse(response["Location"]).query)["state"][0]


def back_from(client, provider: str, **params: str):
    return client.get(f"/accounts/{provider}/login/callback/", params)


def test_off_providers_have_no_url_and_no_button(client, db):
    assert client.get("/accounts/google/login/").status_code == 404
    assert "Continue with" not in client.get("/accounts/login/").content.decode()


def test_a_switched_on_provider_shows_its_button(client, db, switch_on):
    switch_on("github")
    html = client.get("/accounts/login/").content.decode()
    assert "Continue with GitHub" in html
    assert "Continue with Google" not in html
    assert "Continue with GitHub" in client.get("/accounts/signup/").content.decode()


@pytest.mark.parametrize(
    ("provider", "email", "names"),
    [
        ("google", "meera@gmail.example", ("Meera", "Nair")),
        ("github", "dev@gh.example", ("Octo", "Dev")),
    ],
)
def test_sign_up_with_a_verified_provider_address(client, db, switch_on, provider, email, names):
    switch_on(provider)
    state = start(client, provider)
    response = back_from(client, provider, code="the-code", state=state)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email=email)
    assert (user.first_name, user.last_name) == names
    assert client.get("/").context["user"] == user
    assert EmailAddress.objects.get(user=user).verified
    assert SocialAccount.objects.filter(user=user, provider=provider).exists()
    # The next time, the same account again (no second user).
    client.logout()
    state = start(client, provider)
    back_from(client, provider, code="again", state=state)
    assert client.get("/").context["user"] == user
    assert User.objects.count() == 1


def test_an_unverified_provider_address_must_be_confirmed_first(client, db, switch_on):
    switch_on("facebook")  # Facebook's addresses are not taken as verified
    state = start(client, "facebook")
    response = back_from(client, "facebook", code="the-code", state=state)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="ravi@fb.example")
    assert client.get("/").context["user"].is_authenticated is False
    assert not EmailAddress.objects.get(user=user).verified
    assert [m.to for m in mail.outbox] == [["ravi@fb.example"]]


def test_an_existing_address_is_never_taken_over(client, db, switch_on):
    owner = UserFactory(username="meera", email="meera@gmail.example")
    switch_on("google")
    state = start(client, "google")
    response = back_from(client, "google", code="the-code", state=state)
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated is False
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 1
    # The owner is told by e-mail (the page looks like any sign-up: no enumeration).
    assert mail.outbox
    assert mail.outbox[-1].to == [owner.email]

    # Logged in to her account, she connects Google herself: from then on it logs her in.
    client.force_login(owner)
    response = client.post("/accounts/google/login/?process=connect")
    state = parse_qs(urlparse(response["Location"]).query)["state"][0]
    back_from(client, "google", code="the-code", state=state)
    assert SocialAccount.objects.get(provider="google").user == owner
    client.logout()
    state = start(client, "google")
    back_from(client, "google", code="again", state=state)
    assert client.get("/").context["user"] == owner


def test_cancelled_consent_and_provider_errors_get_a_message_and_create_nothing(
    client, db, switch_on
):
    switch_on("github")
    state = start(client, "github")
    response = back_from(client, "github", error="access_denied", state=state)
    assert response["Location"] == "/accounts/3rdparty/login/cancelled/"
    assert "cancelled" in client.get(response["Location"]).content.decode().lower()

    state = start(client, "github")
    response = back_from(client, "github", code="c", state="forged-state")
    assert response.status_code == 401
    assert "error occurred" in response.content.decode().lower()
    assert not User.objects.exists()


def test_a_provider_failing_on_the_token_exchange_creates_nothing(client, db, switch_on):
    switch_on("github", status=500)
    state = start(client, "github")
    response = back_from(client, "github", code="c", state=state)
    assert response.status_code == 401
    assert "error occurred" in response.content.decode().lower()
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_a_social_sign_up_refused_by_the_texting_budget_creates_nothing(
    client, db, switch_on, settings, monkeypatch
):
    """A provider without an e-mail address sends the person to the social sign-up form; a
    number there is texted a code, and a refused text leaves no account, no claim on the
    number or the address, no social account and no half-done log-in, while the form can be
    sent again (without the number, or later)."""
    settings.UCHAT_SMS_PER_HOUR = 0
    monkeypatch.setitem(
        PROFILES, "facebook", {**PROFILES["facebook"], "/me": {"id": "2002", "name": "Ravi"}}
    )
    switch_on("facebook")
    state = start(client, "facebook")
    response = back_from(client, "facebook", code="the-code", state=state)
    assert response["Location"] == "/accounts/3rdparty/signup/"
    form = {"username": "ravi", "email": "ravi@fb.example", "phone": "+919876543210"}
    response = client.post("/accounts/3rdparty/signup/", form)
    assert response.status_code == 200
    assert "Text messages are paused" in response.content.decode()
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not SocialAccount.objects.exists()
    assert client.get("/accounts/phone/verify/").status_code == 302
    # The pending sign-up is still there: the same form, without the number, goes through.
    response = client.post("/accounts/3rdparty/signup/", {**form, "phone": ""})
    assert response["Location"] == "/accounts/confirm-email/"
    assert User.objects.get().username == "ravi"
