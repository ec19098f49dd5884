"""factory_boy factories for the project's models (synthetic, valid identifiers; never real people's)."""

import random

import factory
from django.contrib.auth import get_user_model

from coalition.identifiers import synthetic_bin, synthetic_iin
from coalition.models import Election, Region
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


class ElectionFactory(factory.django.DjangoModelFactory):
    """An election without the fund's rules (``tests.donations.factories.election`` makes one with them)."""

    class Meta:
        model = Election
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"election-{n}")
    name = factory.Sequence(lambda n: f"Выборы №{n}")
    candidate_iin = factory.LazyFunction(iin_number)
    association_bin = factory.LazyFunction(bin_number)


def force_login(client, user):
    """Log ``user`` in on a test client; a user who owes a second factor gets a confirmed TOTP device, verified."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from coalition.twofactor import second_factor_required

    client.force_login(user)
    if second_factor_required(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="test authenticator", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
