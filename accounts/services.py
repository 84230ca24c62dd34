"""Every write to a person's account that is not allauth's own."""

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
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


@transaction.atomic
def user_create(*, creator: User, username: str, email: str, password: str) -> User:
    """A staff member creates an account (e-mail taken as confirmed: staff vouch for it).

    The creator is told in a "User Creation" notification, as on the seed chat server.
    """
    from notifications.models import Code
    from notifications.services import notification_create

    if not creator.is_staff:
        raise PermissionDenied("Only staff can create people.")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError("That username is taken.", code="username_taken")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("That e-mail address is taken.", code="email_taken")
    user = User(username=username, email=email)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    notification_create(
        user=creator,
        code=Code.USER_CREATION,
        payload={
            "id": user.pk,
            "username": user.username,
            "timestamp": user.date_joined.isoformat(),
        },
    )
    return user
