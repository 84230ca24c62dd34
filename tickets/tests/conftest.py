import pytest

from accounts.tests.factories import UserFactory
from rooms.models import Presence
from tickets import services
from tickets.tests.factories import AgentFactory


@pytest.fixture
def customer(db):
    return UserFactory(username="carla", display_name="Carla")


@pytest.fixture
def desk_agent(db):
    return AgentFactory(username="agnes", display_name="Agnes", capacity=2)


def online(user, channel="tab-1"):
    Presence.objects.create(channel_name=f"{user.username}-{channel}", user=user)


@pytest.fixture
def ticket(customer, settings):
    settings.UCHAT_TICKET_AUTO_ASSIGN = False
    return services.ticket_open(
        customer=customer, subject="Blender broken", description="It makes a noise and stops."
    )
