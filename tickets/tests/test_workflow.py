"""The desk's workflow (issue 28): the status follows the conversation, labels, macros,
automation rules and bulk actions. Committed for real (handlers run after the commit)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.test_api import bearer
from notifications.models import Notification
from rooms import services as engine
from rooms.models import Message
from tickets import services, workflow
from tickets.models import (
    AutomationRule,
    InternalNote,
    Label,
    Macro,
    Ticket,
    TicketEvent,
)
from tickets.services import automation
from tickets.tests.factories import AgentFactory, CategoryFactory

pytestmark = [pytest.mark.django_db(transaction=True)]
Status = Ticket.Status


@pytest.fixture(autouse=True)
def _no_auto_assign(settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False


@pytest.fixture
def carla():
    return UserFactory(username="carla", email="carla@acme.example")


@pytest.fixture
def agnes():
    return AgentFactory(username="agnes", display_name="Agnes")


@pytest.fixture
def stella():
    return UserFactory(username="stella", staff=True)


def _open(customer, subject="Blender broken", description="It stops.", **kw):
    return services.ticket_open(customer=customer, subject=subject, description=description, **kw)


def _assigned(customer, agent, admin, **kw):
    ticket = _open(customer, **kw)
    return services.ticket_assign(ticket=ticket, agent=agent, actor=admin)


def _say(ticket, who, text):
    engine.message_create(conversation=ticket.conversation, sender=who, body=text)
    ticket.refresh_from_db()
    return ticket


# --- Status follows the conversation ---------------------------------------------------------


def test_the_agents_first_reply_puts_the_ticket_in_progress(carla, agnes, stella):
    """The bug: after many agent replies the counts read "Assigned 14, In progress 0"."""
    ticket = _assigned(carla, agnes, stella)
    assert ticket.status == Status.ASSIGNED
    _say(ticket, carla, "Any news?")
    assert ticket.refresh_from_db() or ticket.status == Status.ASSIGNED  # the customer: no
    ticket = _say(ticket, agnes, "Looking at it now.")
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.first_response_at is not None
    assert ticket.events.filter(to_status=Status.IN_PROGRESS, actor=agnes).count() == 1


def test_a_customer_message_reopens_within_the_window_and_follows_up_after(
    carla, agnes, stella, settings
):
    settings.UCHAT_TICKET_REOPEN_DAYS = 7
    ticket = _assigned(carla, agnes, stella)
    services.ticket_status_set(ticket=ticket, actor=agnes, status=Status.RESOLVED)
    ticket = _say(ticket, carla, "It broke again.")
    assert ticket.status == Status.IN_PROGRESS  # back in its agent's inbox
    assert ticket.events.last().kind == TicketEvent.Kind.REOPENED
    assert ticket.resolution_due is None or ticket.resolution_due > timezone.now()

    services.ticket_status_set(ticket=ticket, actor=agnes, status=Status.RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    ticket = _say(ticket, carla, "And again, weeks later.")
    assert ticket.status == Status.RESOLVED  # the old one stays resolved
    follow = Ticket.objects.get(follows=ticket)
    assert (follow.customer, follow.status, follow.description) == (
        carla, Status.NEW, "And again, weeks later.",
    )  # fmt: skip
    assert follow.subject == "Re: Blender broken"
    _say(ticket, carla, "(and a second line, as an e-mail's image would be)")
    assert Ticket.objects.filter(follows=ticket).count() == 1
    assert bearer(carla).get(f"/api/tickets/{follow.pk}").json()["follows"] == ticket.pk


def test_a_ticket_waiting_too_long_is_resolved_with_a_note(carla, agnes, stella, settings):
    settings.UCHAT_TICKET_AUTO_RESOLVE_DAYS = 7
    stale, fresh = _assigned(carla, agnes, stella), _assigned(carla, agnes, stella)
    for ticket in (stale, fresh):
        services.ticket_status_set(ticket=ticket, actor=agnes, status=Status.WAITING)
    TicketEvent.objects.filter(ticket=stale, to_status=Status.WAITING).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    assert [t.pk for t in services.tickets_auto_resolve()] == [stale.pk]
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (Status.RESOLVED, Status.WAITING)
    assert "no answer from the customer in 7 days" in InternalNote.objects.get(ticket=stale).body
    settings.UCHAT_TICKET_AUTO_RESOLVE_DAYS = 0  # never
    TicketEvent.objects.filter(ticket=fresh).update(created_at=timezone.now() - timedelta(days=99))
    assert services.tickets_auto_resolve() == []


# --- Labels ------------------------------------------------------------------------------------


def test_labels_admins_define_agents_set_customers_never_see(carla, agnes, stella):
    ticket = _assigned(carla, agnes, stella)
    assert bearer(agnes).post("/api/labels", {"name": "VIP"}, format="json").status_code == 403
    created = bearer(stella).post("/api/labels", {"name": "VIP", "color": "#ff0000"}, format="json")
    assert created.status_code == 201, created.content
    for bad in ({"name": "vip"}, {"name": "Refund", "color": "red"}):
        response = bearer(stella).post("/api/labels", bad, format="json")
        assert response.status_code == 400, bad
    assert list(Label.objects.values_list("name", flat=True)) == ["VIP"]
    assert bearer(carla).get("/api/labels").status_code == 403

    api = bearer(agnes)
    url = f"/api/tickets/{ticket.pk}"
    refused = api.patch(url, {"labels": ["vip", "nope"], "status": "waiting"}, format="json")
    assert refused.status_code == 400
    assert "nope" in refused.json()["error"]
    ticket.refresh_from_db()
    assert (list(ticket.labels.all()), ticket.status) == ([], Status.ASSIGNED)  # nothing stored
    answer = api.patch(url, {"labels": ["vip"]}, format="json").json()
    assert answer["labels"] == ["VIP"]
    assert "Labels: VIP" in [e["text"].split(" (by")[0] for e in answer["history"]]
    mine = bearer(carla).get(url).json()
    assert "labels" not in mine
    assert all(e["kind"] != "labels" for e in mine["history"])
    closing = bearer(carla).patch(url, {"labels": [], "status": "closed"}, format="json")
    assert closing.status_code == 403
    ticket.refresh_from_db()
    assert (ticket.status, ticket.labels.count()) == (Status.ASSIGNED, 1)  # nothing done

    other = AgentFactory(username="otto")
    assert bearer(other).patch(url, {"labels": []}, format="json").status_code == 404


# --- Macros ------------------------------------------------------------------------------------


def test_a_macro_runs_every_step_or_none(carla, agnes, stella):
    Label.objects.create(name="refund")
    macro = Macro.objects.create(
        name="Refund asked",
        actions=[{"reply": "We have started your refund."}, {"note": "Refund via Stripe"},
                 {"labels_add": ["refund"]}, {"priority": "high"}, {"status": "waiting"}],
    )  # fmt: skip
    ticket = _assigned(carla, agnes, stella)
    assert [m["name"] for m in bearer(agnes).get("/api/macros").json()["macros"]] == [
        "Refund asked"
    ]
    assert bearer(carla).get("/api/macros").status_code == 403
    answer = bearer(agnes).post(f"/api/tickets/{ticket.pk}/macros/{macro.pk}/run")
    assert answer.status_code == 200, answer.content
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Status.WAITING, "high")
    assert list(ticket.labels.values_list("name", flat=True)) == ["refund"]
    assert Message.objects.filter(conversation=ticket.conversation, sender=agnes).count() == 1
    assert ticket.notes.get().body == "Refund via Stripe"
    assert ticket.events.filter(kind="macro").get().detail.startswith("Macro “Refund asked”")

    # A step refused (resolved → waiting is no move) undoes the steps before it.
    services.ticket_status_set(ticket=ticket, actor=agnes, status=Status.RESOLVED)
    refused = bearer(agnes).post(f"/api/tickets/{ticket.pk}/macros/{macro.pk}/run")
    assert refused.status_code == 400
    assert Message.objects.filter(conversation=ticket.conversation, sender=agnes).count() == 1
    assert ticket.notes.count() == 1
    # Someone else's ticket: the macro is not theirs to run.
    other = _open(carla)
    assert (
        bearer(AgentFactory(username="otto"))
        .post(f"/api/tickets/{other.pk}/macros/{macro.pk}/run")
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    "actions",
    [[], [{"reply": ""}], [{"status": "new"}], [{"labels_add": ["ghost"]}], [{"dance": 1}],
     [{"reply": "a", "note": "b"}], [{"assign": "nobody"}], "reply"],
)  # fmt: skip
def test_macro_actions_are_checked(actions, db):
    with pytest.raises(ValidationError):
        workflow.macro_actions_clean(actions)


# --- Automation rules ------------------------------------------------------------------------


def _rule(trigger="created", conditions=(), actions=({"priority": "urgent"},), **kw):
    return AutomationRule.objects.create(
        name=kw.pop("name", "Rule"), trigger=trigger, conditions=list(conditions),
        actions=list(actions), **kw,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("condition", "matches", "misses"),
    [
        ({"subject_contains": "REFUND"}, {"subject": "Refund please"}, {"subject": "Hello"}),
        ({"description_contains": "invoice"}, {"description": "My Invoice"}, {}),
        ({"category_is": "Billing"}, {"category": "Billing"}, {"category": "Kitchen"}),
        ({"priority_is": "high"}, {"priority": "high"}, {"priority": "low"}),
        ({"source_is": "email"}, {"source": "email"}, {"source": "web"}),
        ({"customer_domain_is": "acme.example"}, {}, {"customer": "x@other.example"}),
        ({"label_has": "vip"}, {"label": "VIP"}, {}),
    ],
)
def test_each_rule_condition(condition, matches, misses, carla):
    for name in ("Billing", "Kitchen"):
        CategoryFactory(name=name)
    Label.objects.create(name="VIP")
    _rule(conditions=[condition], actions=[{"priority": "urgent"}])

    def opened(spec):
        customer = carla
        if "customer" in spec:
            customer = UserFactory(username="xavier", email=spec["customer"])
        ticket = _open(
            customer, subject=spec.get("subject", "Hello"),
            description=spec.get("description", "Text"),
            category=CategoryFactory(name=spec["category"]) if "category" in spec else None,
            priority=spec.get("priority", "normal"), source=spec.get("source", "web"),
        )  # fmt: skip
        if "label" in spec:  # labels come after the opening: checked on the next trigger
            ticket.labels.add(Label.objects.get(name=spec["label"]))
            automation.rules_run(ticket.pk, "created")
        ticket.refresh_from_db()
        return ticket

    hit, miss = opened(matches), opened(misses)
    assert hit.priority == "urgent"
    assert miss.priority != "urgent"
    assert hit.events.get(kind="rule").detail == "Rule “Rule”: priority → urgent"
    assert not miss.events.filter(kind="rule").exists()


def test_each_rule_action(carla, agnes, stella):
    billing = CategoryFactory(name="Billing")
    ben = AgentFactory(username="ben", display_name="Ben", categories=[billing])
    from tickets.tests.conftest import online

    online(ben)
    Label.objects.create(name="vip")
    _rule(name="One", position=1, actions=[{"assign_category": "Billing"}, {"labels_add": ["vip"]},
                                           {"priority": "high"}])  # fmt: skip
    _rule(name="Two", position=2, actions=[{"reply": "Thanks, we got it."}, {"notify": "admins"},
                                           {"notify": "agnes"}])  # fmt: skip
    ticket = _open(carla)
    ticket.refresh_from_db()
    assert (ticket.category, ticket.agent, ticket.priority) == (billing, ben, "high")
    assert list(ticket.labels.values_list("name", flat=True)) == ["vip"]
    reply = Message.objects.get(conversation=ticket.conversation, body="Thanks, we got it.")
    assert reply.sender == ben  # as the ticket's agent
    assert Notification.objects.filter(user=stella, payload__ticket=ticket.pk).exists()
    assert Notification.objects.filter(user=agnes, payload__ticket=ticket.pk).exists()
    assert [e.detail for e in ticket.events.filter(kind="rule")] == [
        "Rule “One”: category → Billing, assigned to Ben; labels +vip; priority → high",
        "Rule “Two”: replied; notified admins; notified agnes",
    ]
    _rule(name="Three", position=3, actions=[{"assign_agent": "agnes"}])
    second = _open(carla)
    second.refresh_from_db()
    assert second.agent == agnes
    # Without an agent a rule's reply comes from the desk itself, never from a person named so.
    UserFactory(username="desk")
    AutomationRule.objects.all().delete()
    _rule(actions=[{"reply": "Queued: we answer within a day."}])
    third = _open(carla)
    sender = Message.objects.get(conversation=third.conversation).sender
    assert sender is not None
    assert sender.username == "uchat desk"
    assert not sender.has_usable_password()


def test_rules_run_in_order_on_their_trigger_and_skip_inactive(carla, agnes, stella):
    _rule(name="Late", position=5, actions=[{"priority": "low"}])
    _rule(name="Early", position=1, actions=[{"priority": "urgent"}])
    _rule(name="Off", position=0, active=False, actions=[{"priority": "normal"}])
    _rule(name="Reply", trigger="customer_replied", actions=[{"priority": "high"}])
    ticket = _assigned(carla, agnes, stella)
    ticket.refresh_from_db()
    assert ticket.priority == "low"  # Early, then Late; Off never
    assert [e.detail.split(":")[0] for e in ticket.events.filter(kind="rule")] == [
        "Rule “Early”", "Rule “Late”",
    ]  # fmt: skip
    _say(ticket, agnes, "Hi")  # the agent: no customer_replied
    assert ticket.priority == "low"
    ticket = _say(ticket, carla, "Hello?")
    assert ticket.priority == "high"


def test_a_rule_that_would_trigger_itself_runs_once(carla, monkeypatch):
    """A "customer replied" rule that replies: were its reply the customer's (here the desk's
    account is made the customer), it would trigger itself again and again. A rule's writes
    carry the flag that the rules' handler checks, so it runs once."""
    _rule(name="Echo", trigger="customer_replied", actions=[{"reply": "Noted."}])
    ticket = _open(carla)  # no agent: the reply comes from the desk's account
    monkeypatch.setattr(automation, "desk_account", lambda: carla)
    _say(ticket, carla, "Hello?")
    assert ticket.events.filter(kind="rule").count() == 1
    assert Message.objects.filter(conversation=ticket.conversation, body="Noted.").count() == 1


