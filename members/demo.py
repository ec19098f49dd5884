"""Demo data of the members app: the 15 seed organizations, the seed meeting of 20.11.2026 in Astana, its
statements, a few applications.

The meeting runs after :func:`load_organizations` created the 15 organizations as admitted. The meeting and its
admission decision are written directly (historic records: no emails are sent), and only when missing.
"""

from __future__ import annotations

import random
from datetime import date

from django.core.management.base import OutputWrapper
from django.db import transaction

from coalition.identifiers import synthetic_bin
from coalition.models import Region
from members.models import (
    Affiliation,
    CommitteeMeeting,
    CommitteeMember,
    Decision,
    Organization,
    Person,
    StatementOfSupport,
    StatusChange,
)

SEED_MEETING_DATE = date(2026, 11, 20)

# (Russian name as published, short name, kind, region code)
SEED_ORGANIZATIONS = [
    ("Федерация профсоюзов Республики Казахстан", "ФПРК", Organization.Kind.TRADE_UNION_FEDERATION, "KZ-71"),
    ("Союз писателей Казахстана", "СПК", Organization.Kind.CREATIVE_UNION, "KZ-75"),
    ("Национальная палата образования и инновации SERPIN", "SERPIN", Organization.Kind.CHAMBER, "KZ-71"),
    ("Ассоциация «Болашак»", "Bolashaq", Organization.Kind.ASSOCIATION, "KZ-71"),
    ("Ассоциация экологических организаций Казахстана", "АЭОК", Organization.Kind.ASSOCIATION, "KZ-75"),
    ("Союз организаций инвалидов Казахстана", "СОИК", Organization.Kind.UNION_OF_ASSOCIATIONS, "KZ-71"),
    ("Общественный фонд «Хартия за права человека»", "Хартия", Organization.Kind.FOUNDATION, "KZ-75"),
    ("Ассоциация цифровой трансформации", "АЦТ", Organization.Kind.ASSOCIATION, "KZ-71"),
    ("Республиканский совет женщин", "РСЖ", Organization.Kind.PUBLIC_ASSOCIATION, "KZ-71"),
    ("Федерация футбола Казахстана", "ФФК", Organization.Kind.SPORTS_FEDERATION, "KZ-71"),
    ("«Союз отцов»", "Союз отцов", Organization.Kind.PUBLIC_ASSOCIATION, "KZ-35"),
    ("«Ассамблея жастары»", "Ассамблея жастары", Organization.Kind.PUBLIC_ASSOCIATION, "KZ-79"),
    ("«Международный правозащитный центр»", "МПЦ", Organization.Kind.PUBLIC_ASSOCIATION, "KZ-75"),
    (
        "Республиканская ассоциация горнодобывающих и горно-металлургических предприятий",
        "АГМП",
        Organization.Kind.ASSOCIATION,
        "KZ-35",
    ),
    ("Народный Конгресс местных сообществ Казахстана OSHAQ", "OSHAQ", Organization.Kind.PUBLIC_ASSOCIATION, "KZ-71"),
]


PLACE = "Астана"
AGENDA = (
    "1. О приёме общественных организаций в Народную коалицию.\n"
    "2. О проведении агитационных мероприятий в регионах.\n"
    "3. Об обучении наблюдателей и доверенных лиц кандидата.\n"
    "4. О правовых аспектах избирательной кампании.\n"
    "5. О сборе средств в избирательный фонд кандидата."
)
MINUTES = (
    "Рассмотрены организационные вопросы подготовки к предстоящей электоральной кампании. Обсуждены вопросы "
    "проведения агитационных мероприятий в регионах, обучения наблюдателей и доверенных лиц кандидата, правовые "
    "аспекты избирательной кампании.\n"
    "Участники сделали заявление о сборе средств для избирательного фонда кандидата на проведение агитационной "
    "кампании: пожертвования делаются исключительно на добровольной основе сторонниками кандидата; информация о "
    "принуждении к перечислению денежных средств является провокационной. Коалиция осуждает подобные действия и "
    "обратится с запросом в правоохранительные органы. О противоправных действиях просим сообщать в штаб: "
    "+7 7172 707 616."
)

# (organization short name, speaker as published, title, words as published)
STATEMENTS = [
    (
        "SERPIN",
        "Мурат Абенов",
        "Председатель Национальной палаты образования и инновации SERPIN",
        "Нынешняя избирательная кампания проходит в новом формате, поскольку общественные силы объединились "
        "в коалицию.",
    ),
    (
        "Bolashaq",
        "Алишер Дунгенин",
        "Исполнительный директор Ассоциации Bolashaq",
        "Мы должны показать стабильность и преемственность нашей внутренней и внешней политики.",
    ),
    (
        "Хартия",
        "Жемис Турмагамбетова",
        "Руководитель общественного фонда «Хартия за права человека»",
        "Я занимаюсь защитой прав человека более 30 лет. Мы присоединяемся к коалиции, чтобы совместно "
        "разъяснять людям важность проводимой работы по защите прав человека.",
    ),
    (
        "АЦТ",
        "Сергей Остапюк",
        "Представитель Ассоциации цифровой трансформации",
        "В Казахстане активно развивается IT рынок. Учитывая это, наша Ассоциация сегодня вступает в Народную "
        "коалицию.",
    ),
]

