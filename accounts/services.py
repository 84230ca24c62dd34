"""Every write to a person's account that is not allauth's own, and the API's log-in."""

import hashlib
import re

from allauth.account import signals as allauth_signals
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts import frames, hooks, names, phones, selectors, sms, tasks
from accounts.domain_events import PersonDeleted
from accounts.models import BotAvatar, EmailChange, Theme, User
from accounts.selectors import user_contact_verified, user_needs_two_factor_setup
from core import domain_events, events
from core.cache import rate_take
from core.client_address import address_key

LOGIN_FAILURE_WINDOW = 300  # seconds
LOGIN_NAME_FAILURE_WINDOW = 3600  # seconds: UCHAT_LOGIN_FAILED_PER_NAME counts per hour
AFTER_LOGIN_KEY = "after_login_url"  # the session's key: where the next log-in lands


class LoginRefused(Exception):
    """The API log-in said no; ``reason`` is one of the codes below, for the caller to map."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _failures_key(login: str, address: str) -> str:
    # Hashed: any text can arrive here, and cache keys must stay plain. Keyed by the address
    # (its /64 for IPv6) too: a stranger's wrong guesses must not lock the owner out (only
    # the guesser).
    digest = hashlib.sha256(f"{login.lower()}\0{address_key(address)}".encode()).hexdigest()
    return f"api-login-failed:{digest}"


def _login_name_key(login: str) -> str:
    """One counter per account however it is named (username, e-mail address, number), or per
    name typed when it names none."""
    login = login.strip()
    user = None
    if "@" in login:
        user = User.objects.filter(email__iexact=login).first()
    elif login.startswith("+"):
        try:
            number = phones.phone_normalize(login)
        except ValidationError:
            number = None
        if number:
            user = User.objects.filter(phone=number, phone_verified=True).first()
    elif login:
        user = User.objects.filter(username__iexact=login).first()
    name = f"user:{user.pk}" if user else f"name:{login.casefold()}"
    return f"login-failed-name:{hashlib.sha256(name.encode()).hexdigest()}"


def login_password_paused(*, login: str) -> bool:
    """Whether password log-in for this name is paused: UCHAT_LOGIN_FAILED_PER_NAME wrong
    passwords within an hour, from all addresses together (web and API). The per-address
    counts stop one guesser; this stops many. Log-in by an e-mailed or texted code stays open,
    so the owner is never locked out of every way in."""
    return (cache.get(_login_name_key(login)) or 0) >= settings.UCHAT_LOGIN_FAILED_PER_NAME


def login_password_failed(*, login: str) -> None:
    """Count a wrong password (or two-factor code) for this name towards the hourly ceiling."""
    key = _login_name_key(login)
    cache.add(key, 0, LOGIN_NAME_FAILURE_WINDOW)
    cache.incr(key)


def api_login(*, request: HttpRequest, login: str, password: str, code: str | None) -> User:
    """Check a log-in for the API (username, e-mail address or +mobile number): password,
    a confirmed e-mail address or mobile number, two-factor code, and 2FA set
    up where the site requires it. Wrong passwords and wrong codes both count as failures.

    Raises LoginRefused("throttled" | "paused" | "credentials" | "email_unconfirmed" |
    "code_required" | "code_invalid" | "two_factor_setup").
    """
    login = login.strip()
    key = _failures_key(login, request.META.get("REMOTE_ADDR", ""))
    if (cache.get(key) or 0) >= settings.UCHAT_API_LOGIN_FAILURES:
        raise LoginRefused("throttled")
    if login_password_paused(login=login):
        raise LoginRefused("paused")

    def failed(reason: str) -> LoginRefused:
        cache.add(key, 0, LOGIN_FAILURE_WINDOW)
        cache.incr(key)
        login_password_failed(login=login)
        return LoginRefused(reason)

    username = login
    if "@" in login:
        by_email = User.objects.filter(email__iexact=login).first()
        username = by_email.username if by_email else login
    elif login.startswith("+"):
        try:
            by_phone = User.objects.filter(
                phone=phones.phone_normalize(login), phone_verified=True
            ).first()
        except ValidationError:
            by_phone = None
        username = by_phone.username if by_phone else login
    user = authenticate(request, username=username, password=password)
    if user is None or user.is_bot:  # a bot has no password; staff may not have given one
        raise failed("credentials")
    if not user_contact_verified(user=user):
        raise LoginRefused("email_unconfirmed")
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        if not code:
            raise LoginRefused("code_required")
        if not totp.wrap().validate_code(code):
            raise failed("code_invalid")
    elif user_needs_two_factor_setup(user=user):
        raise LoginRefused("two_factor_setup")
    cache.delete(key)
    return user


def sms_queue(*, phone: str, text: str) -> None:
    """Text ``phone`` (off the request, by a Celery task) within the site's and the country's
    hourly budgets. Raises sms.SmsBudgetExceeded, having queued nothing, past either."""
    sms.sms_budget_consume(phone=phone)
    tasks.send_sms.delay(phone=phone, text=text)


def api_tokens_issue(*, user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)  # recorded as outstanding: it can be revoked
    return {"token": str(refresh.access_token), "refresh_token": str(refresh)}


def api_token_refresh(*, refresh_token: str) -> dict[str, str]:
    """A new access token and a new refresh token; the one given is used up (blacklisted).
    Refused (TokenError) when it is expired, used, revoked, or older than a password change."""
    # Checks signature, expiry and the blacklist. (Its stubs say Token; it takes the text.)
    old = RefreshToken(refresh_token)  # type: ignore[arg-type]
    user = User.objects.filter(pk=old.get("user_id"), is_active=True).first()
    if user is None or old.get("hash_password") != get_md5_hash_password(user.password):
        raise TokenError("revoked")
    data = TokenRefreshSerializer().validate({"refresh": refresh_token})
    return {"token": data["access"], "refresh_token": data["refresh"]}


def user_access_revoke(*, user: User, reason: str) -> None:
    """Whatever outlives a credential change ends: every refresh token of the person is
    blacklisted, and every socket of theirs closes, on every server process, once this
    commits. Called on a password change, deactivation and deletion."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    events.broadcast_on_commit(
        events.access_group(user.pk), frames.ACCESS_REVOKED, {"reason": reason}
    )
    for hook in hooks.after_access_revoke:  # notifications: push subscriptions
        hook(user=user)


