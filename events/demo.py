"""Demo data for the events app (idempotent): the seed's committee meeting, agitation events in several regions,
the observer and proxy courses with sessions, certified people, polling stations and an assignment.

Writes rows directly (no outbox messages, no audit entries): it is demo scaffolding, not a user's action.
People are synthetic (no IINs), with example.kz addresses.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone

from coalition.identifiers import synthetic_bin, synthetic_iin
from coalition.models import Election, Region
from events import rules, selectors, services
from events.models import (
    Accreditation,
    Assignment,
    Certificate,
    Course,
    Enrolment,
    Event,
    PollingStation,
    Registration,
    TrainingSession,
)
from members.demo import SEED_MEETING_DATE
from members.models import Consent, Organization, Person

PEOPLE = [
    ("Айгуль Сериковна Жумабаева", "KZ-71"),
    ("Данияр Болатович Искаков", "KZ-71"),
    ("Марина Викторовна Ким", "KZ-35"),
    ("Ерлан Маратович Сагинтаев", "KZ-35"),
    ("Гульнара Асхатовна Оспанова", "KZ-79"),
    ("Тимур Канатович Абдрахманов", "KZ-79"),
]

STATIONS = [
    ("1", "KZ-71", "Астана, ул. Кенесары, 40, школа-лицей № 1"),
    ("2", "KZ-71", "Астана, пр. Абая, 10, школа № 5"),
    ("3", "KZ-71", "Астана, ул. Иманова, 18, колледж"),
    ("101", "KZ-35", "Караганда, ул. Ерубаева, 3, школа-гимназия № 1"),
    ("102", "KZ-35", "Караганда, пр. Бухар-Жырау, 47, дом культуры"),
    ("201", "KZ-79", "Шымкент, пр. Тауке хана, 12, школа № 8"),
]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _person(full_name: str, code: str, n: int) -> Person:
    person, _created = Person.objects.get_or_create(
        email=f"demo.person{n}@example.kz",
        defaults={"full_name": full_name, "region": Region.objects.get(code=code), "language": "ru"},
    )
    for purpose in (Consent.Purpose.EVENTS, Consent.Purpose.OBSERVATION):
        if not person.consents.filter(purpose=purpose, withdrawn_at__isnull=True).exists():
            Consent.objects.create(
                person=person,
                purpose=purpose,
                text_version=services.CONSENT_TEXT_VERSION,
                text=services.consent_text(),
                given_at=timezone.now(),
            )
    return person


# The election donations.demo creates (load_demo runs it before this module); the stations are that election's.
DEMO_ELECTION = "president-2026"


def _election(today: date) -> Election:
    """Return the election the demo stations belong to; run alone (its test), create one without the fund's rules."""
    election = Election.objects.filter(slug=DEMO_ELECTION).first() or selectors.default_election()
    if election is None:
        rng = random.Random(20260316)  # nosec B311 # seeded synthetic demo data, not a secret
        election = Election.objects.create(
            slug="demo-stations",
            name="Выборы Президента Республики Казахстан (демо участков)",
            candidate_iin=synthetic_iin(rng, born=date(1960, 5, 17), female=False),
            association_bin=synthetic_bin(rng, year=2010, month=3),
            election_day=today + timedelta(days=45),
        )
    return election


def _event(title: str, **fields: Any) -> Event:
    event = Event.objects.filter(title=title).first()
    if event is None:
        event = Event(title=title, **fields)
        services.apply_notice_rule(event)
        event.save()
    return event


