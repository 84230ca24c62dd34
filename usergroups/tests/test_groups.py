import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.test_api import bearer
from notifications.models import Code, Notification
from rooms import services as rooms
from rooms.models import ThreadFollow
from usergroups.models import UserGroup


def _create(client, **body):
    return client.post("/api/groups", {"name": "support", "members": [], **body}, format="json")


def test_create_list_read_and_search(user, other_user):
    client = bearer(user)
    answer = _create(client, description="First line", members=["bob", "@Alice"])
    assert answer.status_code == 201
    data = answer.json()
    assert set(data) == {"id", "name", "description", "members", "created_by", "created_at"}
    assert data["name"] == "support"
    assert [m["username"] for m in data["members"]] == ["alice", "bob"]
    assert data["members"][0]["is_bot"] is False
    assert data["created_by"]["username"] == "alice"
    # Every full member sees every group, members or not; ?q= filters by name or description.
    carol = bearer(UserFactory(username="carol"))
    assert [g["name"] for g in carol.get("/api/groups").json()["groups"]] == ["support"]
    assert carol.get("/api/groups?q=first").json()["groups"][0]["id"] == data["id"]
    assert carol.get("/api/groups?q=design").json()["groups"] == []
    assert carol.get(f"/api/groups/{data['id']}").json()["name"] == "support"
    assert carol.get("/api/groups/999999").status_code == 404


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("a", "2 to 40"),
        ("Has Space", "2 to 40"),
        ("-dash", "2 to 40"),
        ("x" * 41, "2 to 40"),
        ("everyone", "already means"),
        ("here", "already means"),
        ("bob", "username"),
        ("dana", "username"),  # "Dana": usernames match ignoring case
    ],
)
def test_bad_or_clashing_names_are_refused(user, other_user, name, why):
    UserFactory(username="Dana")
    answer = _create(bearer(user), name=name)
    assert answer.status_code == 400
    assert why in str(answer.json())
    assert not UserGroup.objects.exists()


def test_names_are_unique_ignoring_case_and_unknown_people_store_nothing(user, other_user):
    client = bearer(user)
    assert _create(client).status_code == 201
    clash = _create(client, name="Support")
    assert clash.status_code == 400
    assert clash.json()["subcode"] == 4063
    unknown = _create(client, name="design", members=["bob", "nobody", "ghost"])
    assert unknown.status_code == 400
    assert unknown.json()["subcode"] == 4015
    assert sorted(unknown.json()["usernames"]) == ["ghost", "nobody"]
    assert not UserGroup.objects.filter(name="design").exists()
    extra = _create(client, name="design", owner="me")
    assert extra.status_code == 400
    assert "Unknown keys" in extra.json()["error"]


def test_who_may_change_and_delete(user, other_user, staff):
    group_id = _create(bearer(user), members=["bob"]).json()["id"]
    outsider = bearer(UserFactory(username="carol"))
    assert (
        outsider.patch(f"/api/groups/{group_id}", {"description": "x"}, format="json").status_code
        == 403
    )
    assert outsider.delete(f"/api/groups/{group_id}").status_code == 403
    # A member manages it (as in Zulip), staff too.
    member = bearer(other_user)
    changed = member.patch(
        f"/api/groups/{group_id}", {"name": "helpers", "members": ["bob", "carol"]}, format="json"
    )
    assert changed.status_code == 200
    assert [m["username"] for m in changed.json()["members"]] == ["bob", "carol"]
    assert changed.json()["name"] == "helpers"
    refused = member.patch(f"/api/groups/{group_id}", {"members": ["bob", "zed"]}, format="json")
    assert refused.status_code == 400
    assert UserGroup.objects.get().members.count() == 2
    # A deactivated member is not listed (nor counted): sending the list back still works.
    User.objects.filter(username="carol").update(is_active=False)
    listed = member.get(f"/api/groups/{group_id}").json()["members"]
    assert [m["username"] for m in listed] == ["bob"]
    again = member.patch(f"/api/groups/{group_id}", {"members": ["bob"]}, format="json")
    assert again.status_code == 200
    assert bearer(staff).delete(f"/api/groups/{group_id}").status_code == 204
    assert not UserGroup.objects.exists()