def session_sockets_close(*, session_key: str) -> None:
    """A browser session ended (log-out): the sockets it opened close, and what it was given
    goes (the hooks: its push subscriptions)."""
    for hook in hooks.after_session_end:
        hook(session_key=session_key)
    events.broadcast_on_commit(
        events.session_group(session_key), frames.ACCESS_REVOKED, {"reason": "logged_out"}
    )


@transaction.atomic
def user_active_set(*, user: User, active: bool) -> User:
    """Deactivate (or reactivate) an account; deactivation ends its tokens and sockets."""
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            user_access_revoke(user=user, reason="deactivated")
    return user


@transaction.atomic
def user_guest_set(*, user: User, is_guest: bool) -> User:
    """Make an account a guest (a guest invite link, when it creates the account) or a full
    member again (staff, from the admin site). A guest who becomes a full member keeps their
    rooms; what they may do widens at once (accounts.selectors.is_full_member)."""
    if user.is_guest != is_guest:
        user.is_guest = is_guest
        user.save(update_fields=["is_guest"])
    return user


def user_signed_up(*, request: HttpRequest, user: User) -> None:
    """A person created their account on the sign-up page (or with a social log-in): the
    apps above finish what brought them here (an invite link kept in the session)."""
    for hook in hooks.after_signup:
        hook(request=request, user=user)


def after_login_url_set(*, request: HttpRequest, url: str) -> None:
    """Where the next log-in in this browser lands (an invite's room), instead of the
    dashboard; read once by the account adapter (after_login_url_take)."""
    request.session[AFTER_LOGIN_KEY] = url


def after_login_url_take(*, request: HttpRequest) -> str | None:
    url = request.session.pop(AFTER_LOGIN_KEY, None)
    local = isinstance(url, str) and url.startswith("/") and not url.startswith("//")
    return url if local else None


