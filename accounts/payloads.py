"""The wire shape of a person, shared by every app's payloads."""

from typing import TypedDict

from accounts.models import User


class PersonPayload(TypedDict):
    id: int
    username: str
    name: str


def person_payload(user: User) -> PersonPayload:
    return {"id": user.pk, "username": user.username, "name": user.name}
