"""Every door of the Django admin goes through the services: each test checks the side
effects that only the service has (the broadcast and the closed socket, the confirmed e-mail,
the AgentProfile, the ticket's events and memberships), not just the row."""

import re

import pytest
from allauth.account.models import EmailAddress
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory
from core import events
from rooms import services as engine
from rooms.models import Conversation, Membership
from rooms.tests.test_consumers import connect, receive_type
from tickets import services as desk
from tickets.models import AgentProfile, Ticket, TicketEvent
from tickets.tests.factories import AgentFactory


def _staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", staff=True))
    return client


# --- rooms -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_deleting_a_room_in_the_admin_closes_its_sockets(user, other_user):
    room = await sync_to_async(engine.room_create)(
        creator=user, name="Doomed", members=[other_user]
    )
    communicator, connected, _ = await connect(other_user, f"/ws/rooms/{room.pk}/")
    assert connected
    client = await sync_to_async(_staff_client)()
    response = await sync_to_async(client.post)(
        f"/admin/rooms/conversation/{room.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    frame = await receive_type(communicator, "room.deleted")
    assert (frame["id"], frame["name"]) == (room.pk, "Doomed")
    closed = await communicator.receive_output(timeout=5)
    assert (closed["type"], closed["code"]) == ("websocket.close", 4403)
    assert not await sync_to_async(Conversation.objects.filter(pk=room.pk).exists)()


def test_bulk_delete_in_the_admin_goes_through_room_delete(
    admin_client, user, other_user, django_capture_on_commit_callbacks, monkeypatch
):
    rooms = [engine.room_create(creator=user, name=name, members=[other_user]) for name in "AB"]
    sent = []
    monkeypatch.setattr(events, "broadcast", lambda groups, kind, payload: sent.append(kind))
    picked = {"action": "delete_selected", "_selected_action": [r.pk for r in rooms]}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/rooms/conversation/", {**picked, "post": "yes"})
    assert response.status_code == 302
    assert not Conversation.objects.filter(pk__in=[r.pk for r in rooms]).exists()
    assert sent.count("room.deleted") == 2


def test_bulk_delete_with_a_direct_conversation_deletes_nothing(admin_client, user, other_user):
    room = engine.room_create(creator=user, name="Kept", members=[other_user])
    direct = engine.direct_conversation_get_or_create(user=user, other=other_user)
    picked = {"action": "delete_selected", "_selected_action": [room.pk, direct.pk]}
    response = admin_client.post("/admin/rooms/conversation/", {**picked, "post": "yes"})
    assert response.status_code == 403
    assert Conversation.objects.filter(pk__in=[room.pk, direct.pk]).count() == 2


def test_a_direct_conversation_has_no_delete_door(admin_client, user, other_user):
    direct = engine.direct_conversation_get_or_create(user=user, other=other_user)
    response = admin_client.post(f"/admin/rooms/conversation/{direct.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Conversation.objects.filter(pk=direct.pk).exists()


# --- people ----------------------------------------------------------------------------------


def _add_user(client: Client, username: str, email: str):
    return client.post(
        "/admin/accounts/user/add/",
        {
            "username": username,
            "email": email,
            "usable_password": "true",
            "password1": "a-Long-pass-2026",
            "password2": "a-Long-pass-2026",
        },
    )


def test_adding_people_in_the_admin_goes_through_user_create(admin_client):
    for name in ("newbie", "second"):
        response = _add_user(admin_client, name, f"{name}@example.com")
        assert response.status_code == 302, response.content[:500]
    for name in ("newbie", "second"):
        user = User.objects.get(username=name)
        assert user.check_password("a-Long-pass-2026")
        # The confirmed e-mail the service stores: this person can log in to the API.
        assert EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()


def test_the_admin_add_form_refuses_a_taken_email_and_stores_nothing(admin_client, user):
    response = _add_user(admin_client, "copycat", user.email.upper())
    assert response.status_code == 200
    assert "That e-mail address is taken." in response.content.decode()
    assert not User.objects.filter(username="copycat").exists()


def test_ticking_is_agent_in_the_admin_makes_a_real_agent(
    admin_client, user, settings, django_capture_on_commit_callbacks
):
    settings.UCHAT_TICKET_AUTO_ASSIGN = True
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    form = _change_form(page)
    form["is_agent"] = "on"
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", form)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_agent
    assert AgentProfile.objects.filter(user=user).exists()  # auto-assignment can find them
    # ... and it does, once they are online.
    customer = UserFactory(username="cust")
    ticket = desk.ticket_open(customer=customer, subject="Help", description="Something broke.")
    with django_capture_on_commit_callbacks(execute=True):
        engine.presence_connect(user=user, channel_name="tab-1")
    ticket.refresh_from_db()
    assert ticket.agent == user


def test_unticking_is_agent_sends_their_tickets_back_to_the_queue(
    admin_client, customer, desk_agent
):
    ticket = desk.ticket_open(customer=customer, subject="Help", description="Something broke.")
    desk.ticket_assign(ticket=ticket, agent=desk_agent, actor=None)
    page = admin_client.get(f"/admin/accounts/user/{desk_agent.pk}/change/").content.decode()
    form = _change_form(page)
    form.pop("is_agent", None)
    response = admin_client.post(f"/admin/accounts/user/{desk_agent.pk}/change/", form)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.agent, ticket.status) == (None, Ticket.Status.NEW)
    assert ticket.events.filter(kind=TicketEvent.Kind.RELEASED).exists()
    assert AgentProfile.objects.filter(user=desk_agent).exists()  # kept for a comeback
    # The former agent no longer reads the customer's conversation.
    assert not Membership.objects.filter(conversation=ticket.conversation, user=desk_agent).exists()


def test_unticking_staff_in_the_admin_ends_the_former_admins_access(
    admin_client, sent, django_capture_on_commit_callbacks
):
    former = UserFactory(username="former", staff=True)
    page = admin_client.get(f"/admin/accounts/user/{former.pk}/change/").content.decode()
    form = _change_form(page)
    form.pop("is_staff", None)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/accounts/user/{former.pk}/change/", form)
    assert response.status_code == 302
    former.refresh_from_db()
    assert not former.is_staff
    assert ([events.access_group(former.pk)], "access.revoked", {"reason": "role_changed"}) in sent


def test_the_admin_cannot_take_away_their_own_admin_rights(client, db):
    me = UserFactory(username="root", staff=True)
    client.force_login(me)
    form = _change_form(client.get(f"/admin/accounts/user/{me.pk}/change/").content.decode())
    form.pop("is_staff", None)
    response = client.post(f"/admin/accounts/user/{me.pk}/change/", form)
    assert response.status_code == 200
    assert "You cannot take away your own admin rights." in response.content.decode()
    me.refresh_from_db()
    assert me.is_staff


def test_an_e_mail_changed_in_the_admin_waits_for_its_owner_to_confirm_it(
    admin_client, user, other_user, mailoutbox, django_capture_on_commit_callbacks
):
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    form = _change_form(page)
    form["email"] = other_user.email.upper()  # taken, in another case
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", form)
    assert response.status_code == 200
    assert "That e-mail address is taken." in response.content.decode()
    form["email"] = "alice@new.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", form)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "alice@new.example"
    addresses = EmailAddress.objects.filter(user=user).order_by("email")
    assert list(addresses.values_list("email", "verified", "primary")) == [
        ("alice@example.com", True, False),
        ("alice@new.example", False, True),
    ]
    assert [m.to for m in mailoutbox] == [["alice@new.example"]]
    # Its owner follows the link: the address is confirmed and the old one goes.
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    assert Client().post(link.group(1)).status_code == 302
    assert list(addresses.values_list("email", "verified", "primary")) == [
        ("alice@new.example", True, True)
    ]


