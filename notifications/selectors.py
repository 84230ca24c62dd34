from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification

UNREAD_CAP = 100


def unread_count(*, user: User) -> int:
    """Capped, like room unread counts: the badge shows "99+" rather than counting everything."""
    return len(
        Notification.objects.filter(user=user, read_at__isnull=True).values_list("id", flat=True)[
            :UNREAD_CAP
        ]
    )


def notifications_for_user(
    *, user: User, start: int | None = None, limit: int = 20
) -> tuple[list[Notification], int | None]:
    """Newest first; ``start`` is the id of the last one already seen (keyset). Returns the
    page and the ``start`` for the next page (None at the end)."""
    notifications: QuerySet[Notification] = Notification.objects.filter(user=user)
    if start is not None:
        notifications = notifications.filter(id__lt=start)
    page = list(notifications.order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].pk if more and page else None)
