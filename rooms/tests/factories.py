import factory
from factory.django import DjangoModelFactory

from accounts.models import User
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


def crowd_create(*, people: int, rooms: int, label: str) -> tuple[list[User], list[int]]:
    """Many people spread over rooms in bulk, for load tests and benchmarks (the soak, the
    server's socket limits): person i is a member of room i % rooms. Usernames carry ``label``
    so that runs on one database do not collide. Returns the people and the room ids."""
    users = User.objects.bulk_create(
        User(username=f"{label}x{i}", email=f"{label}x{i}@example.com") for i in range(people)
    )
    room_ids = []
    for r in range(rooms):
        room = Conversation.objects.create(kind=Conversation.Kind.ROOM, name=f"{label} {r}")
        Membership.objects.bulk_create(
            Membership(conversation=room, user=users[i]) for i in range(r, people, rooms)
        )
        room_ids.append(room.pk)
    return users, room_ids
