"""accounts.services: every write to an account that is not allauth's own, tested for the
database state, what is broadcast once committed, and what the hooks of other apps do."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts import hooks, selectors, services
from accounts.models import User
from accounts.tests.factories import UserFactory
from core import events
from notifications.models import Code, Notification
from tickets.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def _request(address: str = "10.0.0.1"):
    return RequestFactory().post("/api/login", REMOTE_ADDR=address)


# --- creating people ---------------------------------------------------------------------------


def test_staff_create_a_confirmed_account_and_are_told(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_create(
            creator=staff,
            username="newbie",
            email="newbie@example.com",
            password="a-Long-pass-2026",
        )
    assert user.check_password("a-Long-pass-2026")
    assert EmailAddress.objects.get(user=user).verified
    told = Notification.objects.get(user=staff)
    assert (told.code, told.payload["username"]) == (Code.USER_CREATION, "newbie")


def test_the_operator_creates_accounts_without_a_creator():
    user = services.user_create(
        creator=None, username="ops", email="ops@example.com", password=None, is_staff=True
    )
    assert user.is_staff
    assert not user.has_usable_password()
    assert not Notification.objects.exists()  # nobody to tell


def test_non_staff_cannot_create_people(user):
    with pytest.raises(PermissionDenied):
        services.user_create(creator=user, username="x1", email="x1@example.com", password=None)
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize(
    ("username", "email", "code"),
    [
        ("ALICE", "new@example.com", "username_taken"),
        ("newname", "ALICE@example.com", "email_taken"),
        ("p\u0430ypal", "p@example.com", None),  # a Cyrillic a: a look-alike name
        ("noemail", "", "email_required"),
    ],
)
def test_taken_or_imitating_names_are_refused_and_nothing_is_stored(
    staff, user, username, email, code
):
    before = User.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.user_create(creator=staff, username=username, email=email, password=None)
    if code is not None:
        assert refused.value.code == code
    assert User.objects.count() == before
    assert not EmailAddress.objects.filter(email__iexact=email or "-").exclude(user=user).exists()


def test_a_weak_password_is_refused_with_the_validators_reason(staff):
    with pytest.raises(ValidationError) as refused:
        services.user_create(
            creator=staff, username="weak", email="weak@example.com", password="password"
        )
    assert "too common" in " ".join(refused.value.messages)
    assert not User.objects.filter(username="weak").exists()


def test_agent_role_changes_run_the_registered_hooks(user, monkeypatch):
    seen: list[tuple[str, bool]] = []
    monkeypatch.setattr(
        hooks, "after_agent_change", [lambda *, user: seen.append((user.username, user.is_agent))]
    )
    services.user_agent_set(user=user, is_agent=True)
    services.user_agent_set(user=user, is_agent=False)
    assert seen == [("alice", True), ("alice", False)]
    user.refresh_from_db()
    assert not user.is_agent


# --- tokens, sockets and sessions --------------------------------------------------------------


def test_revoking_access_blacklists_every_token_and_closes_sockets(
    user, sent, django_capture_on_commit_callbacks
):
    first = services.api_tokens_issue(user=user)
    services.api_tokens_issue(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        services.user_access_revoke(user=user, reason="password_changed")
    assert BlacklistedToken.objects.filter(token__user=user).count() == 2
    assert sent == [
        ([events.access_group(user.pk)], "access.revoked", {"reason": "password_changed"})
    ]
    with pytest.raises(TokenError):
        services.api_token_refresh(refresh_token=first["refresh_token"])


def test_a_refresh_token_works_once(user):
    tokens = services.api_tokens_issue(user=user)
    fresh = services.api_token_refresh(refresh_token=tokens["refresh_token"])
    assert fresh["refresh_token"] != tokens["refresh_token"]
    with pytest.raises(TokenError):
        services.api_token_refresh(refresh_token=tokens["refresh_token"])


def test_a_password_change_outdates_refresh_tokens(user):
    tokens = services.api_tokens_issue(user=user)
    user.set_password("another-Pass-2026")
    user.save()
    with pytest.raises(TokenError):
        services.api_token_refresh(refresh_token=tokens["refresh_token"])


def test_deactivation_ends_access_and_is_said_once(user, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_active_set(user=user, active=False)
        services.user_active_set(user=user, active=False)  # already inactive: nothing more
    user.refresh_from_db()
    assert not user.is_active
    assert [kind for _, kind, _ in sent] == ["access.revoked"]


def test_logging_out_closes_that_sessions_sockets(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.session_sockets_close(session_key="abc")
    assert sent == [([events.session_group("abc")], "access.revoked", {"reason": "logged_out"})]


# --- the API log-in -------------------------------------------------------------------------------


def test_api_login_by_username_or_email(user):
    for login in ("alice", "ALICE@example.com"):
        assert (
            services.api_login(
                request=_request(), login=login, password="correct-horse-9", code=None
            )
            == user
        )


def test_api_login_refuses_an_unconfirmed_email():
    UserFactory(username="fresh", confirmed=False)
    with pytest.raises(services.LoginRefused) as refused:
        services.api_login(request=_request(), login="fresh", password="correct-horse-9", code=None)
    assert refused.value.reason == "email_unconfirmed"


def test_wrong_passwords_lock_out_the_guesser_only(user, settings):
    settings.UCHAT_API_LOGIN_FAILURES = 3
    for _ in range(3):
        with pytest.raises(services.LoginRefused) as refused:
            services.api_login(request=_request(), login="alice", password="wrong", code=None)
        assert refused.value.reason == "credentials"
    with pytest.raises(services.LoginRefused) as refused:
        services.api_login(request=_request(), login="alice", password="correct-horse-9", code=None)
    assert refused.value.reason == "throttled"
    # The owner, from another address, still gets in.
    assert (
        services.api_login(
            request=_request("10.0.0.2"), login="alice", password="correct-horse-9", code=None
        )
        == user
    )


# --- profile and deletion -------------------------------------------------------------------------


def test_profile_display_names_are_cleaned_and_imitations_refused(user, staff):
    services.user_profile_update(user=user, display_name="  Alice   Liddell ")
    user.refresh_from_db()
    assert user.display_name == "Alice Liddell"
    staff.display_name = "Stella Admin"
    staff.save()
    with pytest.raises(ValidationError):
        services.user_profile_update(user=user, display_name="Stella Admin")


@pytest.mark.parametrize(
    "name",
    [
        "Sakthi Priya",  # an agent's first and last name
        "sakthi.priya",
        "Priya, Sakthi",  # last name first
        "Sakthi Priya (Support)",
        "Sakthi Priya - Acme Help",
        "SAKTHI  PRIYA | agent",
        "Himanshu Ranjan (Admin)",  # a staff member's name with a role in brackets
        "Himanshu Ranjan [team]",
        "Admin: Himanshu Ranjan",
        "HimanshuRanjan",
        "himanshu",  # a staff member's username
    ],
)
def test_agents_and_staff_names_are_protected_whatever_the_suffix(user, name):
    AgentFactory(username="sakthi", first_name="Sakthi", last_name="Priya")
    UserFactory(username="himanshu", display_name="Himanshu Ranjan", staff=True)
    with pytest.raises(ValidationError, match="too like"):
        services.user_profile_update(user=user, display_name=name)
    with pytest.raises(ValidationError, match="too like"):
        services.user_profile_update(
            user=user, display_name="", first_name=name, last_name="(Admin)"
        )
    user.refresh_from_db()
    assert user.display_name == "Alice A."


def test_names_that_only_share_a_word_with_an_agent_are_fine(user):
    agent = AgentFactory(username="sakthi", first_name="Sakthi", last_name="Priya")
    for name in ("Priya Sharma", "Sakthi Vel"):
        assert services.user_profile_update(user=user, display_name=name).display_name == name
    # Agents keep their own name, brackets and all.
    updated = services.user_profile_update(user=agent, display_name="Sakthi Priya (Support)")
    assert updated.display_name == "Sakthi Priya (Support)"


@pytest.fixture
def agents(db):
    AgentFactory(username="sakthi", first_name="Sakthi", last_name="Priya")
    AgentFactory(username="agent7", display_name="Ajay")


@pytest.mark.parametrize(
    "name",
    [
        "Sakthi Priya HR",
        "Sakthi Priya Jr",
        "Sakthi Priya 2",
        "Sakthi Priya2",
        "Sakthi Priya from Acme",
        "Sakthi Priya at Acme Corp",
        "Sakth1 Priya",
        "5akthi Pr1ya",
        "SAKTH1 PRlYA",
        "\u0410\u0458\u0430\u0443",  # "Ajay" in Cyrillic letters alone
        "Ajay 2",
        "Ajay HR",
    ],
)
def test_agents_names_with_a_short_tail_digits_or_look_alikes_are_protected(user, agents, name):
    with pytest.raises(ValidationError, match="too like"):
        services.user_profile_update(user=user, display_name=name)
    user.refresh_from_db()
    assert user.display_name == "Alice A."


def test_ordinary_names_near_an_agents_stay_allowed(user, agents):
    for name in ("Priya Raman", "Sakthi Vel", "Ajay Kumar", "Ajayan", "Priya Sakthivel"):
        assert services.user_profile_update(user=user, display_name=name).display_name == name
    agent = User.objects.get(username="agent7")
    assert services.user_profile_update(user=agent, display_name="Ajay HR").display_name == (
        "Ajay HR"
    )


def test_deletion_runs_every_hook_then_removes_the_row(
    user, monkeypatch, sent, django_capture_on_commit_callbacks
):
    seen: list[str] = []
    monkeypatch.setattr(hooks, "before_user_delete", [lambda *, user: seen.append(user.username)])
    pk = user.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.user_delete(user=user)
    assert seen == ["alice"]
    assert not User.objects.filter(pk=pk).exists()
    assert (events.access_group(pk),) == tuple(sent[0][0])


# --- doors outside allauth's pages ------------------------------------------------------------


def test_a_password_set_runs_allauths_reset_path_and_ends_access(
    user, sent, django_capture_on_commit_callbacks
):
    from allauth.account.signals import password_reset

    heard = []

    def listener(sender, request, user, **kwargs):
        heard.append(user.username)

    password_reset.connect(listener)
    try:
        tokens = services.api_tokens_issue(user=user)
        with django_capture_on_commit_callbacks(execute=True):
            services.user_password_set(user=user, password="fresh-horse-2027", request=None)
    finally:
        password_reset.disconnect(listener)
    user.refresh_from_db()
    assert user.check_password("fresh-horse-2027")
    assert heard == ["alice"]
    assert (
        [events.access_group(user.pk)],
        "access.revoked",
        {"reason": "password_changed"},
    ) in sent
    with pytest.raises(TokenError):
        services.api_token_refresh(refresh_token=tokens["refresh_token"])


def test_a_password_the_rules_refuse_changes_nothing(user, sent):
    with pytest.raises(ValidationError):
        services.user_password_set(user=user, password="alice", request=None)
    user.refresh_from_db()
    assert user.check_password("correct-horse-9")
    assert sent == []


def test_a_verified_number_drops_anyone_elses_unverified_claim(user, other_user):
    User.objects.filter(pk=other_user.pk).update(phone="+919876543210", phone_verified=False)
    services.user_phone_set(user=user, phone="+919876543210", verified=True)
    other_user.refresh_from_db()
    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == ("+919876543210", True)
    assert other_user.phone is None


def test_only_a_superuser_changes_admin_rights_and_a_former_admin_loses_access(
    user, staff, sent, django_capture_on_commit_callbacks
):
    plain_staff = UserFactory(username="sam", is_staff=True)
    with pytest.raises(PermissionDenied):
        services.user_staff_set(user=user, is_staff=True, actor=plain_staff)
    with pytest.raises(ValidationError, match="your own admin rights"):
        services.user_staff_set(user=staff, is_staff=False, actor=staff)
    services.user_staff_set(user=user, is_staff=True, actor=staff)
    user.refresh_from_db()
    assert user.is_staff
    assert sent == []
    with django_capture_on_commit_callbacks(execute=True):
        services.user_staff_set(user=user, is_staff=False, actor=staff)
    user.refresh_from_db()
    assert not user.is_staff
    assert sent == [([events.access_group(user.pk)], "access.revoked", {"reason": "role_changed"})]


def test_an_e_mail_change_by_staff_waits_for_the_new_address_to_be_confirmed(
    user, other_user, staff, mailoutbox, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError, match="taken"):
        services.user_email_change(user=user, email=other_user.email.upper(), actor=staff)
    with pytest.raises(ValidationError):
        services.user_email_change(user=user, email="not an address", actor=staff)
    with pytest.raises(ValidationError, match="needs an e-mail address"):
        services.user_email_change(user=user, email="", actor=staff)
    with pytest.raises(PermissionDenied):
        services.user_email_change(user=user, email="alice@new.example", actor=other_user)
    assert user.email == "alice@example.com"
    with django_capture_on_commit_callbacks(execute=True):
        services.user_email_change(user=user, email="alice@new.example", actor=staff)
    user.refresh_from_db()
    assert user.email == "alice@new.example"
    addresses = EmailAddress.objects.filter(user=user).order_by("email")
    assert list(addresses.values_list("email", "verified", "primary")) == [
        ("alice@example.com", True, False),
        ("alice@new.example", False, True),
    ]
    assert [m.to for m in mailoutbox] == [["alice@new.example"]]
    # Until its owner confirms it, the new address speaks for nobody; the old one still does.
    assert selectors.user_for_verified_email(email="alice@new.example") is None
    assert services.user_for_email(email="alice@example.com") == user
    EmailAddress.objects.get(email="alice@new.example").set_verified()
    assert services.user_for_email(email="alice@new.example") == user


def test_mail_from_an_unconfirmed_address_staff_gave_is_not_the_account(user, staff):
    services.user_email_change(user=user, email="alice@new.example", actor=staff)
    sender = services.user_for_email(email="alice@new.example")
    assert sender != user
    user.refresh_from_db()
    assert user.email == "alice@example.com"  # back to the address the account proved
    assert EmailAddress.objects.get(user=user).primary


def test_the_operator_vouches_for_a_new_address(user, other_user):
    services.user_email_change(user=user, email="alice@new.example", actor=None)
    addresses = list(EmailAddress.objects.filter(user=user).values_list("email", "verified"))
    assert addresses == [("alice@new.example", True)]


def test_only_a_superuser_changes_an_admins_address_and_nobody_their_own_here(user):
    plain = UserFactory(username="sam", is_staff=True)
    boss = UserFactory(username="boss", staff=True)
    for target in (plain, boss, UserFactory(username="sid", is_staff=True)):
        with pytest.raises(PermissionDenied):
            services.user_email_change(user=target, email="x@attacker.example", actor=plain)
    services.user_email_change(user=user, email="alice@new.example", actor=plain)
    services.user_email_change(user=plain, email="sam@new.example", actor=boss)
    plain.refresh_from_db()
    assert plain.email == "sam@new.example"


def test_an_address_another_account_confirmed_is_taken(user, other_user, staff):
    EmailAddress.objects.create(user=other_user, email="bob@second.example", verified=True)
    with pytest.raises(ValidationError, match="taken"):
        services.user_email_change(user=user, email="BOB@second.example", actor=staff)
    with pytest.raises(ValidationError, match="taken"):
        services.user_new_check(username="newbie", email="bob@Second.example")


def test_only_a_superuser_makes_a_superuser_and_never_on_themselves(user, staff):
    plain = UserFactory(username="sam", is_staff=True)
    with pytest.raises(PermissionDenied):
        services.user_superuser_set(user=plain, is_superuser=True, actor=plain)
    with pytest.raises(PermissionDenied):
        services.user_superuser_set(user=user, is_superuser=True, actor=plain)
    with pytest.raises(ValidationError, match="your own superuser"):
        services.user_superuser_set(user=staff, is_superuser=False, actor=staff)
    services.user_superuser_set(user=plain, is_superuser=True, actor=staff)
    plain.refresh_from_db()
    assert plain.is_superuser


def test_a_former_agent_loses_access_as_a_former_admin_does(
    user, sent, django_capture_on_commit_callbacks
):
    """Their open tabs were in the desk's group (collision, availability, the inbox's pings)."""
    with django_capture_on_commit_callbacks(execute=True):
        services.user_agent_set(user=user, is_agent=True)
    assert sent == []
    with django_capture_on_commit_callbacks(execute=True):
        services.user_agent_set(user=user, is_agent=False)
    assert sent == [([events.access_group(user.pk)], "access.revoked", {"reason": "role_changed"})]


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("oncall", "username_taken"),  # a user group's name, in any case
        ("OnCall", "username_taken"),
        ("everyone", "username_reserved"),
        ("Here", "username_reserved"),
    ],
)
def test_a_new_username_is_no_group_name_nor_a_mention_word(staff, user, username, code):
    """Else its person receives every "@oncall" (or "@here") mention."""
    from rooms import services as room_services
    from usergroups.models import UserGroup

    UserGroup.objects.create(name="oncall")
    with pytest.raises(ValidationError) as refused:
        services.user_create(creator=staff, username=username, email="n@example.com", password=None)
    assert refused.value.code == code
    room_services.room_create(creator=user, name="Team")  # alice may make bots
    with pytest.raises(ValidationError):
        services.bot_create(owner=user, name="Pager", username=username)
    assert not User.objects.filter(username__iexact=username).exists()
    # A bot's made-up username steps around the group's name too.
    UserGroup.objects.create(name="pager-bot")
    assert services.bot_create(owner=user, name="Pager").username == "pager-bot-2"


def test_the_admin_site_renames_nobody_to_a_group_name(user):
    from accounts.admin import UserEditForm
    from usergroups.models import UserGroup

    UserGroup.objects.create(name="oncall")
    form = UserEditForm(instance=user, data={"username": "oncall"})
    assert not form.is_valid()
    assert "user group" in str(form.errors["username"])
