"""Agent availability (online/away/offline), auto-assignment by it, and collision ("X is
viewing / replying") over the socket."""

import pytest
from asgiref.sync import async_to_sync
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from rooms.tests.test_consumers import connect, receive_type
from tickets import services
from tickets.models import AgentProfile, Ticket
from tickets.services import viewers
from tickets.tests.factories import AgentFactory

URL = "/api/agent/availability"


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_availability_api_for_agents_only(
    desk_agent, customer, staff, settings, sent, django_capture_on_commit_callbacks
) -> None:
    """Agents read and set their own; everyone else is refused, bad values store nothing,
    and every inbox hears the change."""
    assert api(desk_agent).get(URL).json() == {"availability": "online"}  # the default
    with django_capture_on_commit_callbacks(execute=True):
        response = api(desk_agent).put(URL, {"availability": "away"}, format="json")
    assert (response.status_code, response.json()) == (200, {"availability": "away"})
    assert AgentProfile.objects.get(user=desk_agent).availability == "away"
    groups, frame, payload = sent[-1]
    assert "desk" in groups
    assert (frame, payload) == (
        "agent.availability",
        {"agent": desk_agent.pk, "availability": "away"},
    )
    for bad in ({"availability": "busy"}, {}, {"availability": ["online"]}):
        response = api(desk_agent).put(URL, bad, format="json")
        assert response.status_code == 400
    assert AgentProfile.objects.get(user=desk_agent).availability == "away"
    for outsider in (customer, staff):  # staff: an admin who is not an agent
        assert api(outsider).get(URL).status_code == 403
        assert api(outsider).put(URL, {"availability": "online"}, format="json").status_code == 403
    assert api(None).get(URL).status_code in (401, 403)
    settings.UCHAT_AVAILABILITY_PER_MINUTE = 3  # the first change above counted
    codes = [
        api(desk_agent).put(URL, {"availability": state}, format="json").status_code
        for state in ("offline", "online", "away")
    ]
    assert codes == [200, 200, 429]
    assert AgentProfile.objects.get(user=desk_agent).availability == "online"


@pytest.mark.django_db
def test_auto_assignment_picks_only_online_agents_without_any_tab(
    customer, settings, django_capture_on_commit_callbacks
) -> None:
    """No agent has a socket open: online ones get work; away and offline ones keep what they
    have and get nothing new; going online drains the queue to them."""
    settings.UCHAT_TICKET_AUTO_ASSIGN = True
    amy, ben = AgentFactory(username="amy", capacity=1), AgentFactory(username="ben", capacity=5)
    services.agent_availability_set(agent=ben, availability="away")
    first = services.ticket_open(customer=customer, subject="one", description="first problem")
    assert first.agent == amy  # no Presence row anywhere: availability alone decides
    second = services.ticket_open(customer=customer, subject="two", description="second one")
    second.refresh_from_db()
    assert second.agent is None  # amy is full, ben is away: it queues
    services.agent_availability_set(agent=amy, availability="offline")
    first.refresh_from_db()
    assert first.agent == amy  # going offline keeps one's tickets
    with django_capture_on_commit_callbacks(execute=True):
        services.agent_availability_set(agent=ben, availability="online")
    second.refresh_from_db()
    assert (second.agent, second.status) == (ben, Ticket.Status.ASSIGNED)


@pytest.mark.django_db
def test_assignee_lists_show_availability_and_load(client, customer, staff, settings) -> None:
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    amy = AgentFactory(username="amy", display_name="Amy")
    ticket = services.ticket_open(customer=customer, subject="one", description="first problem")
    services.ticket_assign(ticket=ticket, agent=amy, actor=staff)
    services.agent_availability_set(agent=amy, availability="away")
    client.force_login(staff)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Amy (away, 1 open)" in page
    inbox = client.get("/tickets/inbox/").content.decode()
    assert 'data-availability="away"' in inbox


@pytest.mark.django_db(transaction=True)
def test_collision_frames_reach_other_staff_never_the_customer(settings) -> None:
    """Agent A opens a ticket and types: agent B (and an admin) hear "viewing", then
    "replying"; the customer's socket hears none of it and may not send it; A's tab closing
    clears A."""
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    customer = UserFactory(username="cust")
    first = AgentFactory(username="first", display_name="First")
    second = AgentFactory(username="second", display_name="Second")
    ticket = services.ticket_open(customer=customer, subject="Help", description="please help")

    async def scenario() -> None:
        a, ok_a, _ = await connect(first, "/ws/me/?rooms=0")
        b, ok_b, _ = await connect(second, "/ws/me/?rooms=0")
        c, ok_c, _ = await connect(customer, "/ws/me/")
        assert ok_a and ok_b and ok_c  # noqa: PT018
        await a.send_json_to({"type": "ticket.view", "ticket": ticket.pk, "replying": False})
        seen = await receive_type(b, "ticket.viewers", ticket=ticket.pk)
        assert [p["name"] for p in seen["viewing"]] == ["First"]
        assert seen["replying"] == []
        await a.send_json_to({"type": "ticket.view", "ticket": ticket.pk, "replying": True})
        seen = await receive_type(b, "ticket.viewers", ticket=ticket.pk)
        assert [p["username"] for p in seen["replying"]] == ["first"]
        # The customer may not send it and never hears it.
        await c.send_json_to({"type": "ticket.view", "ticket": ticket.pk, "replying": False})
        refused = await receive_type(c, "error")
        assert refused["code"] == "forbidden"
        # Bad input: an error, nothing stored.
        await b.send_json_to({"type": "ticket.view", "ticket": "x"})
        assert (await receive_type(b, "error"))["code"] == "bad_frame"
        await a.disconnect()  # the tab closes
        gone = await receive_type(b, "ticket.viewers", ticket=ticket.pk)
        assert gone["viewing"] == []
        heard = []
        while not await c.receive_nothing(timeout=0.5):
            heard.append((await c.receive_json_from())["type"])
        assert "ticket.viewers" not in heard
        await b.disconnect()
        await c.disconnect()

    async_to_sync(scenario)()
    assert viewers.ticket_viewers(ticket_id=ticket.pk)["viewing"] == []


@pytest.mark.django_db
def test_an_agent_is_no_viewer_of_their_own_ticket() -> None:
    """An agent who raised a ticket is its customer there: no collision line, and a
    ``ticket.view`` of it is refused (the desk's state stays the desk's)."""
    from django.core.exceptions import PermissionDenied

    agent = AgentFactory(username="raiser")
    ticket = services.ticket_open(customer=agent, subject="My laptop", description="It is slow.")
    with pytest.raises(PermissionDenied):
        viewers.ticket_view(
            user=agent, socket="s1", content={"ticket": ticket.pk, "replying": False}
        )
    assert viewers.ticket_viewers(ticket_id=ticket.pk)["viewing"] == []
