"""Business hours (tickets.services.hours): the calendar arithmetic, table-driven, and SLA due
times that count only open hours."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from tickets.models import BusinessHours, BusinessInterval, Holiday, SlaPolicy, Ticket
from tickets.services import hours
from tickets.services.hours import add_business_minutes, is_open, next_open
from tickets.services.sla import sla_start

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def local(text: str) -> datetime:
    """'2026-12-07 09:00' in Berlin, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def calendar_make(
    intervals: dict[int, list[tuple[str, str]]],
    holidays: tuple[date, ...] = (),
    *,
    default: bool = True,
    name: str = "Office",
) -> BusinessHours:
    calendar = BusinessHours.objects.create(
        name=name, time_zone="Europe/Berlin", is_default=default
    )
    for weekday, spans in intervals.items():
        for start, end in spans:
            BusinessInterval.objects.create(
                calendar=calendar, weekday=weekday, start=time.fromisoformat(start),
                end=time.fromisoformat(end),
            )  # fmt: skip
    for day in holidays:
        Holiday.objects.create(calendar=calendar, date=day, name="Holiday")
    return hours.calendar_get(calendar.pk)  # type: ignore[return-value]


WEEKDAYS = {d: [("09:00", "12:00"), ("13:00", "17:00")] for d in range(5)}  # Mon-Fri, lunch


@pytest.fixture
def office() -> BusinessHours:
    # 2026-12-07 is a Monday; 2026-12-25 (Friday) a holiday.
    return calendar_make(WEEKDAYS, holidays=(date(2026, 12, 25),))


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-12-07 08:59", False),
        ("2026-12-07 09:00", True),  # the start is open
        ("2026-12-07 11:59", True),
        ("2026-12-07 12:00", False),  # the end is not
        ("2026-12-07 12:30", False),  # lunch
        ("2026-12-07 13:00", True),
        ("2026-12-07 17:00", False),
        ("2026-12-05 10:00", False),  # Saturday
        ("2026-12-25 10:00", False),  # holiday
        ("2026-12-24 10:00", True),  # its eve
    ],
)
def test_is_open(office: BusinessHours, at: str, expected: bool) -> None:
    assert is_open(office, local(at)) is expected


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-12-07 10:00", "2026-12-07 10:00"),  # open: now
        ("2026-12-07 07:00", "2026-12-07 09:00"),
        ("2026-12-07 12:00", "2026-12-07 13:00"),
        ("2026-12-04 17:00", "2026-12-07 09:00"),  # Friday's close -> Monday
        ("2026-12-05 12:00", "2026-12-07 09:00"),  # across the weekend
        ("2026-12-24 17:30", "2026-12-28 09:00"),  # holiday Friday, then the weekend
    ],
)
def test_next_open(office: BusinessHours, at: str, expected: str) -> None:
    assert next_open(office, local(at)) == local(expected)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        ("2026-12-07 09:00", 60, "2026-12-07 10:00"),
        ("2026-12-07 11:00", 60, "2026-12-07 12:00"),  # ends on the close: the close
        ("2026-12-07 11:30", 60, "2026-12-07 13:30"),  # skips lunch
        ("2026-12-07 07:00", 30, "2026-12-07 09:30"),  # raised before opening
        ("2026-12-04 16:00", 120, "2026-12-07 10:00"),  # Friday to Monday (the weekend)
        ("2026-12-05 10:00", 60, "2026-12-07 10:00"),  # raised on Saturday
        ("2026-12-24 16:30", 60, "2026-12-28 09:30"),  # the holiday and the weekend
        ("2026-12-07 09:00", 7 * 60 * 5, "2026-12-11 17:00"),  # a whole working week
        ("2026-12-07 09:00", 0, "2026-12-07 09:00"),
    ],
)
def test_add_business_minutes(
    office: BusinessHours, start: str, minutes: int, expected: str
) -> None:
    assert add_business_minutes(office, local(start), minutes) == local(expected)


