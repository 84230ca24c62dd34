"""The live-chat widget: sessions and their limits, tokens, sockets, history, e-mail, the
claim on sign-up, the pages and the command (docs/widget.md)."""

import gzip
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.tests.factories import UserFactory
from rooms import services as engine
from rooms.models import Message
from tickets import mailbox, tokens
from tickets import services as desk
from tickets.models import AutomationRule, Ticket
from uchat.asgi import application
from widget import services
from widget.models import Visitor, Widget

SITE = "https://shop.example"


@pytest.fixture
def widget(db, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    return services.widget_create(actor=None, name="Shop", origins=[SITE, "http://127.0.0.1:8123"])


def start(client, widget, origin=SITE, **body):
    data = {"name": "Vera Visitor", "email": "vera@home.example", "page": f"{SITE}/cart",
            "timezone": "Europe/Paris", **body}  # fmt: skip
    return client.post(
        f"/api/widget/{widget.key}/sessions",
        data,
        content_type="application/json",
        headers={"origin": origin, "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"},
    )


def test_a_listed_website_starts_a_widget_ticket(client, widget):
    answer = start(client, widget)
    assert answer.status_code == 201, answer.content
    assert answer["Access-Control-Allow-Origin"] == SITE
    body = answer.json()
    assert body["token"].startswith("uw_")
    ticket = Ticket.objects.get(pk=body["ticket"])
    assert ticket.conversation_id == body["conversation"]
    visitor = Visitor.objects.get()
    assert visitor.ticket == ticket
    assert ticket.customer == visitor.user
    assert visitor.token_hash != body["token"]
    assert body["token"] not in visitor.token_hash
    assert (visitor.page, visitor.time_zone) == (f"{SITE}/cart", "Europe/Paris")
    assert visitor.user.email is None
    assert not visitor.user.has_usable_password()
    assert getattr(ticket, "source", "widget") == "widget"  # tickets 0007_workflow


def test_an_unlisted_origin_is_refused_and_stores_nothing(client, widget):
    for origin in ("https://evil.example", None):
        answer = start(client, widget, origin=origin) if origin else client.post(
            f"/api/widget/{widget.key}/sessions", {"name": "x", "email": "x@y.example"},
            content_type="application/json",
        )  # fmt: skip
        assert answer.status_code == 403
        assert "Access-Control-Allow-Origin" not in answer
    preflight = client.options(f"/api/widget/{widget.key}/sessions",
                               headers={"origin": "https://evil.example"})  # fmt: skip
    assert "Access-Control-Allow-Origin" not in preflight
    assert (
        client.options(f"/api/widget/{widget.key}/sessions", headers={"origin": SITE})[
            "Access-Control-Allow-Origin"
        ]
        == SITE
    )
    services.widget_update(actor=UserFactory(staff=True), widget=widget, is_active=False)
    assert start(client, widget).status_code == 403
    assert Ticket.objects.count() == 0
    assert Visitor.objects.count() == 0


def test_honeypot_and_missing_fields_are_refused(client, widget):
    assert start(client, widget, website="http://spam.example").status_code == 400
    assert start(client, widget, email="").status_code == 400
    assert start(client, widget, email="not-an-address").status_code == 400
    assert Ticket.objects.count() == 0


def test_sessions_per_address_are_limited(client, widget, settings):
    settings.UCHAT_WIDGET_SESSIONS_PER_HOUR = 2
    assert [start(client, widget).status_code for _ in range(3)] == [201, 201, 429]
    assert Ticket.objects.count() == 2


def test_sessions_per_widget_are_limited(client, widget, settings):
    settings.UCHAT_WIDGET_SESSIONS_PER_HOUR_PER_WIDGET = 1
    assert start(client, widget).status_code == 201
    assert start(client, widget, REMOTE_ADDR="10.0.0.9").status_code in (400, 429)
    assert client.post(
        f"/api/widget/{widget.key}/sessions", {"name": "B", "email": "b@x.example"},
        content_type="application/json", headers={"origin": SITE}, REMOTE_ADDR="10.0.0.9",
    ).status_code == 429  # fmt: skip


def test_the_state_api_needs_the_visitors_token(client, widget):
    token = start(client, widget).json()["token"]
    url = f"/api/widget/{widget.key}/state"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"authorization": "Widget uw_forged"}).status_code == 401
    state = client.get(url, headers={"authorization": f"Widget {token}"}).json()
    assert state["visitor"]["name"] == "Vera Visitor"
    assert state["ticket"]["status"] == "new"
    assert state["ticket"]["rateable"] is False
    other = services.widget_create(actor=None, name="Other", origins=[SITE])
    assert client.get(f"/api/widget/{other.key}/state",
                      headers={"authorization": f"Widget {token}"}).status_code == 401  # fmt: skip
    services.widget_update(actor=UserFactory(staff=True), widget=widget, is_active=False)
    assert client.get(url, headers={"authorization": f"Widget {token}"}).status_code == 401


