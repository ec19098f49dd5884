"""Factories of the members app (synthetic identifiers only)."""

import datetime

import factory
from django.utils import timezone

from members import services
from members.models import CommitteeMeeting, CommitteeMember, Person, StatementOfSupport
from tests.factories import OrganizationFactory, UserFactory, bin_number, region


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: f"Тестов Тест №{n}")


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    person = factory.SubFactory(PersonFactory)
    title = "Член оргкомитета"


class MeetingFactory(factory.django.DjangoModelFactory):
    """A meeting of a 5-member committee; ``present`` of them attended (default 5)."""

    class Meta:
        model = CommitteeMeeting
        skip_postgeneration_save = True

    # Today: a meeting can only decide applications filed by its day, and the factories' applications are filed now.
    held_on = factory.LazyFunction(timezone.localdate)
    place = "Астана"
    agenda = "О приёме организаций"
    committee_size = 5
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def present(self, create, extracted, **kwargs):
        count = 5 if extracted is None else extracted
        self.attendees.set(CommitteeMemberFactory.create_batch(count))


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatementOfSupport

    organization = factory.SubFactory(OrganizationFactory, status="admitted", joined_on=datetime.date(2026, 11, 20))
    speaker_name = "Спикер Тестовый"
    text = "Мы поддерживаем коалицию."
    made_on = datetime.date(2026, 11, 20)


def make_application(**overrides) -> services.Application:
    """Return what the join form would pass to the service (valid unless overridden)."""
    data = {
        "name_ru": "ОО «Тест»",
        "bin": bin_number(),
        "kind": "public_association",
        "region": region("KZ-35"),
        "email": "org@example.kz",
        "representative_name": "Петрова Анна",
        "representative_title": "Секретарь",
        "representative_phone": "+77470001122",
        "consent_text": "Я согласна",
    }
    data.update(overrides)
    return services.Application(**data)
