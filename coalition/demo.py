"""Demo data from the source story (../shared/DOMAIN.md, seed/): the 15 organizations and one account per role.

Every function is idempotent: running the demo loader again changes nothing that is already there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from coalition.identifiers import synthetic_bin
from coalition.models import Profile, Region
from coalition.roles import Role
from members.models import Organization

DEMO_PASSWORD = "coalition-demo-2026"  # noqa: S105  # nosec B105 # demo accounts only, printed to the developer
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


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str | None
    first_name: str
    last_name: str
    region_code: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("admin", None, "Админ", "Штаба"),
    DemoAccount("staff", Role.COMMITTEE_STAFF, "Айгерим", "Сотрудникова"),
    DemoAccount("coordinator", Role.REGIONAL_COORDINATOR, "Ержан", "Карагандинов", "KZ-35"),
    DemoAccount("trainer", Role.TRAINER, "Динара", "Тренерова"),
    DemoAccount("finance", Role.FINANCE_OFFICER, "Болат", "Финансов"),
    DemoAccount("integrity", Role.INTEGRITY_OFFICER, "Гульнар", "Честнова"),
    DemoAccount("auditor", Role.AUDITOR, "Марат", "Аудиторов"),
]


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
def load_accounts(password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """Create one demo account per role (and a superuser); existing accounts keep their passwords."""
    User = get_user_model()
    regions = {r.code: r for r in Region.objects.all()}
    for account in DEMO_ACCOUNTS:
        user, new = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@coalition.example.kz",
                "is_superuser": account.role is None,
                "is_staff": account.role is None,
            },
        )
        if new:
            user.set_password(password)
            user.save(update_fields=["password"])
        if account.role:
            user.groups.add(Group.objects.get(name=account.role))
        Profile.objects.update_or_create(
            user=user, defaults={"region": regions.get(account.region_code) if account.region_code else None}
        )
    return DEMO_ACCOUNTS
