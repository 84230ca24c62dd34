"""Business hours: when the desk is open, by a BusinessHours calendar (weekly intervals in its
time zone, minus holidays). The arithmetic runs on real instants: each local interval becomes
a pair of aware datetimes in the calendar's zone (so a day with a DST change has 23 or 25
hours), adjacent intervals join (a night shift across midnight is one span), and minutes are
counted between instants. No calendar (None) means always open."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from tickets.models import BusinessHours

# How far ahead to look for the next opening: a calendar closed for longer than this (every
# interval deleted but one on a day that is always a holiday) counts as never opening.
HORIZON_DAYS = 400

Span = tuple[datetime, datetime]


def desk_calendar() -> BusinessHours | None:
    """The desk's calendar (the one marked default); None: the desk is always open."""
    return _calendars().filter(is_default=True).first()


def calendar_get(calendar_id: int) -> BusinessHours | None:
    return _calendars().filter(pk=calendar_id).first()


def _calendars() -> QuerySet[BusinessHours]:
    return BusinessHours.objects.prefetch_related("intervals", "holidays")


def is_open(calendar: BusinessHours | None, at: datetime) -> bool:
    if calendar is None:
        return True
    week = _Week(calendar)
    if week.always_open:
        return True
    for start, end in week.spans(at - timedelta(days=1)):
        if start > at:
            return False
        if at < end:
            return True
    return False


def next_open(calendar: BusinessHours | None, at: datetime) -> datetime | None:
    """``at`` itself when open then; else when the desk next opens (None: not within a year)."""
    if calendar is None:
        return at
    week = _Week(calendar)
    if week.always_open:
        return at
    for start, end in week.spans(at - timedelta(days=1)):
        if end > at:
            return max(start, at)
    return None


def add_business_minutes(calendar: BusinessHours | None, start: datetime, minutes: int) -> datetime:
    """The instant ``minutes`` open minutes after ``start``. A span that ends exactly when
    the minutes run out gives its end (the due time is the close, not the next opening).
    A calendar that never opens again falls back to plain minutes rather than no due time."""
    start = start.astimezone(UTC)  # aware arithmetic in a zone would count wall-clock time
    if calendar is None or minutes <= 0:
        return start + timedelta(minutes=max(minutes, 0))
    week = _Week(calendar)
    if week.always_open:
        return start + timedelta(minutes=minutes)
    left = timedelta(minutes=minutes)
    for span_start, span_end in week.spans(start - timedelta(days=1)):
        if span_end <= start:
            continue
        begin = max(span_start, start)
        if span_end - begin >= left:
            return begin + left
        left -= span_end - begin
    return start + timedelta(minutes=minutes)


def opening_text(calendar: BusinessHours | None, at: datetime) -> str:
    """ "" when open at ``at``; else the customer's "The team is back on Monday at 09:00
    (Europe/Berlin)." (the auto-reply and the widget say it)."""
    if is_open(calendar, at):
        return ""
    assert calendar is not None
    back = next_open(calendar, at)
    if back is None:
        return "The team is away for now; it will answer as soon as it is back."
    local = back.astimezone(ZoneInfo(calendar.time_zone))
    today = at.astimezone(ZoneInfo(calendar.time_zone)).date()
    if local.date() == today:
        day = "today"
    elif local.date() == today + timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"on {local:%A %-d %B}"
    return f"The team is back {day} at {local:%H:%M} ({calendar.time_zone})."


class _Week:
    """A calendar read once: its intervals by weekday and its holidays."""

    def __init__(self, calendar: BusinessHours) -> None:
        self.zone = ZoneInfo(calendar.time_zone)
        self.by_day: dict[int, list[tuple[time, time]]] = {d: [] for d in range(7)}
        for interval in calendar.intervals.all():
            self.by_day[interval.weekday].append((interval.start, interval.end))
        for day in self.by_day.values():
            day.sort()
        self.holidays = {holiday.date for holiday in calendar.holidays.all()}
        self.always_open = not any(self.by_day.values())

    def _day(self, local: date) -> Iterator[Span]:
        if local in self.holidays:
            return
        for start, end in self.by_day[local.weekday()]:
            # Local wall times to instants: fold=0 picks the first of a repeated hour, and
            # a time in a spring-forward gap lands on its pre-change offset (one hour later
            # in real time), so no span is lost or doubled.
            begin = datetime.combine(local, start, tzinfo=self.zone)
            finish = datetime.combine(
                local + timedelta(days=1) if end == time(0) else local, end, tzinfo=self.zone
            )
            yield begin.astimezone(UTC), finish.astimezone(UTC)

    def spans(self, since: datetime) -> Iterator[Span]:
        """The open spans from the local day of ``since`` on, in order, adjacent ones
        joined, for HORIZON_DAYS."""
        day = since.astimezone(self.zone).date()
        current: Span | None = None
        for offset in range(HORIZON_DAYS):
            for start, end in self._day(day + timedelta(days=offset)):
                if current is not None and start <= current[1]:
                    current = (current[0], max(current[1], end))
                    continue
                if current is not None:
                    yield current
                current = (start, end)
        if current is not None:
            yield current
