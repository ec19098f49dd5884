"""Factories for the events app (synthetic people; never real IINs)."""

import itertools
from datetime import timedelta

import factory
from django.utils import timezone

from events.models import (
    Accreditation,
    Certificate,
    Course,
    Enrolment,
    Event,
    PollingStation,
    Registration,
    TrainingSession,
)
from members.models import Person
from tests.factories import ElectionFactory, OrganizationFactory, region


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Участник Тестовый {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.kz")
    region = factory.LazyFunction(lambda: region("KZ-35"))


def _in_days(days: int, hour: int = 11):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Встреча с избирателями №{n}")
    kind = Event.Kind.INDOOR
    region = factory.LazyFunction(lambda: region("KZ-35"))
    place = "Караганда, Дворец культуры горняков"
    starts_at = factory.LazyFunction(lambda: _in_days(10))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=2))
    capacity = 50


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    person = factory.SubFactory(PersonFactory)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    kind = Course.Kind.OBSERVER
    name = factory.LazyAttribute(lambda c: "Курс наблюдателей" if c.kind == "observer" else "Курс доверенных лиц")
    pass_mark = 70


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    course = factory.SubFactory(CourseFactory)
    region = factory.LazyFunction(lambda: region("KZ-35"))
    place = "Караганда, учебный центр"
    starts_at = factory.LazyFunction(lambda: _in_days(5, 10))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=4))
    capacity = 30

    class Params:
        # A session that has taken place: attendance, scores and certificates are recorded only after it.
        held = factory.Trait(starts_at=factory.LazyFunction(lambda: _in_days(-3, 10)))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    session = factory.SubFactory(SessionFactory)
    person = factory.SubFactory(PersonFactory)


def certified(person=None, *, kind: str = Course.Kind.OBSERVER, course=None, **extra) -> Certificate:
    """Return a valid certificate of a course of ``kind`` for ``person`` (made through an enrolment)."""
    course = course or Course.objects.filter(kind=kind).first() or CourseFactory(kind=kind)
    enrolment = EnrolmentFactory(
        session=SessionFactory(course=course, held=True), person=person or PersonFactory(), attended=True, score=90
    )
    return Certificate.objects.create(
        number=f"T-{enrolment.pk}",
        enrolment=enrolment,
        person=enrolment.person,
        course=course,
        issued_on=timezone.localdate(),
        **extra,
    )


# The election stations belong to unless a test names another: one for the whole test, so stations made one by
# one, and a file imported for the default election, meet in the same election.
STATIONS_ELECTION = "stations-2026"


def stations_election():
    return ElectionFactory(slug=STATIONS_ELECTION, name="Выборы Президента 2026 (тест)")


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PollingStation

    election = factory.LazyFunction(stations_election)
    number = factory.Sequence(lambda n: str(100 + n))
    region = factory.LazyFunction(lambda: region("KZ-35"))
    address = factory.Sequence(lambda n: f"Караганда, ул. Ерубаева, {n}, школа")


def admitted_organization(*, accredited: bool = True, **kwargs):
    """Return an admitted member organization, by default accredited to send observers (valid today)."""
    organization = OrganizationFactory(status="admitted", joined_on=timezone.localdate(), **kwargs)
    if accredited:
        accredit(organization)
    return organization


def accredit(organization, *, issued_on=None, valid_until=None, **extra) -> Accreditation:
    """Record an accreditation for ``organization`` (by default issued 30 days ago, valid for a year)."""
    issued_on = issued_on or timezone.localdate() - timedelta(days=30)
    return Accreditation.objects.create(
        organization=organization,
        issuing_body=extra.pop("issuing_body", "ЦИК РК"),
        number=extra.pop("number", f"НБ-{next(_accreditation_numbers)}"),
        issued_on=issued_on,
        valid_until=valid_until or issued_on + timedelta(days=365),
        **extra,
    )


_accreditation_numbers = itertools.count(1)
