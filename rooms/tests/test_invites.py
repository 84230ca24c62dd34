"""Invite links: who makes, lists and revokes them, their caps, when they stop working, joining
through them (signed in, and by signing up), and the row lock that keeps max_uses."""

import re
import threading
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import User
from accounts.tests.factories import UserFactory
from rooms import invites, selectors, services
from rooms.models import Invite, Membership
from rooms.services import invites as invite_services

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def room(user, other_user):
    """``user`` is its admin, ``other_user`` a plain member."""
    return services.room_create(creator=user, name="general", members=[other_user])


def make(room, actor, **kwargs) -> tuple[Invite, str]:
    options = {"expires_in": 86400, "max_uses": None, "guest": False, **kwargs}
    return invite_services.invite_create(room=room, actor=actor, **options)


def test_room_admin_makes_a_link_shown_once_and_stored_as_a_hash(user, room, settings):
    settings.UCHAT_SITE_URL = "https://chat.example.test/"
    response = api(user).post(
        f"/api/rooms/{room.pk}/invites", {"expires_in": 3600, "max_uses": 5}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    found = re.fullmatch(r"https://chat\.example\.test/invite/([\w-]{40,})/", body["url"])
    assert found, body["url"]
    token = found.group(1)
    assert (body["max_uses"], body["uses"], body["guest"]) == (5, 0, False)
    stored = Invite.objects.get(pk=body["id"])
    assert stored.token_hash == invites.token_hash(token) != token
    assert not Invite.objects.filter(token_hash=token).exists()
    assert stored.expires_at is not None
    assert abs((stored.expires_at - timezone.now()).total_seconds() - 3600) < 60
    # The list never shows a token or a url.
    listed = api(user).get(f"/api/rooms/{room.pk}/invites").json()["invites"]
    assert [i["id"] for i in listed] == [stored.pk]
    assert "url" not in listed[0]
    assert token not in str(listed)
    assert listed[0]["created_by"]["username"] == user.username


def test_who_may_manage_links(user, other_user, staff, room):
    outsider = UserFactory()
    assert (
        api(other_user).post(f"/api/rooms/{room.pk}/invites", {}, format="json").status_code == 403
    )
    assert api(other_user).get(f"/api/rooms/{room.pk}/invites").status_code == 403
    # Someone outside the room learns nothing about it.
    assert api(outsider).post(f"/api/rooms/{room.pk}/invites", {}, format="json").status_code == 404
    assert api(outsider).get(f"/api/rooms/{room.pk}/invites").status_code == 404
    # Staff may, for any room; a guest may not, even as a room admin.
    assert api(staff).post(f"/api/rooms/{room.pk}/invites", {}, format="json").status_code == 201
    guest = UserFactory(is_guest=True)
    Membership.objects.create(conversation=room, user=guest, is_admin=True)
    assert api(guest).post(f"/api/rooms/{room.pk}/invites", {}, format="json").status_code == 403
    assert Invite.objects.count() == 1
    # Direct conversations have no links.
    direct = services.direct_conversation_get_or_create(user=user, other=other_user)
    assert api(user).post(f"/api/rooms/{direct.pk}/invites", {}, format="json").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"expires_in": 60},
        {"expires_in": 31 * 86400},
        {"max_uses": 0},
        {"max_uses": 1001},
        {"expires_in": "soon"},
        {"guest": True, "expires_in": None},
    ],
)
def test_caps_refuse_and_store_nothing(user, room, body):
    response = api(user).post(f"/api/rooms/{room.pk}/invites", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["subcode"] == 4000
    assert not Invite.objects.exists()


def test_a_link_that_never_expires_and_the_default(user, room):
    never = api(user).post(f"/api/rooms/{room.pk}/invites", {"expires_in": None}, format="json")
    assert never.status_code == 201
    assert never.json()["expires_at"] is None
    default = api(user).post(f"/api/rooms/{room.pk}/invites", {"guest": True}, format="json")
    assert default.status_code == 201
    assert default.json()["guest"] is True
    expires = Invite.objects.get(pk=default.json()["id"]).expires_at
    assert expires is not None
    assert expires > timezone.now() + timedelta(days=6)


def test_link_creation_is_rate_limited(user, room, settings):
    settings.UCHAT_INVITES_PER_HOUR = 2
    for _ in range(2):
        assert api(user).post(f"/api/rooms/{room.pk}/invites", {}, format="json").status_code == 201
    response = api(user).post(f"/api/rooms/{room.pk}/invites", {}, format="json")
    assert response.status_code == 429
    assert response.json()["subcode"] == 4008
    assert Invite.objects.count() == 2


def test_revoke_and_what_the_list_leaves_out(user, other_user, room):
    live, _ = make(room, user)
    revoked, token = make(room, user)
    used_up, _ = make(room, user, max_uses=1)
    expired, expired_token = make(room, user)
    Invite.objects.filter(pk=used_up.pk).update(uses=1)
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api(other_user).delete(f"/api/rooms/{room.pk}/invites/{revoked.pk}").status_code == 403
    assert api(user).delete(f"/api/rooms/{room.pk}/invites/{revoked.pk}").status_code == 204
    other_room = services.room_create(creator=other_user, name="elsewhere")
    assert (
        api(other_user).delete(f"/api/rooms/{other_room.pk}/invites/{live.pk}").status_code == 404
    )
    listed = api(user).get(f"/api/rooms/{room.pk}/invites").json()["invites"]
    assert [i["id"] for i in listed] == [live.pk]
    # The page says why, never a 500.
    stranger = Client()
    stranger.force_login(UserFactory())
    page = stranger.get(f"/invite/{token}/")
    assert page.status_code == 410
    assert "revoked" in page.content.decode()
    page = stranger.get(f"/invite/{expired_token}/")
    assert page.status_code == 410
    assert "This invite link has expired" in page.content.decode()
    assert stranger.post(f"/invite/{expired_token}/").status_code == 410
    unknown = stranger.get("/invite/not-a-real-token/")
    assert unknown.status_code == 404
    assert "not valid" in unknown.content.decode()
    assert Client().get(f"/invite/{'x' * 300}/").status_code == 404


def test_joining_when_signed_in_counts_one_use_per_new_member(
    user, room, django_capture_on_commit_callbacks
):
    invite, token = make(room, user, max_uses=2)
    joiner = UserFactory()
    client = Client()
    client.force_login(joiner)
    page = client.get(f"/invite/{token}/").content.decode()
    assert "Join #general" in page
    assert f'Invited by <strong class="text-body">{user.name}' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/invite/{token}/")
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/{room.pk}/"
    assert selectors.membership_get(user=joiner, conversation=room) is not None
    assert not joiner.is_guest  # not made through the link
    # Again: already in, no second use.
    assert client.post(f"/invite/{token}/")["Location"] == f"/rooms/{room.pk}/"
    assert "You are already a member" in client.get(f"/invite/{token}/").content.decode()
    invite.refresh_from_db()
    assert invite.uses == 1
    # An existing account opening a guest link joins as it is.
    _, guest_token = make(room, user, guest=True)
    existing = UserFactory()
    invite_services.invite_accept(token=guest_token, user=existing)
    existing.refresh_from_db()
    assert not existing.is_guest


def test_a_team_members_link_puts_the_joiner_on_the_team_and_a_guest_link_does_not(user, room):
    """A non-guest link vouches for whoever joins by it (the room directory, user groups); a
    guest link never does, and neither does a link whose maker is not on the team."""
    _, token = make(room, user)
    joiner = UserFactory(team_member=False)
    invite_services.invite_accept(token=token, user=joiner)
    joiner.refresh_from_db()
    assert joiner.team_member
    _, guest_token = make(room, user, guest=True)
    guest = UserFactory(team_member=False)
    invite_services.invite_accept(token=guest_token, user=guest, new_account=True)
    guest.refresh_from_db()
    assert (guest.is_guest, guest.team_member) == (True, False)
    # A used-up guest link at sign-up leaves a customer, not a teammate (nothing to escalate).
    _, used = make(room, user, guest=True, max_uses=1)
    invite_services.invite_accept(token=used, user=UserFactory(team_member=False), new_account=True)
    late = UserFactory(team_member=False)
    with pytest.raises(ValidationError, match="used up"):
        invite_services.invite_accept(token=used, user=late, new_account=True)
    late.refresh_from_db()
    assert (late.is_guest, late.team_member) == (False, False)


def test_staff_made_accounts_are_on_the_team(staff):
    made = account_services.user_create(
        creator=staff, username="newbie", email="newbie@example.com", password=None
    )
    assert made.team_member
    assert not User.objects.get(pk=UserFactory(team_member=False).pk).team_member


def test_used_up_links_refuse_the_next_person(user, room):
    _, token = make(room, user, max_uses=1)
    invite_services.invite_accept(token=token, user=UserFactory())
    with pytest.raises(ValidationError, match="used up"):
        invite_services.invite_accept(token=token, user=UserFactory())


def test_a_link_ends_with_its_creators_right_to_invite(user, other_user, room):
    _, token = make(room, user)
    # Another admin takes over; the creator is a plain member now.
    services.room_update(
        room=room, actor=user, name=room.name, topic="", members=[user, other_user],
        admins=[other_user],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="can no longer invite"):
        invite_services.invite_accept(token=token, user=UserFactory())
    assert Client().get(f"/invite/{token}/").status_code == 410
    # A password change (or deactivation, deletion) revokes the creator's links for good.
    second, _ = make(room, other_user)
    account_services.user_access_revoke(user=other_user, reason="password_changed")
    second.refresh_from_db()
    assert second.revoked_at is not None
    # A deleted room takes its links with it.
    make(room, other_user)
    services.room_delete(room=room, actor=other_user)
    assert not Invite.objects.exists()


def test_staff_revoke_from_the_admin_and_make_guests_full_members(staff, user, room):
    invite, _ = make(room, user)
    client = Client()
    client.force_login(staff)
    client.post("/admin/rooms/invite/", {"action": "revoke", "_selected_action": [invite.pk]})
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    guest = UserFactory(is_guest=True)
    client.post(
        "/admin/accounts/user/", {"action": "make_full_member", "_selected_action": [guest.pk]}
    )
    guest.refresh_from_db()
    assert not guest.is_guest


def test_anonymous_sign_up_through_a_guest_link_lands_in_the_room(user, room, settings):
    """The real path: the link, the sign-up form, the e-mail's confirmation link, the log-in."""
    invite, token = make(room, user, guest=True)
    client = Client()
    page = client.get(f"/invite/{token}/").content.decode()
    assert "Sign up to join" in page
    assert "Log in to join" in page
    assert "guest" in page
    response = client.post(
        "/accounts/signup/",
        {
            "first_name": "Gus",
            "last_name": "Guest",
            "username": "gus",
            "email": "gus@example.com",
            "password1": "a-long-pass-42",
            "password2": "a-long-pass-42",
        },
    )
    assert response.status_code == 302
    gus = User.objects.get(username="gus")
    assert gus.is_guest
    assert selectors.membership_get(user=gus, conversation=room) is not None
    invite.refresh_from_db()
    assert invite.uses == 1
    link = re.search(
        r"http://testserver(/accounts/confirm-email/[^\s]+)", str(mail.outbox[-1].body)
    )
    assert link
    client.post(link.group(1))
    assert EmailAddress.objects.get(user=gus).verified
    response = client.post("/accounts/login/", {"login": "gus", "password": "a-long-pass-42"})
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/{room.pk}/"
    # A plain sign-up later, with no link, makes a full member.
    other = Client()
    other.post(
        "/accounts/signup/",
        {
            "first_name": "Fay",
            "last_name": "Full",
            "username": "fay",
            "email": "fay@example.com",
            "password1": "a-long-pass-42",
            "password2": "a-long-pass-42",
        },
    )
    assert not User.objects.get(username="fay").is_guest


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_never_pass_max_uses(user, room, monkeypatch):
    """Two people use a one-use link at the same moment: the link's row lock lets one in.
    Each join dawdles after its check, so without the lock both would pass it."""
    _, token = make(room, user, max_uses=1)
    check = invites.invite_problem

    def slow_check(invite: Invite) -> str | None:
        problem = check(invite)
        time.sleep(0.3)
        return problem

    monkeypatch.setattr(invites, "invite_problem", slow_check)
    people = [UserFactory(), UserFactory()]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def join(person: User) -> None:
        try:
            start.wait()
            invite_services.invite_accept(token=token, user=person)
            outcomes.append("joined")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["joined", "refused"]
    assert Invite.objects.get().uses == 1
    assert Membership.objects.filter(conversation=room, user__in=people).count() == 1
