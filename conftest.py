"""Shared fixtures. The database and channel layer come from DATABASE_URL / REDIS_URL, which
bin/test points at a real PostgreSQL and Redis: the suite proves the real stack."""

import os
import time
from typing import Any

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from tickets.tests.factories import AgentFactory
from uchat.celery import app as celery_app

REQUIRE_SERVICES = os.environ.get("UCHAT_REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _fast_and_local(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.UCHAT_MESSAGE_RATE = 100_000  # fixtures send many messages as one person
    settings.UCHAT_ROOMS_PER_HOUR = 100_000  # and make many rooms, adds and tickets
    settings.UCHAT_ADDS_PER_HOUR = 100_000
    settings.UCHAT_TICKETS_PER_HOUR = 100_000
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(db):
    return UserFactory(username="alice", display_name="Alice A.")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob", display_name="Bob B.")


@pytest.fixture
def agent(db):
    return AgentFactory(username="agnes")


@pytest.fixture
def staff(db):
    return UserFactory(username="stella", staff=True)


@pytest.fixture
def sent(monkeypatch):
    """What the services broadcast once committed, as (groups, type, payload)."""
    from core import events

    frames: list[tuple[list[str], str, dict]] = []
    monkeypatch.setattr(
        events, "broadcast", lambda groups, kind, payload: frames.append((groups, kind, payload))
    )
    return frames


@pytest.fixture
def bot_kind():
    """A throw-away conversation kind (tests/bot_kind.py), registered as an app's ready() would
    and gone after the test: the rest of the suite sees the real kinds only (a kind adds fields
    to every message object and groups to every person's socket)."""
    from rooms import kinds
    from tests import bot_kind

    kinds.register(bot_kind.BOT)
    yield bot_kind
    kinds.unregister(bot_kind.NAME)


@pytest.fixture
def auth_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def s3_bucket(settings):
    """Uploads go to a fresh bucket of the real S3-compatible store bin/test started (Swift
    with s3api; bin/swift.sh), for this test; emptied and removed after it."""
    import uuid

    from django.core.files.storage import storages

    endpoint = os.environ.get("UCHAT_TEST_S3_ENDPOINT_URL")
    if not endpoint:
        if REQUIRE_SERVICES:
            pytest.fail(
                "No object store (UCHAT_TEST_S3_ENDPOINT_URL) with UCHAT_REQUIRE_SERVICES=1"
            )
        pytest.skip("no S3-compatible store: run the tests with bin/test")
    bucket = f"uchat-{uuid.uuid4().hex[:12]}"
    options = {
        **settings.UCHAT_S3_OPTIONS,
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "access_key": os.environ["UCHAT_TEST_S3_ACCESS_KEY_ID"],
        "secret_key": os.environ["UCHAT_TEST_S3_SECRET_ACCESS_KEY"],
        "region_name": "us-east-1",
        "addressing_style": "path",
    }
    settings.UCHAT_S3_BUCKET = bucket
    settings.UCHAT_S3_OPTIONS = options
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    store: Any = storages["default"]  # django-storages' S3Storage (untyped)
    client = store.connection.meta.client
    for attempt in range(50):  # Swift's servers may still be starting
        try:
            client.create_bucket(Bucket=bucket)
            break
        except Exception:
            if attempt == 49:
                raise
            time.sleep(0.2)
    yield client, bucket
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        client.delete_object(Bucket=bucket, Key=item["Key"])
    client.delete_bucket(Bucket=bucket)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new layer object per test: a channels-redis layer binds its locks to the event loop
    that first used it, and every async test has its own loop."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _writers_of_ended_loops_closed():
    """Each async test's event loop gets its own message writer, with two threads that hold a
    database connection each: the writers of loops that have ended are closed (their pending
    handlers run first), before and after each test."""
    from rooms.writer import writers_close_ended

    writers_close_ended()
    yield
    writers_close_ended()


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """Connections opened by worker threads (database_sync_to_async, live servers) would keep
    PostgreSQL from dropping the test database at the end."""
    yield
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql" and settings.DATABASE_POOLER:
        connection.close()
        _pooled_connections_closed(connection.settings_dict)
    elif connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def _pooled_connections_closed(db: dict[str, Any]) -> None:
    """PgBouncer keeps server connections to the test database in its pool: its admin console
    closes them (KILL), or the test database could not be dropped."""
    import psycopg

    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="pgbouncer", autocommit=True
    ) as admin:
        admin.pgconn.exec_(f'KILL "{db["NAME"]}"'.encode())  # the console speaks simple queries


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's sync API keeps an event loop marked as running in
    the main thread, where the other tests' async_to_sync calls would then refuse to run."""
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
