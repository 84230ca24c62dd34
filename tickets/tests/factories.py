import factory
from factory.django import DjangoModelFactory

from tickets.models import CannedReply, Category


class CategoryFactory(DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class CannedReplyFactory(DjangoModelFactory[CannedReply]):
    class Meta:
        model = CannedReply

    title = factory.Sequence(lambda n: f"Reply {n}")
    body = "Thanks for your patience — we are on it."
