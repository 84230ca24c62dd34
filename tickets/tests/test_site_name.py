"""UCHAT_SITE_NAME everywhere a person reads the site's name (issue 26, B4)."""

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from tickets import services


@pytest.fixture
def acme(settings):
    settings.UCHAT_SITE_NAME = "Acme Help"
    settings.DEFAULT_FROM_EMAIL = "noreply@acme.test"


def test_pages_name_the_site(acme, client, db):
    landing = client.get("/").content.decode()
    assert ">Acme Help</a>" in landing  # the navigation bar
    assert ">Acme Help</h1>" in landing
    client.force_login(UserFactory())
    feedback = client.get("/feedback/").content.decode()
    assert "make Acme Help better" in feedback
    assert "U CHAT" not in landing + feedback
    assert "uchat" not in feedback.replace("/static/css/uchat.css", "")


def test_feedback_about_the_site_reaches_the_admins_under_its_name(acme, customer, staff):
    services.platform_feedback_give(author=customer, topic="idea", body="Dark mode, please")
    assert Notification.objects.get(user=staff).title == "Feedback about Acme Help from Carla"


def test_ticket_e_mails_and_the_agent_invitation_name_the_site(
    acme, ticket, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_status_set(ticket=ticket, actor=ticket.customer, status="closed")
        services.agent_create(creator=None, username="newagent", email="newagent@example.com")
    assert len(mail.outbox) >= 2
    for message in mail.outbox:
        assert isinstance(message, EmailMultiAlternatives)
        html = str(message.alternatives[0][0])
        assert "Acme Help" in message.body
        assert "Acme Help" in html
        assert "uchat" not in f"{message.subject} {message.body} {html}".lower()
        assert message.from_email == "Acme Help <noreply@acme.test>"
    subjects = {m.subject for m in mail.outbox}
    assert "[Acme Help] You are an agent on Acme Help" in subjects  # the invitation


def test_a_sender_with_a_name_keeps_it(acme, settings, ticket, django_capture_on_commit_callbacks):
    settings.DEFAULT_FROM_EMAIL = "Acme Care <care@acme.test>"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_status_set(ticket=ticket, actor=ticket.customer, status="closed")
    assert {m.from_email for m in mail.outbox} == {"Acme Care <care@acme.test>"}
