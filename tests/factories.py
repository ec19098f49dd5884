"""factory_boy factories for the project's models (synthetic, valid identifiers; never real people's)."""

import random

import factory
from django.contrib.auth import get_user_model

from coalition.identifiers import synthetic_bin, synthetic_iin
from coalition.models import Region
from members.models import Organization

_rng = random.Random(42)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="ru_RU")
    last_name = factory.Faker("last_name", locale="ru_RU")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.kz")
    password = factory.django.Password("correct-horse-battery")


def region(code: str = "KZ-71") -> Region:
    return Region.objects.get(code=code)


def bin_number() -> str:
    return synthetic_bin(_rng, year=_rng.randrange(1995, 2025), month=_rng.randrange(1, 13))


def iin_number() -> str:
    return synthetic_iin(_rng)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name_ru = factory.Sequence(lambda n: f"Общественное объединение №{n}")
    short_name = factory.Sequence(lambda n: f"ОО-{n}")
    bin = factory.LazyFunction(bin_number)
    kind = Organization.Kind.PUBLIC_ASSOCIATION
    region = factory.LazyFunction(region)
    status = Organization.Status.APPLIED