def test_dst_changes_count_real_minutes() -> None:
    """Open round the clock on Sundays: 2026-03-29 (spring forward) has 23 hours, 2026-10-25
    (fall back) 25; minutes are real minutes, whatever the wall clock says."""
    calendar = calendar_make({6: [("00:00", "00:00")]})
    spring = add_business_minutes(calendar, local("2026-03-29 00:00"), 23 * 60)
    assert spring == datetime(2026, 3, 29, 22, 0, tzinfo=UTC) == local("2026-03-30 00:00")
    autumn = add_business_minutes(calendar, local("2026-10-25 00:00"), 25 * 60)
    assert autumn == datetime(2026, 10, 25, 23, 0, tzinfo=UTC) == local("2026-10-26 00:00")
    # 01:30-03:30 local on the spring day is one real hour.
    assert add_business_minutes(calendar, local("2026-03-29 01:30"), 60) == local(
        "2026-03-29 03:30"
    )
    # The day after is closed: a minute past the day's end lands next Sunday.
    assert add_business_minutes(calendar, local("2026-03-29 00:00"), 23 * 60 + 1) == local(
        "2026-04-05 00:01"
    )


def test_night_shift_across_midnight_is_one_span() -> None:
    calendar = calendar_make({0: [("22:00", "00:00")], 1: [("00:00", "06:00")]})
    assert is_open(calendar, local("2026-12-07 23:59"))
    assert is_open(calendar, local("2026-12-08 00:00"))
    assert add_business_minutes(calendar, local("2026-12-07 23:00"), 120) == local(
        "2026-12-08 01:00"
    )
    assert next_open(calendar, local("2026-12-08 06:00")) == local("2026-12-14 22:00")


def test_overlapping_intervals_of_one_day_join() -> None:
    calendar = calendar_make({0: [("09:00", "12:00"), ("11:00", "14:00")]})
    assert add_business_minutes(calendar, local("2026-12-07 09:00"), 300) == local(
        "2026-12-07 14:00"
    )


def test_no_calendar_or_no_intervals_is_always_open() -> None:
    empty = calendar_make({})
    at = local("2026-12-05 03:00")
    assert is_open(None, at)
    assert is_open(empty, at)
    assert next_open(None, at) == at == next_open(empty, at)
    assert add_business_minutes(empty, at, 90) == local("2026-12-05 04:30")


def test_calendar_validation() -> None:
    with pytest.raises(ValidationError) as caught:
        BusinessHours(name="Mars", time_zone="Mars/Olympus").full_clean()
    assert "time_zone" in caught.value.message_dict
    with pytest.raises(ValidationError):
        BusinessHours(name="Path", time_zone="../../etc/passwd").full_clean()
    calendar = calendar_make({}, name="Check")
    with pytest.raises(ValidationError) as caught:
        BusinessInterval(calendar=calendar, weekday=0, start=time(17), end=time(9)).full_clean()
    assert "end" in caught.value.message_dict
    BusinessInterval(calendar=calendar, weekday=0, start=time(17), end=time(0)).full_clean()
    with pytest.raises(ValidationError):
        BusinessInterval(calendar=calendar, weekday=7, start=time(9), end=time(10)).full_clean()


def test_desk_calendar_is_the_default_one(office: BusinessHours) -> None:
    calendar_make({}, default=False, name="Other")
    assert hours.desk_calendar() == office


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-12-07 10:00", ""),
        ("2026-12-07 08:00", "The team is back today at 09:00 (Europe/Berlin)."),
        ("2026-12-07 18:00", "The team is back tomorrow at 09:00 (Europe/Berlin)."),
        ("2026-12-05 10:00", "The team is back on Monday 7 December at 09:00 (Europe/Berlin)."),
    ],
)
def test_opening_text(office: BusinessHours, at: str, expected: str) -> None:
    assert hours.opening_text(office, local(at)) == expected


