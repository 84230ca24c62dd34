from typing import TypedDict

from accounts.payloads import PersonPayload, person_payload
from usergroups.models import UserGroup


class GroupPayload(TypedDict):
    id: int
    name: str
    description: str
    members: list[PersonPayload]
    created_by: PersonPayload | None
    created_at: str


def group_payload(group: UserGroup) -> GroupPayload:
    # A deactivated member stays in the group (back if reactivated) but is not shown, so a
    # page that sends the list back does not name them.
    members = sorted((u for u in group.members.all() if u.is_active), key=lambda u: u.username)
    return {
        "id": group.pk,
        "name": group.name,
        "description": group.description,
        "members": [person_payload(u) for u in members],
        "created_by": person_payload(group.created_by) if group.created_by else None,
        "created_at": group.created_at.isoformat(),
    }
