"""The site's identity (name and domain) in the Site row that allauth's e-mails read."""

from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site


def site_domain() -> str:
    """UCHAT_SITE_URL's host (and port): "chat.example.com", "127.0.0.1:8000"."""
    return urlsplit(settings.UCHAT_SITE_URL).netloc or "localhost"


def email_sender() -> str:
    """The From of every e-mail: DEFAULT_FROM_EMAIL, named after the site when it names no one."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((name or settings.UCHAT_SITE_NAME, address))


def email_subject(subject: str) -> str:
    """Every e-mail's subject starts with the site's name, as allauth's do."""
    return f"[{settings.UCHAT_SITE_NAME}] {subject}"


def site_identity_sync(site_model: type[Site] = Site) -> Site:
    """Write UCHAT_SITE_NAME and UCHAT_SITE_URL's domain to the Site row; idempotent. Called by
    the data migration (with the historical model) and after every migrate."""
    site, _ = site_model.objects.update_or_create(
        pk=settings.SITE_ID,
        defaults={"name": settings.UCHAT_SITE_NAME[:50], "domain": site_domain()[:100]},
    )
    Site.objects.clear_cache()
    return site
