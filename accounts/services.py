"""Every write to a person's account that is not allauth's own."""

from django.db import transaction

from accounts.models import User


def user_profile_update(*, user: User, display_name: str) -> User:
    user.display_name = display_name.strip()
    user.full_clean()
    user.save(update_fields=["display_name"])
    return user


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account. Messages stay, shown as from "deleted user" (their sender is nulled).

    Rooms this person administered alone get a new admin first, so no room is left without one.
    """
    from rooms import services as room_services  # rooms builds on accounts, not the reverse

    room_services.memberships_release(user=user)
    user.delete()