# Committee members without a published name are demo placeholders (made-up names, no IINs).
DEMO_COMMITTEE = [
    ("Асель Демоева", "Председатель организационного комитета (демо)"),
    ("Нурлан Примеров", "Секретарь организационного комитета (демо)"),
    ("Ольга Тестова", "Член организационного комитета (демо)"),
]

# (name, short name, kind, region code): applications waiting for the next meeting.
PENDING = [
    ("Общественное объединение «Молодёжь Карагандинской области» (демо)", "МКО", "public_association", "KZ-35"),
    ("Ассоциация фермеров Туркестанской области (демо)", "АФТО", "association", "KZ-61"),
    ("Профсоюз работников образования г. Шымкент (демо)", "ПРО", "trade_union", "KZ-79"),
]


def _committee(organizations: dict[str, Organization]) -> list[CommitteeMember]:
    members = []
    for short, speaker, title, _text in STATEMENTS:
        person, _ = Person.objects.get_or_create(full_name=speaker, defaults={"region": organizations[short].region})
        Affiliation.objects.get_or_create(
            person=person, organization=organizations[short], role=Affiliation.Role.HEAD, defaults={"title": title}
        )
        member, _ = CommitteeMember.objects.get_or_create(
            person=person, defaults={"title": title, "organization": organizations[short]}
        )
        members.append(member)
    for name, title in DEMO_COMMITTEE:
        person, _ = Person.objects.get_or_create(full_name=name)
        member, _ = CommitteeMember.objects.get_or_create(person=person, defaults={"title": title})
        members.append(member)
    return members


@transaction.atomic
def load_organizations() -> int:
    """Create the 15 organizations admitted at the seed meeting; return how many were new."""
    rng = random.Random(2026)  # nosec B311 # fixed seed: the same synthetic BINs every run, not a secret
    regions = {r.code: r for r in Region.objects.all()}
    created = 0
    for index, (name, short, kind, region_code) in enumerate(SEED_ORGANIZATIONS):
        bin_ = synthetic_bin(rng, year=1995 + index, month=1 + index % 12)
        _org, new = Organization.objects.get_or_create(
            name_ru=name,
            defaults={
                "short_name": short,
                "bin": bin_,
                "kind": kind,
                "region": regions[region_code],
                "status": Organization.Status.ADMITTED,
                "joined_on": SEED_MEETING_DATE,
            },
        )
        created += new
    return created


@transaction.atomic
def load_meeting() -> bool:
    """Create the seed meeting with its admission decision and statements; return whether it was new."""
    date_ = SEED_MEETING_DATE
    seed_names = [name for name, *_rest in SEED_ORGANIZATIONS]
    seed = list(Organization.objects.filter(name_ru__in=seed_names))
    by_short = {o.short_name: o for o in seed}
    committee = _committee(by_short)
    if CommitteeMeeting.objects.filter(held_on=date_, place=PLACE).exists():
        return False
    meeting = CommitteeMeeting.objects.create(
        held_on=date_, place=PLACE, agenda=AGENDA, minutes=MINUTES, committee_size=len(committee)
    )
    meeting.attendees.set(committee)
    decision = Decision.objects.create(
        meeting=meeting,
        number=1,
        kind=Decision.Kind.ADMISSION,
        text="Принять в Народную коалицию 15 общественных организаций согласно списку.",
        votes_for=len(committee),
        votes_against=0,
        votes_abstained=0,
        present=len(committee),
        quorum=len(committee) // 2 + 1,
        adopted=True,
    )
    decision.organizations.set(seed)
    for org in seed:
        if not org.status_changes.exists():
            StatusChange.objects.create(organization=org, to_status=Organization.Status.APPLIED)
            StatusChange.objects.create(
                organization=org,
                from_status=Organization.Status.APPLIED,
                to_status=Organization.Status.ADMITTED,
                decision=decision,
            )
    for short, speaker, title, text in STATEMENTS:
        StatementOfSupport.objects.get_or_create(
            organization=by_short[short],
            speaker_name=speaker,
            defaults={
                "speaker_title": title,
                "text": text,
                "made_on": date_,
                "meeting": meeting,
                "may_publish": True,
            },
        )
    return True


@transaction.atomic
def load_pending() -> int:
    """Create a few pending applications with synthetic BINs; return how many were new."""
    rng = random.Random(7)  # nosec B311 # seeded synthetic demo data, not a secret
    regions = {r.code: r for r in Region.objects.all()}
    created = 0
    for index, (name, short, kind, region_code) in enumerate(PENDING):
        bin_ = synthetic_bin(rng, year=2010 + index, month=3 + index)
        org, new = Organization.objects.get_or_create(
            name_ru=name,
            defaults={
                "short_name": short,
                "bin": bin_,
                "kind": kind,
                "region": regions[region_code],
                "email": f"demo-applicant-{index + 1}@example.kz",
                "head_name": "Руководитель (демо)",
                "head_title": "Председатель",
            },
        )
        if new:
            StatusChange.objects.create(organization=org, to_status=Organization.Status.APPLIED)
        created += new
    return created


def load(stdout: OutputWrapper) -> None:
    new_meeting = load_meeting()
    pending = load_pending()
    stdout.write(
        f"Members: seed meeting {'created' if new_meeting else 'already there'}, "
        f"{len(STATEMENTS)} statements, {pending} new pending applications."
    )
