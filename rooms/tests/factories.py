import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from rooms.models import Conversation, Membership, Message


class RoomFactory(DjangoModelFactory[Conversation]):
    class Meta:
        model = Conversation

    kind = Conversation.Kind.ROOM
    name = factory.Sequence(lambda n: f"Room {n}")
    created_by = factory.SubFactory(UserFactory)


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    conversation = factory.SubFactory(RoomFactory)
    user = factory.SubFactory(UserFactory)


class MessageFactory(DjangoModelFactory[Message]):
    """Bulk history for selector tests. Real sends go through services.message_create."""

    class Meta:
        model = Message

    conversation = factory.SubFactory(RoomFactory)
    sender = factory.SubFactory(UserFactory)
    seq = factory.Sequence(lambda n: n + 1)
    body = factory.Sequence(lambda n: f"message {n}")
