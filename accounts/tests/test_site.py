"""The site's identity: UCHAT_SITE_NAME and UCHAT_SITE_URL in every e-mail and page title."""

from django.conf import settings
from django.contrib.sites.models import Site
from django.core import mail

from accounts.site import site_identity_sync


def test_migrations_leave_the_configured_name_and_domain(db):
    site = Site.objects.get_current()
    assert site.name == settings.UCHAT_SITE_NAME
    assert site.name  # B1: "Hello from !"
    assert site.domain == settings.UCHAT_SITE_URL.split("://", 1)[1].rstrip("/")


def test_account_emails_and_page_titles_name_the_site(client, db, settings):
    settings.UCHAT_SITE_NAME = "Acme Help"
    settings.UCHAT_SITE_URL = "https://help.acme.test"
    site_identity_sync()  # what every migrate does at start-up
    assert (Site.objects.get_current().name, Site.objects.get_current().domain) == (
        "Acme Help",
        "help.acme.test",
    )
    client.post(
        "/accounts/signup/",
        {
            "first_name": "Newbie",
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a-long-pass-42",
            "password2": "a-long-pass-42",
        },
    )
    (confirm,) = mail.outbox
    assert confirm.subject.startswith("[Acme Help] ")
    assert "Hello from Acme Help!" in confirm.body
    assert "Thank you for using Acme Help!" in confirm.body
    assert "Hello from !" not in confirm.body
    page = client.get("/accounts/login/").content.decode()
    assert "· Acme Help</title>" in page


def test_sync_is_idempotent(db, settings):
    settings.UCHAT_SITE_NAME = "Desk"
    first = site_identity_sync()
    second = site_identity_sync()
    assert first.pk == second.pk == settings.SITE_ID
    assert Site.objects.count() == 1


def test_every_migrate_brings_the_site_row_in_line(db, settings):
    """bin/run and deploys run migrate at start-up: a changed UCHAT_SITE_NAME takes effect."""
    from django.core.management import call_command

    settings.UCHAT_SITE_NAME = "Renamed Desk"
    settings.UCHAT_SITE_URL = "https://desk.example.test:8443/"
    call_command("migrate", verbosity=0)
    site = Site.objects.get_current()
    assert (site.name, site.domain) == ("Renamed Desk", "desk.example.test:8443")