def user_profile_update(
    *, user: User, display_name: str, first_name: str | None = None, last_name: str | None = None
) -> User:
    """The profile page: the display name, and the first and last name when given."""
    user.display_name = names.display_name_clean(display_name, user=user)
    fields = ["display_name"]
    if first_name is not None or last_name is not None:
        user.first_name, user.last_name = names.person_names_clean(
            first_name if first_name is not None else user.first_name,
            last_name if last_name is not None else user.last_name,
            user=user,
        )
        fields += ["first_name", "last_name"]
    user.full_clean()
    user.save(update_fields=fields)
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account, from any door (the account page, the Django admin). Messages and
    the customer's tickets stay, shown as from "deleted user". Their tokens and sockets end;
    the hooks move their work on first: rooms they administered alone get a new admin, an
    agent's open tickets go back to the queue with the admins told."""
    user_access_revoke(user=user, reason="deleted")
    for hook in hooks.before_user_delete:  # rooms: room admins; tickets: the agent's queue
        hook(user=user)
    user_id, username = user.pk, user.username
    user.delete()
    domain_events.record(PersonDeleted(user_id=user_id, username=username))


def user_new_check(*, username: str, email: str) -> None:
    """The rules a new account's names must pass (also run by forms before they submit)."""
    names.username_check(username)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError("That username is taken.", code="username_taken")
    username_mention_check(username=username)
    if email and _email_taken(email=email, user=None):
        raise ValidationError("That e-mail address is taken.", code="email_taken")


def username_mention_check(*, username: str) -> None:
    """A new username (sign-up, staff, a bot, a rename) is not a word that mentions a whole
    room ("@everyone", "@here") nor a name another app's mentions use (accounts.hooks.
    name_taken_checks: a user group's): its person would receive every such mention."""
    if username.lower() in names.MENTION_WORDS:
        raise ValidationError(
            f"@{username.lower()} mentions a whole room: pick another username.",
            code="username_reserved",
        )
    if any(check(username) for check in hooks.name_taken_checks):
        raise ValidationError(
            "That name belongs to a user group: pick another username.", code="username_taken"
        )


def _username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists() or any(
        check(username) for check in hooks.name_taken_checks
    )


def _email_taken(*, email: str, user: User | None) -> bool:
    """Another account has ``email`` as its address, or has confirmed it as one of its other
    addresses (only one account may hold a confirmed address: allauth's unique_verified_email)."""
    others = User.objects.exclude(pk=user.pk) if user is not None else User.objects.all()
    confirmed = EmailAddress.objects.filter(email__iexact=email, verified=True)
    if user is not None:
        confirmed = confirmed.exclude(user=user)
    return others.filter(email__iexact=email).exists() or confirmed.exists()


def bot_create_check(*, owner: User) -> None:
    """Who may make bots: staff, and anyone who administers a room (accounts.hooks.
    may_create_bots: rooms answers), never guests or bots; UCHAT_BOTS_PER_OWNER each."""
    if not owner.is_active or owner.is_bot or owner.is_guest:
        raise PermissionDenied("You may not make bots.")
    if not owner.is_staff and not any(check(user=owner) for check in hooks.may_create_bots):
        raise PermissionDenied("Only staff and room admins make bots.")
    if User.objects.filter(bot_owner=owner, is_bot=True, is_active=True).count() >= (
        settings.UCHAT_BOTS_PER_OWNER
    ):
        raise ValidationError(
            f"You own {settings.UCHAT_BOTS_PER_OWNER} bots already: deactivate one first.",
            code="too_many_bots",
        )


def team_members_vouch(*, actor: User, users: list[User]) -> None:
    """A team member added these people to a room: they are on the team too (guests and bots
    stay what they are; the flag only ever goes on here)."""
    if not selectors.is_team_member(actor):
        return
    ids = [u.pk for u in users if u.pk != actor.pk and not u.is_guest and not u.is_bot]
    if ids:
        User.objects.filter(pk__in=ids, team_member=False).update(team_member=True)
        for user in users:
            if user.pk in ids:
                user.team_member = True