def test_sla_due_times_count_business_hours(office: BusinessHours, ticket: Ticket) -> None:
    """A policy with business_hours_only: a ticket raised on Friday afternoon is due on
    Monday; without it, plain minutes; a policy naming its own calendar uses that one."""
    SlaPolicy.objects.update_or_create(
        priority=ticket.priority,
        defaults={"first_response_minutes": 120, "resolution_minutes": 600,
                  "business_hours_only": True},
    )  # fmt: skip
    friday = local("2026-12-04 16:00")
    sla_start(ticket, friday, first_response=True)
    assert ticket.first_response_due == local("2026-12-07 10:00")
    # 10 open hours: Friday's last hour, Monday's 7, Tuesday's first 2.
    assert ticket.resolution_due == local("2026-12-08 11:00")
    weekend = calendar_make({5: [("10:00", "11:00")]}, default=False, name="Weekend")
    SlaPolicy.objects.filter(priority=ticket.priority).update(calendar=weekend)
    sla_start(ticket, friday, first_response=True)
    assert ticket.first_response_due == local("2026-12-12 11:00")  # two Saturdays
    SlaPolicy.objects.filter(priority=ticket.priority).update(business_hours_only=False)
    sla_start(ticket, friday, first_response=True)
    assert ticket.first_response_due == local("2026-12-04 18:00")
    # Reopening sets the resolution's due time again, from the reopening on, in open hours.
    SlaPolicy.objects.filter(priority=ticket.priority).update(
        business_hours_only=True, calendar=None
    )
    sla_start(ticket, local("2026-12-05 09:00"), first_response=False)
    assert ticket.first_response_due == local("2026-12-04 18:00")
    assert ticket.resolution_due == local("2026-12-08 12:00")  # Monday 7 h, Tuesday 3


def test_acknowledgement_says_when_the_team_is_back(
    customer, settings, django_capture_on_commit_callbacks
) -> None:
    """Outside the desk's hours the acknowledgement names the next opening; inside, not."""
    from django.core import mail
    from django.utils import timezone

    from tickets import services

    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    # Open only three days from now: closed now whatever the day.
    later = (timezone.now().astimezone(BERLIN).weekday() + 3) % 7
    calendar = calendar_make({later: [("09:00", "10:00")]})

    def acknowledgement() -> str:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_open(customer=customer, subject="Noise", description="A noise.")
        return str(next(m for m in mail.outbox if m.to == ["carla@example.com"]).body)

    closed = acknowledgement()
    assert "The team is back on " in closed
    assert "at 09:00 (Europe/Berlin). An agent will answer then." in closed
    BusinessInterval.objects.filter(calendar=calendar).update(
        weekday=timezone.now().astimezone(BERLIN).weekday(), start=time(0), end=time(0)
    )
    opened = acknowledgement()
    assert "The team is back" not in opened
    assert "An agent will be assigned to it shortly." in opened


def test_admin_edits_a_calendar_with_inline_intervals_and_holidays(admin_client) -> None:
    def form(zone: str) -> dict[str, str]:
        data = {"name": "Berlin office", "time_zone": zone, "is_default": "on"}
        for prefix, rows in (("intervals", [("0", "09:00", "17:00")]), ("holidays", [])):
            data |= {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
            for i, (weekday, start, end) in enumerate(rows):
                data |= {f"{prefix}-{i}-weekday": weekday, f"{prefix}-{i}-start": start,
                         f"{prefix}-{i}-end": end}  # fmt: skip
        return data

    url = "/admin/tickets/businesshours/add/"
    assert admin_client.get(url).status_code == 200
    refused = admin_client.post(url, form("Atlantis/Capital"))
    assert refused.status_code == 200
    assert "Unknown time zone." in refused.content.decode()
    assert not BusinessHours.objects.exists()
    assert admin_client.post(url, form("Europe/Berlin")).status_code == 302
    calendar = BusinessHours.objects.get()
    assert [str(i) for i in calendar.intervals.all()] == ["Monday 09:00-17:00"]
    page = admin_client.get(f"/admin/tickets/businesshours/{calendar.pk}/change/")
    assert "Holidays" in page.content.decode()
