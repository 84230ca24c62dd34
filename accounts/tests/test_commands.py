from allauth.account.models import EmailAddress
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User


def test_createsuperuser_then_api_login_works_at_once(db, monkeypatch):
    """A maintainer's first step: the operator vouches for the e-mail address, so the seed
    chat server's walk-through (POST /api/login) works straight after createsuperuser."""
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-Admin-pass-2026")
    call_command(
        "createsuperuser", "--noinput", username="root", email="root@example.com", verbosity=0
    )
    root = User.objects.get(username="root")
    assert EmailAddress.objects.get(user=root, email="root@example.com").verified
    response = APIClient().post(
        "/api/login",
        {"username": "root", "password": "first-Admin-pass-2026"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["token"]
