"""The dashboard's conversation lists: what each row says, and a cost that does not grow with
the rooms (issue 31: the page for 201 rooms within 1.5 x the page for 10)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from rooms import services
from rooms.models import Membership, Message

pytestmark = pytest.mark.django_db


def _rows(html: str, list_id: str) -> list[str]:
    """The rows of one list, whitespace folded."""
    block = html.split(f'id="{list_id}"', 1)[1].split("</div>\n</section>", 1)[0]
    rows = re.findall(r"<a class=\"list-group-item.*?</a>", block, flags=re.S)
    return [" ".join(row.split()) for row in rows]


def test_rows_say_what_the_last_message_was(client):
    me = UserFactory(username="me", display_name="Me Myself")
    alice = UserFactory(username="alice", display_name="Alice <A&B>")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder", display_name="")
    services.room_create(creator=alice, name="Empty <room>", members=[me])
    room = services.room_create(creator=alice, name="Deleted", members=[me])
    gone = services.message_create(conversation=room, sender=alice, body="gone")[0]
    Message.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    room = services.room_create(creator=alice, name="File", members=[me, bob])
    file = services.message_create(conversation=room, sender=bob, body="file")[0]
    Message.objects.filter(pk=file.pk).update(kind="file")
    busy = services.room_create(creator=alice, name="Busy", members=[me, bob])
    services.message_create(conversation=busy, sender=bob, body="x" * 79 + " <b>&")
    for i in range(100):
        services.message_create(conversation=busy, sender=alice, body=f"m{i}")
    room = services.room_create(creator=alice, name="Orphan", members=[me, bob])
    orphan = services.message_create(conversation=room, sender=bob, body="left <i>")[0]
    Message.objects.filter(pk=orphan.pk).update(sender=None)
    direct = services.direct_conversation_get_or_create(user=me, other=bob)
    services.message_create(conversation=direct, sender=me, body="hi " + "e\u0301" * 90)
    services.direct_conversation_get_or_create(user=me, other=alice)  # no message: not listed

    client.force_login(me)
    html = client.get("/").content.decode()
    rooms = _rows(html, "room-list")
    # Most recently active first; a room without a message sorts first (NULL, descending).
    assert [re.findall(r'room-name">([^<]*)', r)[0] for r in rooms] == [
        "Empty &lt;room&gt;", "Orphan", "Busy", "File", "Deleted",
    ]  # fmt: skip
    empty, orphan_row, busy_row, file_row, deleted_row = rooms
    assert 'room-preview">No messages yet<' in empty
    assert f'href="/rooms/{room.pk}/" data-room-id="{room.pk}"' in orphan_row
    assert 'room-preview">deleted user: left &lt;i&gt;<' in orphan_row
    assert 'unread" data-count="1"' in orphan_row  # shown: no d-none
    assert 'room-preview">Alice &lt;A&amp;B&gt;: m99<' in busy_row
    assert 'data-count="100" aria-label="unread messages">99+</span>' in busy_row
    assert 'room-preview">Bob Builder: [file]<' in file_row
    assert 'room-preview"><em>message deleted</em><' in deleted_row
    [direct_row] = _rows(html, "direct-list")
    assert f'href="/dm/bob/" data-room-id="{direct.pk}"' in direct_row
    assert 'room-name">Bob Builder<' in direct_row
    # As truncatechars:80 did: NFC (e and its accent become é), 79 characters and an ellipsis.
    assert 'room-preview">Me Myself: hi ' + "\u00e9" * 76 + "…<" in direct_row
    assert 'unread d-none" data-count="0"' in direct_row
    # The empty row dashboard.js clones for a room that appears live.
    template = html.split('<template id="conversation-row">', 1)[1].split("</template>", 1)[0]
    assert " ".join(template.split()).startswith('<a class="list-group-item')
    assert 'href=""' in template
    assert "data-room-id" not in template


def test_dashboard_costs_the_same_queries_for_10_and_201_rooms(client):
    me = UserFactory(username="me")
    sender = UserFactory(username="sender")
    client.force_login(me)
    client.get("/")  # the session, the site's settings: cached from here on

    def grow_to(count: int) -> tuple[int, str]:
        have = Membership.objects.filter(user=me).count()
        for i in range(have, count):
            room = services.room_create(creator=sender, name=f"R{i}", members=[me])
            services.message_create(conversation=room, sender=sender, body=f"hello {i}")
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/").content.decode()
        return len(queries), html

    ten, html = grow_to(10)
    assert html.count("data-room-id=") == 10
    many, html = grow_to(201)
    assert html.count("data-room-id=") == 201
    assert many == ten