def test_the_admin_refuses_an_address_another_account_confirmed_as_a_second_one(
    admin_client, user, other_user
):
    EmailAddress.objects.create(user=other_user, email="bob@second.example", verified=True)
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    form = _change_form(page)
    form["email"] = "Bob@Second.example"
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/change/", form)
    assert response.status_code == 200
    assert "That e-mail address is taken." in response.content.decode()
    response = _add_user(admin_client, "copycat", "bob@second.EXAMPLE")
    assert response.status_code == 200
    assert "That e-mail address is taken." in response.content.decode()
    assert not User.objects.filter(username="copycat").exists()
    user.refresh_from_db()
    assert user.email == "alice@example.com"


def _plain_staff_client() -> tuple[Client, User]:
    """A staff member who may view and change people, and is no superuser."""
    me = UserFactory(username="sam", is_staff=True)
    me.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "change_user", "view_group"])
    )
    client = Client()
    client.force_login(me)
    return client, me


def test_plain_staff_cannot_give_admin_rights_in_the_admin(db):
    client, me = _plain_staff_client()
    group = Group.objects.create(name="everything")
    group.permissions.set(Permission.objects.all())
    other = UserFactory(username="carol")
    for person in (me, other):
        url = f"/admin/accounts/user/{person.pk}/change/"
        form = _change_form(client.get(url).content.decode())
        form.update(is_superuser="on", is_staff="on", groups=str(group.pk))
        form["user_permissions"] = str(Permission.objects.get(codename="delete_user").pk)
        assert client.post(url, form).status_code == 302
        person.refresh_from_db()
        assert not person.is_superuser
        assert not person.groups.exists()
        assert not person.user_permissions.filter(codename="delete_user").exists()
    other.refresh_from_db()
    assert not other.is_staff


