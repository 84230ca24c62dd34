from django.conf import settings

from accounts.models import User
from core.paging import keyset_page
from notifications.models import Notification


def unread_count(*, user: User) -> int:
    """Capped, like room unread counts: the badge shows "99+" rather than counting everything."""
    return len(
        Notification.objects.filter(user=user, read_at__isnull=True).values_list("id", flat=True)[
            : settings.UCHAT_UNREAD_CAP
        ]
    )


def notifications_for_user(
    *, user: User, start: int | None = None, limit: int = 20
) -> tuple[list[Notification], int | None]:
    """Newest first; ``start`` is the id of the last one already seen (keyset). Returns the
    page and the ``start`` for the next page (None at the end)."""
    return keyset_page(
        Notification.objects.filter(user=user), key="pk", start=start, limit=limit, descending=True
    )