def test_an_sla_breach_triggers_its_rules(carla, agnes, stella):
    _rule(trigger="sla_breached", actions=[{"priority": "urgent"}])
    ticket = _assigned(carla, agnes, stella)
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due=timezone.now() - timedelta(minutes=1)
    )
    services.sla_breaches_check()
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"


@pytest.mark.parametrize(
    ("conditions", "actions"),
    [([{"priority_is": "meh"}], [{"priority": "low"}]), ([{"customer_domain_is": "nodot"}], [
        {"priority": "low"}]), ([], [{"notify": "ghost"}]), ([], [{"assign_category": "None"}]),
     ([{"label_has": "ghost"}], [{"priority": "low"}]), ([], [{"assign_agent": "carla"}])],
)  # fmt: skip
def test_rule_json_is_checked(conditions, actions, carla):
    def both():
        workflow.rule_conditions_clean(conditions)
        workflow.rule_actions_clean(actions)

    with pytest.raises(ValidationError):
        both()


def test_the_admin_rule_form_stores_clean_json(admin_client, agnes):
    CategoryFactory(name="Billing")
    response = admin_client.post(
        "/admin/tickets/automationrule/add/",
        {"name": "Billing mail", "trigger": "created", "position": 1, "active": "on",
         "conditions_source_is": "email", "conditions_subject_contains": "invoice",
         "actions_assign_agent": agnes.pk, "actions_notify_admins": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-3000:]
    rule = AutomationRule.objects.get()
    assert rule.conditions == [{"subject_contains": "invoice"}, {"source_is": "email"}]
    assert rule.actions == [{"assign_agent": "agnes"}, {"notify": "admins"}]
    page = admin_client.get(f"/admin/tickets/automationrule/{rule.pk}/change/").content.decode()
    assert 'value="invoice"' in page
    empty = admin_client.post(
        "/admin/tickets/automationrule/add/", {"name": "Nothing", "trigger": "created",
                                               "position": 1},
    )  # fmt: skip
    assert empty.status_code == 200
    assert AutomationRule.objects.count() == 1


# --- Bulk actions ------------------------------------------------------------------------------


def test_bulk_actions_check_each_ticket_all_or_nothing(carla, agnes, stella):
    Label.objects.create(name="vip")
    mine = [_assigned(carla, agnes, stella) for _ in range(2)]
    theirs = _assigned(carla, AgentFactory(username="otto"), stella)
    api = bearer(agnes)
    ids = [mine[0].pk, theirs.pk, mine[1].pk, 999999]
    answer = api.post(
        "/api/tickets/bulk", {"tickets": ids, "action": {"labels_add": ["vip"]}}, format="json"
    ).json()
    assert [r["ok"] for r in answer["results"]] == [True, False, True, False]
    assert answer["results"][1]["error"] == "Ticket not found."
    assert not theirs.labels.exists()
    status = api.post(
        "/api/tickets/bulk", {"tickets": ids[:3], "action": {"status": "resolved"}}, format="json"
    ).json()["results"]
    assert [r["ok"] for r in status] == [True, False, True]
    macro = Macro.objects.create(
        name="Reopen-proof", actions=[{"note": "x"}, {"status": "waiting"}]
    )
    # resolved → waiting is refused: the note before it is undone, per ticket
    ran = api.post(
        "/api/tickets/bulk", {"tickets": [mine[0].pk], "action": {"macro": macro.pk}},
        format="json",
    ).json()["results"]  # fmt: skip
    assert ran[0]["ok"] is False
    assert not InternalNote.objects.filter(ticket=mine[0]).exists()
    for bad in ({"tickets": [], "action": {"status": "resolved"}},
                {"tickets": ids, "action": {"explode": 1}},
                {"tickets": ["1"], "action": {"status": "resolved"}},
                {"tickets": ids, "action": {"labels_add": ["ghost"]}}):  # fmt: skip
        assert api.post("/api/tickets/bulk", bad, format="json").status_code == 400, bad
    assert (
        bearer(carla)
        .post("/api/tickets/bulk", {"tickets": ids, "action": {"status": "closed"}}, format="json")
        .status_code
        == 403
    )
    # Admins assign in bulk.
    result = bearer(stella).post(
        "/api/tickets/bulk", {"tickets": [theirs.pk], "action": {"assign": "agnes"}},
        format="json",
    ).json()["results"]  # fmt: skip
    assert result == [{"ticket": theirs.pk, "ok": True}]
    theirs.refresh_from_db()
    assert theirs.agent == agnes


# --- Pages -------------------------------------------------------------------------------------


def test_the_inbox_filters_by_label_and_reports_count_by_label(carla, agnes, stella, client):
    vip = Label.objects.create(name="VIP", color="#dc2626")
    Macro.objects.create(name="Thanks", actions=[{"reply": "Thanks!"}])
    tagged, plain = (
        _assigned(carla, agnes, stella, subject="Tagged"),
        _assigned(carla, agnes, stella, subject="Plain"),
    )
    tagged.labels.add(vip)
    client.force_login(agnes)
    page = client.get("/tickets/inbox/?label=VIP").content.decode()
    assert f"{tagged.number} Tagged" in page
    assert f"{plain.number} Plain" not in page
    assert 'class="label-chip" style="--label: #dc2626">VIP' in page
    assert 'id="bulk-bar"' in page
    assert f"{plain.number} Plain" in client.get("/tickets/inbox/").content.decode()
    detail = client.get(f"/tickets/{tagged.pk}/").content.decode()
    assert 'id="macro-menu"' in detail
    assert 'id="label-editor"' in detail
    client.force_login(carla)
    mine = client.get(f"/tickets/{tagged.pk}/").content.decode()
    assert "macro-menu" not in mine
    assert "VIP" not in mine
    client.force_login(stella)
    reports = client.get("/tickets/reports/").content.decode()
    assert '<td><span class="label-chip" style="--label: #dc2626">VIP</span></td><td>1</td>' in (
        reports
    )