def test_plain_staff_cannot_change_another_admins_account_nor_password(db):
    client, _ = _plain_staff_client()
    boss = UserFactory(username="boss", staff=True)
    page = client.get(f"/admin/accounts/user/{boss.pk}/change/")
    assert page.status_code == 200  # they may still see it
    form = _change_form(page.content.decode())
    form.pop("is_active", None)
    assert client.post(f"/admin/accounts/user/{boss.pk}/change/", form).status_code == 403
    password = {"password1": "a-new-horse-77", "password2": "a-new-horse-77"}
    password["set_usable_password"] = "true"
    response = client.post(f"/admin/accounts/user/{boss.pk}/password/", password)
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.is_active
    assert boss.check_password("correct-horse-9")


def test_plain_staff_change_only_customers_addresses_in_the_admin(db, user):
    client, me = _plain_staff_client()
    url = f"/admin/accounts/user/{me.pk}/change/"
    form = _change_form(client.get(url).content.decode())
    form["email"] = "mine@attacker.example"
    response = client.post(url, form)
    assert response.status_code == 200
    assert "Change your own address on your account" in response.content.decode()
    me.refresh_from_db()
    assert me.email == "sam@example.com"
    url = f"/admin/accounts/user/{user.pk}/change/"
    form = _change_form(client.get(url).content.decode())
    form["email"] = "alice@new.example"
    assert client.post(url, form).status_code == 302
    assert EmailAddress.objects.filter(
        user=user, email="alice@new.example", verified=False
    ).exists()


def _change_form(page: str) -> dict[str, str]:
    """The user change page's fields as the browser would send them back."""
    form: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                form[name.group(1)] = "on"
            continue
        value = re.search(r'value="([^"]*)"', tag)
        form[name.group(1)] = value.group(1) if value else ""
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(2))
        if chosen:
            form[select.group(1)] = chosen[0]
    return form


# --- tickets ---------------------------------------------------------------------------------


def test_reassigning_in_the_admin_asks_for_the_agent_then_uses_ticket_assign(
    admin_client, ticket, desk_agent
):
    first = AgentFactory(username="first")
    desk.ticket_assign(ticket=ticket, agent=first, actor=None)
    picked = {"action": "reassign", "_selected_action": [ticket.pk]}
    page = admin_client.post("/admin/tickets/ticket/", picked)
    assert page.status_code == 200  # the intermediate page
    assert "Reassign tickets" in page.content.decode()
    assert ticket.number in page.content.decode()
    response = admin_client.post(
        "/admin/tickets/ticket/", {**picked, "apply": "Reassign", "agent": desk_agent.pk}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.agent == desk_agent
    assert ticket.events.filter(kind=TicketEvent.Kind.ASSIGNED, agent=desk_agent).exists()
    members = set(ticket.conversation.memberships.values_list("user__username", flat=True))
    assert members == {ticket.customer.username, desk_agent.username}  # "first" is out


def test_reassigning_to_a_non_agent_is_refused_by_the_form(admin_client, ticket, user):
    response = admin_client.post(
        "/admin/tickets/ticket/",
        {"action": "reassign", "_selected_action": [ticket.pk], "apply": "1", "agent": user.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.agent is None


def test_tickets_are_read_only_and_never_deleted_in_the_admin(admin_client, ticket):
    page = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    response = admin_client.post(f"/admin/tickets/ticket/{ticket.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Ticket.objects.filter(pk=ticket.pk).exists()