def test_guests_get_403_and_writes_are_rate_limited_and_capped(user, other_user, settings):
    guest = bearer(UserFactory(username="gus", is_guest=True))
    assert guest.get("/api/groups").status_code == 403
    assert _create(guest, name="guests").status_code == 403
    # A customer who signed up by themselves sees no groups (their members' names) either.
    customer = bearer(UserFactory(username="cora", team_member=False))
    assert customer.get("/api/groups").status_code == 403
    assert _create(customer, name="customers").status_code == 403
    settings.UCHAT_GROUP_MAX_MEMBERS = 1
    capped = _create(bearer(user), members=["alice", "bob"])
    assert capped.status_code == 400
    assert "at most 1" in capped.json()["error"]
    settings.UCHAT_GROUP_MAX_MEMBERS = 10
    settings.UCHAT_GROUP_CHANGES_PER_MINUTE = 3  # the refused one above counted
    client = bearer(user)
    assert _create(client, name="one").status_code == 201
    assert _create(client, name="two").status_code == 201
    assert _create(client, name="three").status_code == 429
    assert not UserGroup.objects.filter(name="three").exists()


def _mentions(user):
    return Notification.objects.filter(user=user, code=Code.MENTION)


@pytest.mark.django_db(transaction=True)
def test_a_group_mention_notifies_its_members_in_the_room_only_under_their_settings(
    user, other_user, sent
):
    carol, dave, erin = (UserFactory(username=n) for n in ("carol", "dave", "erin"))
    group = UserGroup.objects.create(name="support", created_by=user)
    group.members.set([user, other_user, carol, dave])
    room = rooms.room_create(creator=user, name="Help", members=[other_user, carol, erin])
    rooms.membership_notify_set(
        conversation=room, user=carol, changes={"level": "none"}
    )  # carol: nothing

    rooms.message_create(conversation=room, sender=user, body="@support can someone look?")

    assert _mentions(other_user).count() == 1  # in the group and the room
    assert not _mentions(carol).exists()  # muted the room (the notify rule)
    assert not _mentions(dave).exists()  # in the group, not in the room
    assert not _mentions(erin).exists()  # in the room, not in the group
    assert not _mentions(user).exists()  # the sender

    # A thread reply's mention of the group: bob is told once more, and follows the thread.
    root, _ = rooms.message_create(conversation=room, sender=erin, body="a question")
    rooms.message_create(conversation=room, sender=user, body="@Support.", thread=root.pk)
    assert _mentions(other_user).count() == 2
    assert not Notification.objects.filter(user=other_user, code=Code.THREAD_REPLY).exists()
    assert ThreadFollow.objects.get(user=other_user, message=root).following
    assert not ThreadFollow.objects.filter(user=dave).exists()


def test_the_chat_page_carries_groups_and_the_readers_own(client, user, other_user):
    group = UserGroup.objects.create(name="support", description="First line")
    group.members.set([user, other_user])
    UserGroup.objects.create(name="design")
    room = rooms.room_create(creator=user, name="Help", members=[other_user])
    client.force_login(user)
    chat = client.get(f"/rooms/{room.pk}/").context["chat"]
    assert chat["groups"] == [
        {"name": "design", "description": "", "members": 0},
        {"name": "support", "description": "First line", "members": 2},
    ]
    assert chat["my_groups"] == ["support"]
    assert chat["commands_url"] == f"/api/conversations/{room.pk}/commands"


def test_the_groups_page(client, user, other_user):
    client.force_login(user)
    page = client.get("/groups/")
    assert page.status_code == 200
    assert b"groups-data" in page.content
    # The sidebar beside a conversation links it for the team only.
    room = rooms.room_create(creator=user, name="Team", members=[other_user])
    assert b'id="sidebar-groups"' in client.get(f"/rooms/{room.pk}/").content
    customer = UserFactory(username="cora", team_member=False)
    rooms.members_add(conversation=room, actor=customer, users=[customer])
    client.force_login(customer)
    assert client.get(f"/rooms/{room.pk}/").status_code == 200
    assert b'id="sidebar-groups"' not in client.get(f"/rooms/{room.pk}/").content
    assert client.get("/groups/").status_code == 403
    guest = UserFactory(username="gus", is_guest=True)
    client.force_login(guest)
    assert client.get("/groups/").status_code == 403


def test_the_admin_lists_and_deletes_through_the_service(client, staff, user, settings):
    group = UserGroup.objects.create(name="support", created_by=user)
    client.force_login(staff)
    assert b"@support" in client.get("/admin/usergroups/usergroup/").content
    assert client.get("/admin/usergroups/usergroup/add/").status_code == 403
    settings.UCHAT_GROUP_CHANGES_PER_MINUTE = 0  # the service's rate: the admin goes through it
    with pytest.raises(ValidationError):
        client.post(f"/admin/usergroups/usergroup/{group.pk}/delete/", {"post": "yes"})
    settings.UCHAT_GROUP_CHANGES_PER_MINUTE = 5
    client.post(f"/admin/usergroups/usergroup/{group.pk}/delete/", {"post": "yes"})
    assert not UserGroup.objects.exists()