@transaction.atomic
def bot_create(*, owner: User, name: str, username: str = "", avatar: str = "") -> User:
    """A bot owned by ``owner``: an account with no password (so no log-in page or API
    log-in), reached only with API tokens, and a member only of the rooms it is added to.
    ``username`` defaults to the name's letters and digits plus ``-bot``, made unique;
    ``avatar`` is a BotAvatar (default the robot). bot_create_check says who may;
    UCHAT_BOTS_PER_HOUR made per owner and hour."""
    User.objects.select_for_update().filter(pk=owner.pk).first()  # one count at a time
    bot_create_check(owner=owner)
    # The cap counts active bots only: without a rate, making and deactivating bots in a loop
    # would make accounts without end.
    rate_take(
        scope="bots", who=owner.pk, limit=settings.UCHAT_BOTS_PER_HOUR, window=3600,
        message="You have made many bots in the last hour. Try again later.",
    )  # fmt: skip
    display = names.display_name_clean(name, user=User())
    if not display:
        raise ValidationError("A bot needs a name.", code="bot_name_required")
    if avatar and avatar not in BotAvatar.values:
        raise ValidationError("Pick one of the bot pictures.", code="bot_avatar_invalid")
    if not username:
        stem = re.sub(r"[^a-z0-9]+", "-", display.lower()).strip("-")[:20] or "bot"
        username = f"{stem}-bot"
        suffix = 1
        while _username_taken(username):
            suffix += 1
            username = f"{stem}-bot-{suffix}"
    user_new_check(username=username, email="")
    bot = User(
        username=username,
        display_name=display,
        is_bot=True,
        bot_owner=owner,
        bot_avatar=avatar or BotAvatar.BOT,
    )
    bot.set_unusable_password()
    bot.full_clean()
    bot.save()
    return bot


@transaction.atomic
def user_for_email(*, email: str, name: str = "") -> User:
    """The account that proved it owns an inbound e-mail's sender address, or a new one for
    the sender (tickets by e-mail). An address someone only claimed (given at sign-up, never
    confirmed) is dropped from that account, as an unconfirmed phone number is: the mail
    shows who holds the address, the claim does not, and the claimant never sees the mail
    (an account whose address staff changed, unconfirmed, goes back to its confirmed one).
    A new account has no password: its owner sets one by "forgot password", which proves the
    address. Its name comes from the mail's From only when sign-up would accept it. The
    address is taken as it arrived: mail servers are expected to refuse forged senders (SPF,
    DMARC; docs/accounts.md)."""
    user = selectors.user_for_verified_email(email=email)
    if user is not None:
        return user
    proven = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    claimants = list(User.objects.filter(email__iexact=email).exclude(pk__in=proven))
    User.objects.filter(pk__in=[c.pk for c in claimants]).update(email=None)
    EmailChange.objects.filter(user__in=claimants).delete()
    EmailAddress.objects.filter(email__iexact=email, verified=False).delete()
    for claimant in claimants:
        # An address staff gave, not yet confirmed: the account goes back to the one it proved.
        kept = EmailAddress.objects.filter(user=claimant, verified=True).first()
        if kept is not None:
            kept.set_as_primary()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            "This address belongs to a closed account.", code="email_account_closed"
        )
    base = re.sub(r"[^a-z0-9_]", "", email.partition("@")[0].lower())[:20] or "customer"
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}{n}"
    user = User(username=username, email=email)
    first, _, last = " ".join(name.split())[:150].partition(" ")
    try:
        first, last = names.person_names_clean(first[:75], last[:75], user=user)
    except ValidationError:
        first = last = ""  # a refused name is not kept: the username (from the address) shows
    user.first_name, user.last_name = first, last
    user.set_unusable_password()
    user.tour_done_at = None
    user.save()
    User.objects.email_vouch(user)
    return user


@transaction.atomic
def user_create(
    *,
    creator: User | None,
    username: str,
    email: str,
    password: str | None,
    display_name: str = "",
    is_agent: bool = False,
    is_staff: bool = False,
    is_superuser: bool = False,
    tell_creator: bool = True,
) -> User:
    """Staff (``creator``) or the operator on the command line (``creator`` None) create an
    account. Its e-mail is taken as confirmed: they vouch for it. ``password`` None: the
    person chooses one through a link (agents) or a reset. The creator is told in a "User
    Creation" notification, as on the seed chat server."""
    if creator is not None and not creator.is_staff:
        raise PermissionDenied("Only staff can create people.")
    if not email:
        raise ValidationError("An account needs an e-mail address.", code="email_required")
    user_new_check(username=username, email=email)
    user = User(
        username=username,
        email=email,
        is_agent=is_agent,
        is_staff=is_staff,
        is_superuser=is_superuser,
        team_member=True,  # whoever made the account vouches for it
    )
    user.display_name = names.display_name_clean(display_name, user=user)
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean()
    user.save()
    User.objects.email_vouch(user)
    for hook in hooks.after_user_create:  # notifications: tell the creator
        hook(user=user, creator=creator if tell_creator else None)
    if is_agent:
        for agent_hook in hooks.after_agent_change:  # the desk: the agent's profile
            agent_hook(user=user)
    return user