def test_the_rating_in_place_at_resolution(client, widget, agent):
    token = start(client, widget).json()["token"]
    ticket = Ticket.objects.get()
    auth = {"authorization": f"Widget {token}"}
    url = f"/api/widget/{widget.key}/rating"
    assert client.post(url, {"rating": 5}, content_type="application/json",
                       headers=auth).status_code == 400  # fmt: skip
    desk.ticket_assign(ticket=ticket, agent=agent, actor=UserFactory(staff=True))
    desk.ticket_status_set(ticket=Ticket.objects.get(), status="resolved", actor=agent)
    state = client.get(f"/api/widget/{widget.key}/state", headers=auth).json()
    assert state["ticket"]["rateable"] is True
    answer = client.post(url, {"rating": 4}, content_type="application/json", headers=auth)
    assert answer.status_code == 201
    assert answer.json()["ticket"]["rated"] is True
    assert ticket.feedback.get().rating == 4


async def ws(path):
    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


async def receive_type(communicator, wanted):
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == wanted:
            return frame


@pytest.mark.django_db(transaction=True)
async def test_the_token_opens_only_its_own_conversation_and_history_comes_back(settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    settings.UCHAT_WIDGET_MESSAGES_PER_MINUTE = 2
    widget = await sync_to_async(services.widget_create)(actor=None, name="S", origins=[SITE])
    visitor, token = await sync_to_async(services.session_create)(
        widget=widget, origin=SITE, ip="10.1.1.1", name="Vera", email="v@home.example"
    )
    _, other = await sync_to_async(services.session_create)(
        widget=widget, origin=SITE, ip="10.1.1.2", name="Olga", email="o@home.example"
    )
    conversation = await sync_to_async(
        lambda: Ticket.objects.get(customer_id=visitor.user_id).conversation_id
    )()
    for path in (f"/ws/rooms/{conversation}/?widget={other}", "/ws/me/?widget=" + token,
                 f"/ws/rooms/{conversation}/?widget=uw_nope"):  # fmt: skip
        communicator, connected = await ws(path)
        assert not connected, path
    communicator, connected = await ws(f"/ws/rooms/{conversation}/?widget={token}")
    assert connected
    for n in range(3):
        await communicator.send_json_to({"type": "message.send", "body": f"hi {n}",
                                         "client_id": f"c{n}"})  # fmt: skip
    await receive_type(communicator, "message.ack")
    await receive_type(communicator, "message.ack")
    error = await receive_type(communicator, "error")
    assert error["code"] == "rate_limited"
    await communicator.disconnect()
    # Back in the same browser: the token brings the history.
    communicator, connected = await ws(f"/ws/rooms/{conversation}/?widget={token}")
    assert connected
    await communicator.send_json_to({"type": "sync", "after_seq": 0})
    page = await receive_type(communicator, "sync")
    assert [m["body"] for m in page["messages"]] == ["hi 0", "hi 1"]
    await communicator.disconnect()
    await sync_to_async(services.visitors_revoke)(widget=widget)
    communicator, connected = await ws(f"/ws/rooms/{conversation}/?widget={token}")
    assert not connected


def test_agents_replies_are_e_mailed_and_the_visitor_answers_by_e_mail(
    client, widget, agent, settings, django_capture_on_commit_callbacks
):
    settings.UCHAT_SUPPORT_ADDRESS = "support@help.example"
    AutomationRule.objects.create(
        name="Thanks", trigger="created", actions=[{"reply": "Thanks, we got your chat."}]
    )
    with django_capture_on_commit_callbacks(execute=True):
        start(client, widget)
    ticket = Ticket.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket_assign(ticket=ticket, agent=agent, actor=UserFactory(staff=True))
    # The typed address was never confirmed: no automatic mail (received, assigned, a rule's
    # reply) goes to it, or anyone could make the desk mail a stranger. Only what an agent
    # writes does.
    assert ticket.conversation.messages.filter(body="Thanks, we got your chat.").exists()
    assert not [m for m in mail.outbox if "vera@home.example" in m.to]
    with django_capture_on_commit_callbacks(execute=True):
        engine.message_create(conversation=ticket.conversation, sender=agent, body="Try size M.")
    [reply] = [m for m in mail.outbox if m.to == ["vera@home.example"]]
    assert "Try size M." in reply.body
    assert reply.reply_to == [tokens.reply_address(ticket)]
    answer = EmailMessage()
    answer["From"] = "Vera <vera@home.example>"
    answer["To"] = reply.reply_to[0]
    answer["Subject"] = "Re: your chat"
    answer["Message-ID"] = make_msgid(domain="home.example")
    answer.set_content("M fits, thanks!")
    mailbox.mail_store(answer.as_bytes())
    last = Message.objects.filter(conversation=ticket.conversation).order_by("-seq")[0]
    assert last.body == "M fits, thanks!"
    assert last.sender == ticket.customer
    # Someone else writing to the reply address is refused.
    answer.replace_header("From", "mallory@evil.example")
    answer.replace_header("Message-ID", make_msgid(domain="evil.example"))
    with pytest.raises(mailbox.Refused):
        mailbox.mail_store(answer.as_bytes())


def test_a_confirmed_sign_up_claims_the_visitors_tickets(client, widget):
    start(client, widget)
    token = start(client, widget, name="Mallory", email="other@home.example").json()["token"]
    ticket = Ticket.objects.get(customer__widget_visitor__email="vera@home.example")
    person = UserFactory(username="vera", email="vera@home.example")
    # An address only claimed (not confirmed) takes nothing.
    unconfirmed = EmailAddress.objects.create(user=person, email="other@home.example")
    assert Ticket.objects.filter(customer=person).count() == 0
    address = EmailAddress.objects.get_or_create(
        user=person, email="vera@home.example", defaults={"verified": True}
    )[0]
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    ticket.refresh_from_db()
    assert ticket.customer == person
    assert ticket.conversation.memberships.filter(user=person).exists()
    assert Visitor.objects.get(ticket=ticket).revoked_at is not None
    assert services.visitor_for_token(widget_key=None, token=token) is not None
    assert unconfirmed.verified is False


def test_the_frame_is_framed_only_by_the_widgets_websites_and_the_loader_is_small(client, widget):
    frame = client.get(f"/widget/{widget.key}/frame/")
    assert frame.status_code == 200
    csp = frame["Content-Security-Policy"]
    assert f"frame-ancestors http://127.0.0.1:8123 {SITE}" in csp
    assert "X-Frame-Options" not in frame
    loader = client.get(f"/widget/{widget.key}.js")
    assert loader.status_code == 200
    assert loader["Content-Type"].startswith("text/javascript")
    assert widget.key in loader.content.decode()
    assert "uchatWidget(" in loader.content.decode()
    assert len(gzip.compress(loader.content)) < 20 * 1024
    assert client.get("/widget/nope.js").status_code == 404
    assert client.get("/widget/nope/frame/").status_code == 404


def test_createwidget_prints_the_key_and_refuses_bad_origins(db):
    out = StringIO()
    call_command("createwidget", "Docs", "--origin", "https://docs.example/",
                 "--origin", "http://localhost:3000", stdout=out)  # fmt: skip
    widget = Widget.objects.get(key=out.getvalue().strip())
    assert widget.origins == ["http://localhost:3000", "https://docs.example"]
    from django.core.management.base import CommandError

    # Each goes into the frame's CSP: nothing that widens it or adds a directive.
    for bad in ("https://x.example/path", "https://*", "https://a.example;sandbox", "https://"):
        with pytest.raises(CommandError):
            call_command("createwidget", "Bad", "--origin", bad, stdout=out)


def test_admins_manage_widgets_on_the_desk_settings_page(client, widget, agent):
    client.force_login(agent)
    assert client.get(reverse("widget:list")).status_code == 403
    admin = UserFactory(staff=True)
    client.force_login(admin)
    page = client.get(reverse("widget:list")).content.decode()
    assert f"/widget/{widget.key}.js" in page
    assert "async&gt;&lt;/script&gt;" in page
    answer = client.post(reverse("widget:create"), {
        "name": "Help", "origins": "https://help.example\nhttps://www.help.example",
        "greeting": "Hello", "color": "#112233", "priority": "high", "pre_chat_form": "on",
        "is_active": "on",
    })  # fmt: skip
    assert answer.status_code == 302
    created = Widget.objects.get(name="Help")
    assert created.origins == ["https://help.example", "https://www.help.example"]
    bad = client.post(reverse("widget:edit", args=[created.pk]), {
        "name": "Help", "origins": "ftp://x", "greeting": "Hi", "color": "#112233",
        "priority": "high",
    })  # fmt: skip
    assert bad.status_code == 200
    assert "not a website origin" in bad.content.decode()


def test_the_inbox_customer_panel_shows_page_browser_and_time_zone(client, widget):
    start(client, widget)
    ticket = Ticket.objects.get()
    client.force_login(UserFactory(staff=True))
    page = client.get(reverse("tickets:inbox") + f"?ticket={ticket.pk}").content.decode()
    assert f"{SITE}/cart" in page
    assert "Chrome 131 on Linux" in page
    assert "Europe/Paris" in page


def test_outside_business_hours_the_frame_hears_when_the_team_is_back(client, widget):
    """The desk's calendar (a holiday today) by default; a widget's own calendar wins."""
    from datetime import time

    from django.utils import timezone

    from tickets.models import BusinessHours, BusinessInterval, Holiday
    from tickets.services import hours

    desk_hours = BusinessHours.objects.create(name="Desk", time_zone="UTC", is_default=True)
    for day in range(7):
        BusinessInterval.objects.create(
            calendar=desk_hours, weekday=day, start=time(9), end=time(17)
        )
    Holiday.objects.create(calendar=desk_hours, date=timezone.now().date(), name="Today")
    token = start(client, widget).json()["token"]
    auth = {"authorization": f"Widget {token}"}
    state = client.get(f"/api/widget/{widget.key}/state", headers=auth).json()
    back = hours.next_open(hours.desk_calendar(), timezone.now())
    assert back is not None
    assert back.date() > timezone.now().date()
    assert state["away"] is True
    assert datetime.fromisoformat(state["back_at"]) == back
    widget.calendar = BusinessHours.objects.create(name="Always", time_zone="UTC")  # no hours
    widget.save()
    state = client.get(f"/api/widget/{widget.key}/state", headers=auth).json()
    assert (state["away"], state["back_at"]) == (False, None)


def test_the_admin_site_lists_searches_and_turns_off_widgets(admin_client, client, widget):
    token = start(client, widget).json()["token"]
    assert "Shop" in admin_client.get("/admin/widget/widget/?q=Shop").content.decode()
    assert admin_client.get(f"/admin/widget/widget/{widget.pk}/change/").status_code == 200
    assert "vera@home.example" in admin_client.get("/admin/widget/visitor/").content.decode()
    admin_client.post("/admin/widget/visitor/", {
        "action": "revoke", "_selected_action": [Visitor.objects.get().pk],
    })  # fmt: skip
    assert services.visitor_for_token(widget_key=None, token=token) is None
    token = start(client, widget).json()["token"]
    answer = admin_client.post(f"/admin/widget/widget/{widget.pk}/change/", {
        "name": "Shop", "origins": f'["{SITE}"]', "greeting": "Hi", "color": "#112233",
        "priority": "normal", "pre_chat_form": "on",
    })  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert services.visitor_for_token(widget_key=None, token=token) is None
    admin_client.post(f"/admin/widget/widget/{widget.pk}/delete/", {"post": "yes"})
    assert not Widget.objects.exists()
    assert Ticket.objects.count() == 2  # the chats stay


def test_a_page_that_is_no_url_is_left_out_not_a_server_error(client, widget):
    for page in ("http://[", "javascript:alert(1)", "refund approved by manager"):
        assert start(client, widget, page=page).status_code == 201
    assert set(Visitor.objects.values_list("page", flat=True)) == {""}
    assert all("approved" not in t.description for t in Ticket.objects.all())
