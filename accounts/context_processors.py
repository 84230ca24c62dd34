from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site_name(request: HttpRequest) -> dict[str, Any]:
    """``site_name`` for page titles and the navigation bar (UCHAT_SITE_NAME)."""
    return {"site_name": settings.UCHAT_SITE_NAME}