@transaction.atomic
def load(stdout: OutputWrapper) -> None:
    today = timezone.localdate()
    region = {r.code: r for r in Region.objects.filter(code__in=["KZ-71", "KZ-35", "KZ-79", "KZ-75"])}
    # The campaign period is the election's (issue #18): agitation started three days ago.
    election = _election(today)
    if election.agitation_starts_on is None:
        election.election_day = election.election_day or today + timedelta(days=45)
        election.agitation_starts_on = today - timedelta(days=3)
        election.dates_source = "Демонстрационные даты: замените датами постановления ЦИК"
        election.save(update_fields=["election_day", "agitation_starts_on", "dates_source"])
    people = [_person(name, code, n) for n, (name, code) in enumerate(PEOPLE, start=1)]

    _event(
        "Заседание организационного комитета Народной коалиции",
        kind=Event.Kind.COMMITTEE,
        region=region["KZ-71"],
        place="Астана, Дворец мира и согласия",
        starts_at=_at(SEED_MEETING_DATE, 11),
        ends_at=_at(SEED_MEETING_DATE, 13),
        capacity=120,
        status=Event.Status.HELD,
        description="Приём 15 общественных организаций; агитационные мероприятия в регионах; обучение наблюдателей "
        "и доверенных лиц кандидата; правовые аспекты избирательной кампании.",
    )
    upcoming = [
        (
            "Пикет в поддержку кандидата у Дворца культуры горняков",
            Event.Kind.PICKET,
            "KZ-35",
            "Караганда, пр. Бухар-Жырау, 47",
            12,
            60,
        ),
        (
            "Встреча с избирателями в Шымкенте",
            Event.Kind.INDOOR,
            "KZ-79",
            "Шымкент, Дворец школьников, пр. Тауке хана",
            5,
            150,
        ),
        ("Митинг Народной коалиции в Астане", Event.Kind.RALLY, "KZ-71", "Астана, площадь «Астана Бәйтерек»", 20, 500),
        ("Шествие молодёжи «Ассамблеи жастары»", Event.Kind.MARCH, "KZ-75", "Алматы, пр. Аль-Фараби", 25, 300),
        ("Агитационное собрание в Караганде", Event.Kind.MEETING, "KZ-35", "Караганда, ДК им. Ленина", 2, 80),
    ]
    events = []
    for title, kind, code, place, days, capacity in upcoming:
        day = today + timedelta(days=days)
        events.append(
            _event(
                title,
                kind=kind,
                region=region[code],
                place=place,
                starts_at=_at(day, 15),
                ends_at=_at(day, 17),
                capacity=capacity,
            )
        )
    for event in events[:2]:
        for person in people[:3]:
            if not event.registrations.filter(person=person).exists():
                Registration.objects.create(event=event, person=person, consent=person.consents.first())

    observer_course, _ = Course.objects.get_or_create(
        kind=Course.Kind.OBSERVER,
        name="Курс наблюдателей на избирательных участках",
        defaults={"pass_mark": 70, "certificate_valid_days": 365},  # nosec B105 # a test score, not a password
    )
    proxy_course, _ = Course.objects.get_or_create(
        kind=Course.Kind.PROXY,
        name="Курс доверенных лиц кандидата",
        defaults={"pass_mark": 75},  # nosec B105 # a test score
    )
    past = SEED_MEETING_DATE + timedelta(days=2)
    held, _ = TrainingSession.objects.get_or_create(
        course=observer_course,
        region=region["KZ-71"],
        starts_at=_at(past, 10),
        defaults={"place": "Астана, штаб коалиции, конференц-зал", "ends_at": _at(past, 16), "capacity": 30},
    )
    TrainingSession.objects.get_or_create(
        course=proxy_course,
        region=region["KZ-35"],
        starts_at=_at(today + timedelta(days=7), 10),
        defaults={
            "election": Election.objects.filter(slug=DEMO_ELECTION).first(),
            "place": "Караганда, учебный центр профсоюзов",
            "ends_at": _at(today + timedelta(days=7), 16),
            "capacity": 25,
        },
    )
    scores = [92, 81, 64, 88]
    for person, score in zip(people[:4], scores, strict=True):
        enrolment, _ = Enrolment.objects.get_or_create(
            session=held, person=person, defaults={"attended": True, "score": score}
        )
        if enrolment.passed and not hasattr(enrolment, "certificate"):
            Certificate.objects.create(
                number=f"OBS-{past.year}-{enrolment.pk:06d}",
                enrolment=enrolment,
                person=person,
                course=observer_course,
                issued_on=past,
                valid_until=past + timedelta(days=365),
            )

    election = _election(today)
    stations = {}
    for n, (number, code, address) in enumerate(STATIONS):
        stations[number], _ = PollingStation.objects.get_or_create(
            election=election,
            region=region[code],
            number=number,
            defaults={"address": address, "voters": 1100 + 37 * n},  # about 1,200 voters a precinct (docs/domain.md)
        )
    certificate = Certificate.objects.filter(person=people[0], course=observer_course).first()
    serpin = Organization.objects.filter(short_name="SERPIN", status=Organization.Status.ADMITTED).first()
    if serpin is not None:
        # The election commission's accreditation lets the organization send observers (docs/domain.md §3).
        issued = today - timedelta(days=40)
        Accreditation.objects.get_or_create(
            issuing_body="Центральная избирательная комиссия Республики Казахстан",
            number="НБ-2026-017",
            defaults={
                "organization": serpin,
                "issued_on": issued,
                "valid_until": rules.accreditation_valid_until(issued, 12),
            },
        )
    if certificate and serpin and not Assignment.objects.filter(person=people[0]).exists():
        assignment = Assignment(
            station=stations["1"],
            person=people[0],
            role=Assignment.Role.OBSERVER,
            certificate=certificate,
            organization=serpin,
        )
        assignment.full_clean()
        assignment.save()
    stdout.write(
        f"Events: {Event.objects.count()} events, {TrainingSession.objects.count()} training sessions, "
        f"{Certificate.objects.count()} certificates, {PollingStation.objects.count()} polling stations."
    )