@transaction.atomic
def user_agent_set(*, user: User, is_agent: bool) -> User:
    """Make someone an agent, or stop them being one, from any door (the Django admin's
    tick box included). The desk's hooks give a new agent a profile, so auto-assignment
    finds them, and send a former agent's open tickets back to the queue. A former agent's
    tokens and sockets end, as a former admin's do: their open tabs heard the desk's frames."""
    was_agent = user.is_agent
    User.objects.filter(pk=user.pk).update(is_agent=is_agent)
    user.is_agent = is_agent
    if was_agent and not is_agent:
        user_access_revoke(user=user, reason="role_changed")
    for hook in hooks.after_agent_change:
        hook(user=user)
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str | None, request: HttpRequest | None) -> User:
    """Set a password from a door that is not allauth's own pages (a new agent's welcome link,
    the admin site's password page): checked by the site's password rules, stored by allauth's
    adapter, and finished as allauth finishes a password reset. Its ``password_reset`` signal
    runs every receiver a reset runs (accounts.signals ends the person's refresh tokens and
    sockets; their other browser sessions end at their next request, as the stored password
    no longer matches theirs), and allauth's notification e-mail goes out when the site sends
    those. ``None`` takes the password away (log-in by code or a social account only), ending
    access the same way. Raises ValidationError, changing nothing, for a password the rules
    refuse."""
    if user.is_bot and password is not None:
        raise ValidationError("A bot has no password: it uses API tokens.", code="bot_password")
    if password is not None:
        validate_password(password, user)
    get_adapter().set_password(user, password)
    allauth_signals.password_reset.send(sender=User, request=request, user=user)
    get_adapter().send_notification_mail("account/email/password_reset", user)
    return user


@transaction.atomic
def user_phone_set(*, user: User, phone: str, verified: bool) -> User:
    """Store the person's mobile number (allauth's phone flows, through accounts.adapter). A
    verified number is the person's alone: an unverified claim of the same number by anyone
    else (a typo, a squatter) is dropped, so it never blocks its owner, who takes it by
    entering the code."""
    User.objects.filter(phone=phone, phone_verified=False).exclude(pk=user.pk).update(phone=None)
    User.objects.filter(pk=user.pk).update(phone=phone, phone_verified=verified)
    user.phone, user.phone_verified = phone, verified
    return user


def user_staff_check(*, user: User, is_staff: bool, actor: User | None) -> None:
    """Who may make or unmake an admin (also run by the admin's form before it submits):
    a superuser, or the operator on the command line (``actor`` None); never on themselves,
    so that nobody locks themselves out of the admin site."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only superusers make or unmake admins.")
    if actor is not None and actor.pk == user.pk and not is_staff:
        raise ValidationError("You cannot take away your own admin rights.", code="own_staff")


@transaction.atomic
def user_staff_set(*, user: User, is_staff: bool, actor: User | None) -> User:
    """Make someone an admin (staff), or stop them being one, from any door. A former admin's
    tokens and sockets end: what they opened as an admin (the agents' queue, other people's
    tickets) must not outlive the right."""
    user_staff_check(user=user, is_staff=is_staff, actor=actor)
    if user.is_staff != is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=is_staff)
        user.is_staff = is_staff
        if not is_staff:
            user_access_revoke(user=user, reason="role_changed")
    return user


def user_superuser_check(*, user: User, is_superuser: bool, actor: User | None) -> None:
    """Who may make or unmake a superuser (every right in the admin site): as for admins, a
    superuser or the operator, never on themselves."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only superusers make or unmake superusers.")
    if actor is not None and actor.pk == user.pk and user.is_superuser != is_superuser:
        raise ValidationError("You cannot change your own superuser status.", code="own_superuser")


