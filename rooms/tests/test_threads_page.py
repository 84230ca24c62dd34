"""The Threads page (/threads/, rooms.views.threads): followed threads, unread first, each
opening its conversation with the thread's pane; the sidebar's badge drawn by the server."""

import pytest

from accounts.tests.factories import UserFactory
from rooms import services


@pytest.fixture
def room(user, other_user):
    return services.room_create(creator=user, name="Launch", members=[other_user])


@pytest.fixture
def say(room, django_capture_on_commit_callbacks):
    """A message (in a thread when ``root`` is given), with its after-commit work done
    (following the thread is a domain event's)."""

    def post(sender, body, root=None):
        with django_capture_on_commit_callbacks(execute=True):
            message, _ = services.message_create(
                conversation=room, sender=sender, body=body, thread=root.pk if root else None
            )
        return message

    return post


def test_followed_threads_unread_first_with_their_links(
    auth_client, room, user, other_user, say, django_assert_max_num_queries
):
    read = say(user, "Old question")
    say(user, "my own reply: nothing unread", read)
    unread = say(user, "Plan <b>Friday</b>")
    say(other_user, "Thursday instead?", unread)
    # A thread Alice does not follow is not listed.
    theirs = say(other_user, "Not hers")
    say(other_user, "talking to myself", theirs)

    with django_assert_max_num_queries(25):  # no query per thread
        response = auth_client.get("/threads/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Plan &lt;b&gt;Friday&lt;/b&gt;") < page.index("Old question")
    assert "Not hers" not in page
    assert f'href="/conversations/{room.pk}/?thread={unread.pk}"' in page
    assert "#Launch" in page
    assert 'data-count="1"' in page  # the row's badge, and the sidebar's total
    assert 'id="sidebar-threads" aria-current="page"' in page


def test_a_thread_of_a_room_one_left_is_not_listed(auth_client, user, other_user):
    room = services.room_create(creator=other_user, name="Theirs", members=[user])
    root, _ = services.message_create(conversation=room, sender=user, body="Leaving soon")
    services.thread_follow_set(user=user, root=root, following=True)
    assert "Leaving soon" in auth_client.get("/threads/").content.decode()
    services.room_leave(room=room, user=user)
    page = auth_client.get("/threads/").content.decode()
    assert "Leaving soon" not in page
    assert "No threads yet." in page


def test_log_in_first(client):
    response = client.get("/threads/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_nobody_else_sees_them(client, room, user, other_user, say):
    root = say(user, "Members only")
    say(other_user, "secret", root)
    client.force_login(UserFactory(username="mallory"))
    assert "Members only" not in client.get("/threads/").content.decode()
