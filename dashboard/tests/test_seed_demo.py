from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import User
from accounts.tests.factories import UserFactory
from rooms.models import Conversation, Message
from tickets.models import AgentProfile


def test_seed_demo_on_empty_database(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "himanshu" in out
    assert "uchat-demo-2026" in out
    room = Conversation.objects.get(name="Coding Group")
    assert room.memberships.count() == 5
    assert Message.objects.filter(conversation=room, thread=None).count() == 5
    # Three replies in a thread on the second message, counted on its root.
    root = Message.objects.get(conversation=room, seq=2)
    assert (root.reply_count, len(root.thread_participants)) == (3, 3)
    assert User.objects.get(username="himanshu").check_password("uchat-demo-2026")
    # Made through the services: confirmed e-mails, the agent's profile and category.
    assert EmailAddress.objects.get(user__username="abhishek").verified
    assert AgentProfile.objects.get(user__username="priya").categories.exists()
    # A later start adds nothing and shows the log-ins again (bin/run ends with them).
    call_command("seed_demo")
    again = capsys.readouterr().out
    assert "The demo data is in place" in again
    assert "priya      / uchat-demo-2026" in again
    assert Conversation.objects.filter(name="Coding Group").count() == 1


def test_seed_demo_leaves_a_real_database_alone(db, capsys):
    UserFactory(username="someone")
    call_command("seed_demo")
    assert "already has people; no demo data added" in capsys.readouterr().out
    assert not Conversation.objects.exists()


def test_seed_demo_makes_its_agent_through_the_desks_service(db, capsys, monkeypatch):
    """The agent and their category come from tickets.services.agent_create, not from rows
    written beside it."""
    from tickets import services as desk

    made = []
    real = desk.agent_create

    def agent_create(**kwargs):
        made.append((kwargs["username"], [c.name for c in kwargs.get("categories", ())]))
        return real(**kwargs)

    monkeypatch.setattr(desk, "agent_create", agent_create)
    call_command("seed_demo")
    assert made == [("priya", ["Kitchen appliances"])]
    profile = AgentProfile.objects.get(user__username="priya")
    assert list(profile.categories.values_list("name", flat=True)) == ["Kitchen appliances"]