@transaction.atomic
def user_superuser_set(*, user: User, is_superuser: bool, actor: User | None) -> User:
    """Make someone a superuser, or stop them being one, from any door."""
    user_superuser_check(user=user, is_superuser=is_superuser, actor=actor)
    if user.is_superuser != is_superuser:
        User.objects.filter(pk=user.pk).update(is_superuser=is_superuser)
        user.is_superuser = is_superuser
    return user


def user_email_check(*, user: User, email: str, actor: User | None) -> None:
    """The rules for a new address of an existing account (also run by the admin's form).
    Who: staff, or the operator (``actor`` None); a staff member who is not a superuser
    changes only customers' and agents' addresses, never an admin's nor their own (a
    password reset to an address of their choosing would hand them that account).
    What: a valid address no other account has, nor has confirmed as one of its addresses
    (in any case); none at all only when a verified mobile number remains a way in."""
    if actor is not None and not actor.is_staff:
        raise PermissionDenied("Only staff change people's e-mail addresses.")
    if actor is not None and not actor.is_superuser:
        if actor.pk == user.pk:
            raise PermissionDenied("Change your own address on your account's e-mail page.")
        if user.is_staff or user.is_superuser:
            raise PermissionDenied("Only superusers change an admin's e-mail address.")
    if not email:
        if not (user.phone and user.phone_verified):
            raise ValidationError(
                "An account without a verified mobile number needs an e-mail address.",
                code="email_required",
            )
        return
    validate_email(email)
    if _email_taken(email=email, user=user):
        raise ValidationError("That e-mail address is taken.", code="email_taken")


@transaction.atomic
def user_email_change(*, user: User, email: str, actor: User | None) -> User:
    """Staff (``actor``) or the operator (None) change someone's e-mail address.

    The operator vouches for the new address (confirmed and primary, as at creation), and
    every other address stops being the account's; so it is when the account had already
    confirmed the new address. Staff do not vouch: the new address becomes the account's
    primary one unconfirmed, and allauth's confirmation e-mail goes to it. Until its owner
    confirms it, it speaks for nobody (tickets by e-mail from it match nobody), while the
    confirmed addresses the account had stay, so the person still logs in and writes in from
    them; once it is confirmed they go (user_email_confirmed)."""
    email = email.strip()
    user_email_check(user=user, email=email, actor=actor)
    if (user.email or "") == email:
        return user
    User.objects.filter(pk=user.pk).update(email=email or None)
    user.email = email or None
    EmailChange.objects.filter(user=user).delete()
    proven = EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    if actor is None or not email or proven:
        EmailAddress.objects.filter(user=user).exclude(email__iexact=email).delete()
        if email:
            EmailAddress.objects.filter(user=user).update(verified=True, primary=True)
            User.objects.email_vouch(user)
        return user
    # Claims nobody proved go; confirmed addresses stay until the new one is confirmed.
    EmailAddress.objects.filter(user=user, verified=False).delete()
    EmailAddress.objects.filter(user=user).update(primary=False)
    address = EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    EmailChange.objects.create(user=user, email=email)
    transaction.on_commit(lambda: address.send_confirmation(request=None))
    return user


@transaction.atomic
def user_email_confirmed(*, address: EmailAddress) -> None:
    """Someone confirmed an address (allauth's link). When it is the one staff gave their
    account, the account's other addresses go, as they would have at once had staff vouched."""
    change = EmailChange.objects.filter(user_id=address.user_id, email__iexact=address.email)
    if change.exists():
        EmailAddress.objects.filter(user_id=address.user_id).exclude(pk=address.pk).delete()
        change.delete()


def tour_finish(*, user: User) -> None:
    """The person finished or skipped the guided tour: it is not shown again."""
    User.objects.filter(pk=user.pk).update(tour_done_at=timezone.now())


def tour_restart(*, user: User) -> None:
    """Show the guided tour again on the next dashboard (the user menu's "Take the tour")."""
    User.objects.filter(pk=user.pk).update(tour_done_at=None)


def user_theme_set(*, user: User, theme: str) -> User:
    """The colour mode picked in the user menu: light, dark or auto (the system's). Remembered
    for the person, on every device; base.html renders it into ``<html data-bs-theme>``."""
    if theme not in Theme.values:
        raise ValidationError({"theme": "Choose light, dark or auto."}, code="invalid")
    user.theme = theme
    User.objects.filter(pk=user.pk).update(theme=theme)
    return user
