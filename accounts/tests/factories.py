import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User


def _email_vouch(user: User, create: bool, extracted: bool | None, **kwargs: object) -> None:
    if create and extracted is not False and user.email:
        User.objects.email_vouch(user)


class UserFactory(DjangoModelFactory[User]):
    """A person who can log in: password "correct-horse-9" and a confirmed e-mail address.
    Traits: ``UserFactory(staff=True)`` (staff and superuser); ``agent=True`` sets the flag
    alone (no AgentProfile): an agent as the desk makes one is
    ``tickets.tests.factories.AgentFactory``. ``confirmed=False`` leaves the e-mail
    unconfirmed; ``team_member=False`` makes someone who signed up by themselves (a customer)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    class Params:
        agent = factory.Trait(is_agent=True)
        staff = factory.Trait(is_staff=True, is_superuser=True)

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("correct-horse-9")
    # Not first-timers: the guided tour stays away unless a test asks for it (None).
    tour_done_at = factory.LazyFunction(timezone.now)
    # On the team (the room directory, user groups), as most tests' people are; a customer who
    # signed up by themselves is ``team_member=False``.
    team_member = True

    confirmed = factory.PostGeneration(_email_vouch)
