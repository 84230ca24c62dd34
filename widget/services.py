"""Every write of the widget: widgets, visitors' sessions and tokens, the rating, the claim
on sign-up. Views, API views, the command and the admin call these (docs/widget.md)."""

import hashlib
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from accounts import names
from accounts.models import User
from accounts.services import user_access_revoke
from core.cache import window_counts
from core.client_address import address_key
from rooms import services as engine
from tickets import services as desk
from tickets.models import Feedback, Ticket
from tickets.services import hours
from widget.models import Visitor, Widget

TOKEN_PREFIX = "uw_"  # noqa: S105  (a marker of the widget's tokens, not a secret)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limit(key: str, limit: int, window: int, message: str) -> None:
    slot = int(timezone.now().timestamp() // window)
    if window_counts([f"uchat:rate:widget:{key}:{slot}"], window + 1)[0] > limit:
        raise ValidationError(message, code="rate_limited")


@transaction.atomic
def widget_create(*, actor: User | None, **fields: Any) -> Widget:
    """An admin (``actor``; None: the operator on the command line) creates a widget."""
    if actor is not None and not actor.is_staff:
        raise PermissionDenied("Only admins create widgets.")
    widget = Widget(**fields)
    widget.full_clean()
    widget.save()
    return widget


@transaction.atomic
def widget_update(*, actor: User, widget: Widget, **fields: Any) -> Widget:
    """Change a widget. Turning it off ends its visitors' tokens and sockets."""
    if not actor.is_staff:
        raise PermissionDenied("Only admins change widgets.")
    widget = Widget.objects.select_for_update().get(pk=widget.pk)
    for name, value in fields.items():
        setattr(widget, name, value)
    widget.full_clean()
    widget.save()
    if not widget.is_active:
        visitors_revoke(widget=widget)
    return widget


def visitors_revoke(*, widget: Widget | None = None, visitors: Any = None) -> int:
    """End the tokens of a widget's visitors (or of ``visitors``); their sockets close."""
    found = Visitor.objects.filter(revoked_at__isnull=True).select_related("user")
    found = found.filter(widget=widget) if widget is not None else found.filter(pk__in=visitors)
    rows = list(found)
    Visitor.objects.filter(pk__in=[v.pk for v in rows]).update(revoked_at=timezone.now())
    for visitor in rows:
        user_access_revoke(user=visitor.user, reason="widget")
    return len(rows)


def widget_delete(*, actor: User, widget: Widget) -> None:
    """Delete a widget: its tokens end; the tickets stay (their customers are the visitors)."""
    if not actor.is_staff:
        raise PermissionDenied("Only admins delete widgets.")
    with transaction.atomic():
        visitors_revoke(widget=widget)
        widget.delete()


def _page_clean(page: str) -> str:
    """The page the visitor was on, when it is an http(s) URL: "" for anything else."""
    try:
        parts = urlsplit(page.strip())
        hostname = parts.hostname
    except ValueError:  # "http://[": not a URL
        return ""
    if parts.scheme not in ("http", "https") or not hostname:
        return ""
    return page.strip()[:500]


def session_create(
    *,
    widget: Widget,
    origin: str | None,
    ip: str,
    name: str = "",
    email: str = "",
    page: str = "",
    timezone_name: str = "",
    user_agent: str = "",
    honeypot: str = "",
) -> tuple[Visitor, str]:
    """A visitor starts a chat: a visitor account, its ticket (``source="widget"``) and a
    token, returned once (only its hash is kept). Refused (PermissionDenied) for an origin
    the widget does not list or a widget turned off; the honeypot filled in is refused as
    a bot would be, with nothing stored. Limits: UCHAT_WIDGET_SESSIONS_PER_HOUR per address
    and UCHAT_WIDGET_SESSIONS_PER_HOUR_PER_WIDGET per widget."""
    if not widget.is_active or not widget.allows(origin):
        raise PermissionDenied("This website may not use this chat widget.")
    if honeypot:
        raise ValidationError("This form was not filled in by a person.", code="honeypot")
    name, email = " ".join(name.split())[:80], email.strip()
    if widget.pre_chat_form and (not name or not email):
        raise ValidationError({"email": "Your name and e-mail address, please."})
    _limit(
        f"ip:{address_key(ip, ipv6_prefix=48)}", settings.UCHAT_WIDGET_SESSIONS_PER_HOUR, 3600,
        "Many chats were started from your network in the last hour. Try again later.",
    )  # fmt: skip
    _limit(
        f"widget:{widget.pk}", settings.UCHAT_WIDGET_SESSIONS_PER_HOUR_PER_WIDGET, 3600,
        "This chat is very busy. Try again in a while.",
    )  # fmt: skip
    token = TOKEN_PREFIX + get_random_string(40)
    with transaction.atomic():
        user = User(username=f"visitor-{get_random_string(12).lower()}", email=None)
        user.display_name = names.display_name_clean(name, user=user) or "Visitor"
        user.set_unusable_password()
        user.full_clean()
        user.save()
        page = _page_clean(page)
        place = urlsplit(page).hostname or widget.name
        ticket = desk.ticket_open(
            customer=user,
            subject=f"Chat on {place}"[:150],
            description=f"A chat started on {page or widget.name} through the widget "
            f"“{widget.name}”.",
            category=widget.category,
            priority=widget.priority,
            source=Ticket.Source.WIDGET,
        )
        visitor = Visitor(
            widget=widget,
            user=user,
            ticket=ticket,
            token_hash=_hash(token),
            name=name,
            email=email,
            page=page,
            user_agent=user_agent[:300],
            time_zone=timezone_name[:64],
            ip=ip or None,
            expires_at=timezone.now() + timedelta(days=settings.UCHAT_WIDGET_TOKEN_DAYS),
        )
        visitor.full_clean()
        visitor.save()
    return visitor, token


def visitor_for_token(*, widget_key: str | None, token: str) -> Visitor | None:
    """The visitor a token names, while it holds: not expired, not revoked, its widget on
    (and the one named, when ``widget_key`` is given), its account active."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    visitor = (
        Visitor.objects.select_related("widget", "user", "ticket")
        .filter(token_hash=_hash(token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if visitor is None or not visitor.widget.is_active or not visitor.user.is_active:
        return None
    if widget_key is not None and visitor.widget.key != widget_key:
        return None
    return visitor


def visitor_message_check(*, visitor: Visitor) -> None:
    """UCHAT_WIDGET_MESSAGES_PER_MINUTE per visitor, and
    UCHAT_WIDGET_MESSAGES_PER_MINUTE_PER_WIDGET for all of a widget's visitors."""
    _limit(
        f"msg:{visitor.pk}", settings.UCHAT_WIDGET_MESSAGES_PER_MINUTE, 60,
        "You are sending messages too fast. Wait a moment.",
    )  # fmt: skip
    _limit(
        f"msgw:{visitor.widget_id}", settings.UCHAT_WIDGET_MESSAGES_PER_MINUTE_PER_WIDGET, 60,
        "This chat is very busy. Try again in a moment.",
    )  # fmt: skip


def visitor_rate(*, visitor: Visitor, rating: int, comment: str = "") -> Feedback:
    """The rating given in the widget, at resolution: the ticket's own feedback."""
    if visitor.ticket is None:
        raise ValidationError("There is no conversation to rate.", code="not_resolved")
    return desk.ticket_feedback_give(
        ticket=visitor.ticket, rating=rating, comment=comment, by=visitor.user
    )


def hours_state(*, widget: Widget, at: datetime | None = None) -> tuple[bool, datetime | None]:
    """Whether the team is away now by the widget's calendar (else the desk's), and when it is
    back (None: open, no calendar, or no opening ahead)."""
    calendar = (
        hours.calendar_get(widget.calendar_id)
        if widget.calendar_id is not None
        else hours.desk_calendar()
    )
    now = at or timezone.now()
    if calendar is None or hours.is_open(calendar, now):
        return False, None
    return True, hours.next_open(calendar, now)


@transaction.atomic
def visitor_tickets_claim(*, user: User, email: str) -> int:
    """``user`` confirmed ``email``: the tickets of the widget visitors who gave that address
    become theirs (the customer moves to the account, which joins each conversation), and
    those visitors' tokens end, so the browser that typed the address sees no more of them.
    Only a confirmed address claims (allauth's email_confirmed); staff and agents claim
    nothing (their address must not pull customers' chats into the desk's accounts)."""
    if user.is_staff or user.is_agent or not user.is_active or not email:
        return 0
    visitors = list(
        Visitor.objects.select_related("ticket__conversation", "user").filter(
            email__iexact=email, claimed_by__isnull=True
        )
    )
    moved = 0
    for visitor in visitors:
        ticket = visitor.ticket
        if ticket is not None and ticket.customer_id == visitor.user_id:
            Ticket.objects.filter(pk=ticket.pk).update(customer=user)
            engine.members_add(
                conversation=ticket.conversation, actor=user, users=[user], notify=False
            )
            moved += 1
    Visitor.objects.filter(pk__in=[v.pk for v in visitors]).update(claimed_by=user)
    visitors_revoke(visitors=[v.pk for v in visitors])
    return moved


def visitor_mail_address(*, user: User) -> str | None:
    """tickets.hooks: the address a visitor gave, for the desk's e-mails to them (agents'
    replies while they are away). None for anyone else, and once claimed."""
    visitor = Visitor.objects.filter(
        user=user, claimed_by__isnull=True, revoked_at__isnull=True
    ).first()
    return visitor.email or None if visitor is not None else None


def visitor_mail_sender(*, ticket: Ticket, sender: str) -> User | None:
    """tickets.hooks: an e-mail reply to a widget ticket's signed reply address from the
    address its visitor gave speaks for that visitor."""
    if ticket.customer_id is None:
        return None
    visitor = (
        Visitor.objects.select_related("user")
        .filter(
            ticket=ticket,
            user_id=ticket.customer_id,
            claimed_by__isnull=True,
            revoked_at__isnull=True,
        )
        .first()
    )
    if visitor is None or not visitor.email or visitor.email.lower() != sender.lower():
        return None
    return visitor.user
