"""Shared fixtures. The database and channel layer come from DATABASE_URL / REDIS_URL, which
bin/test points at a real PostgreSQL and Redis: the suite proves the real stack."""

import os

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from uchat.celery import app as celery_app

REQUIRE_SERVICES = os.environ.get("UCHAT_REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _fast_and_local(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def make_user(username: str, *, password: str = "correct-horse-9", **extra):
    from accounts.tests.factories import UserFactory

    user = UserFactory(username=username, password=password, **extra)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def user(db):
    return make_user("alice", display_name="Alice A.")


@pytest.fixture
def other_user(db):
    return make_user("bob", display_name="Bob B.")


@pytest.fixture
def agent(db):
    return make_user("agnes", is_agent=True)


@pytest.fixture
def staff(db):
    return make_user("stella", is_staff=True, is_superuser=True)


@pytest.fixture
def auth_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
