"""Keyset paging, the one way lists are paged (never OFFSET): one query of limit + 1 rows.
core.api reads the paging parameters of a JSON door."""

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def take(queryset: QuerySet[M], limit: int) -> tuple[list[M], bool]:
    """The first ``limit`` rows, and whether there are more."""
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def keyset_page(
    queryset: QuerySet[M], *, key: str, start: Any, limit: int, descending: bool = False
) -> tuple[list[M], Any]:
    """Rows strictly after ``start`` in ``key`` order (before it when ``descending``).
    Returns the page and the ``start`` of the next page, or None at the end."""
    if start is not None:
        queryset = queryset.filter(**{f"{key}__{'lt' if descending else 'gt'}": start})
    page, more = take(queryset.order_by(f"-{key}" if descending else key), limit)
    return page, (getattr(page[-1], key) if more and page else None)
