"""The wire shape of a person, shared by every app's payloads."""

from typing import TypedDict

from accounts.models import User


class PersonPayload(TypedDict):
    id: int
    username: str
    name: str
    is_bot: bool
    is_guest: bool


def person_payload(user: User) -> PersonPayload:
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "is_bot": user.is_bot,
        "is_guest": user.is_guest,
    }
