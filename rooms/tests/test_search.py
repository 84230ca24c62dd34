"""Search: only what the person may read, highlights that cannot inject markup, the portable
fallback, bad queries refused, and jumping to a hit (history around a message, no gaps)."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import UserFactory
from rooms import search, selectors, services
from rooms.models import Message


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Deploys", members=[other_user])


def say(conversation, sender, body):
    return services.message_create(conversation=conversation, sender=sender, body=body)[0]


def test_finds_only_what_the_reader_may_read(room, user, other_user):
    hit = say(room, other_user, "The deployment of <b>release</b> 42 failed")
    say(room, user, "lunch at noon")
    outsider = UserFactory()
    secret_room = services.room_create(creator=outsider, name="Secret", members=[])
    say(secret_room, outsider, "deployment secrets here")
    deleted = say(room, user, "deployment rolled back")
    services.message_delete(conversation=room, message_id=deleted.pk, actor=user)

    hits = search.messages_search(user=user, query="deploy")
    assert [h.message.pk for h in hits] == [hit.pk]
    assert hits[0].title == "Deploys"
    # The snippet is escaped text with <mark> only: the message's own markup stays text.
    assert "&lt;b&gt;release&lt;/b&gt;" in hits[0].html
    assert "<mark>" in hits[0].html
    assert "<b>" not in hits[0].html
    assert search.messages_search(user=outsider, query="deployment")[0].title == "Secret"


def test_newest_first_and_direct_conversations_named_by_the_other_person(user, other_user):
    direct = services.direct_conversation_get_or_create(user=user, other=other_user)
    first = say(direct, other_user, "invoice attached")
    second = say(direct, user, "thanks for the invoice")
    hits = search.messages_search(user=user, query="invoice")
    assert [h.message.pk for h in hits] == [second.pk, first.pk]
    assert hits[0].title == f"Direct messages with {other_user.name}"


def test_postgresql_uses_the_gin_index(room, user):
    if connection.vendor != "postgresql":
        pytest.skip("the index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql = f"EXPLAIN SELECT id FROM rooms_message WHERE {search._MATCH}"  # noqa: S608
        cursor.execute(sql, ["deploy"])
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "message_search_idx" in plan


def test_portable_fallback_matches_every_word_case_insensitively(room, user, other_user):
    both = say(room, other_user, "The Kubernetes cluster is DOWN again")
    say(room, other_user, "the cluster is fine")
    readable = Message.objects.filter(conversation=room).select_related("sender", "conversation")
    hits = search._portable(readable, "kubernetes down", 10)
    assert [h.message.pk for h in hits] == [both.pk]
    assert hits[0].html == "The <mark>Kubernetes</mark> cluster is <mark>DOWN</mark> again"


def test_snippet_escapes_and_trims_around_the_match():
    body = "x" * 300 + " <script>alert(1)</script> needle " + "y" * 300
    html = search.snippet(body, ["needle"])
    assert html.startswith("… ")
    assert html.endswith(" …")
    assert "<mark>needle</mark>" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("query", ["", "   ", "x" * 201])
def test_bad_queries_get_a_clear_error(auth_client, query):
    response = auth_client.get("/api/search", {"q": query})
    assert response.status_code == 400
    assert response.json()["subcode"] == 4020
    page = auth_client.get(reverse("search"), {"q": query})
    assert page.status_code == 200
    if query.strip():
        assert "too long" in page.content.decode()


def test_api_answers_results_with_conversation_id_and_html(room, user, other_user):
    hit = say(room, other_user, "Quarterly **report** is ready")
    token = RefreshToken.for_user(user).access_token
    response = Client().get("/api/search", {"q": "report"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["conversation"] == room.pk
    assert result["id"] == hit.pk
    assert "<mark>report</mark>" in result["html"]
    assert result["url"] == f"/conversations/{room.pk}/?around={hit.pk}"
    outsider = UserFactory()
    token = RefreshToken.for_user(outsider).access_token
    response = Client().get("/api/search", {"q": "report"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json() == {"results": []}


def test_searches_are_rate_limited(auth_client, settings):
    settings.UCHAT_SEARCH_PER_MINUTE = 2
    assert auth_client.get("/api/search", {"q": "a"}).status_code == 200
    assert auth_client.get(reverse("search"), {"q": "a"}).status_code == 200
    response = auth_client.get("/api/search", {"q": "a"})
    assert response.status_code == 429


def test_history_around_a_message_has_no_gaps_both_ways(room, user, settings):
    settings.UCHAT_HISTORY_PAGE = 10
    ids = [say(room, user, f"message {i}").pk for i in range(40)]
    target = ids[20]
    page = selectors.message_history_around(conversation=room, message_id=target)
    got = [m.pk for m in page.messages]
    assert got == ids[16:26]
    assert page.has_more
    assert page.has_newer
    # Paging on from both ends meets every message once.
    seen = list(got)
    older = selectors.message_history(conversation=room, before_id=got[0], limit=200)
    newer = selectors.message_history(conversation=room, after_id=got[-1], limit=200)
    seen = [m.pk for m in older.messages] + seen + [m.pk for m in newer.messages]
    assert seen == ids


def test_jump_link_opens_the_page_around_the_hit(client, room, user, settings):
    settings.UCHAT_HISTORY_PAGE = 10
    ids = [say(room, user, f"message {i}").pk for i in range(40)]
    client.force_login(user)
    response = client.get(f"/conversations/{room.pk}/?around={ids[5]}")
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/{room.pk}/?around={ids[5]}"
    page = client.get(response["Location"])
    chat = page.context["chat"]
    assert [m["id"] for m in chat["messages"]] == ids[1:11]
    assert chat["has_newer"]
    assert chat["around"] == ids[5]
    history = client.get(f"/conversations/{room.pk}/messages/", {"around": ids[30], "limit": 4})
    assert [m["id"] for m in history.json()["messages"]] == ids[29:33]
    assert history.json()["has_newer"] is True
