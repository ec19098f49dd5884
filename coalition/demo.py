"""Demo data from the source story (docs/domain.md §1): one account per role.

The 15 seed organizations are the members app's (``members.demo.load_organizations``).

Every function is idempotent: running the demo loader again changes nothing that is already there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from coalition.models import Profile, Region
from coalition.roles import Role

DEMO_PASSWORD = "coalition-demo-2026"  # noqa: S105  # nosec B105 # demo accounts only, printed to the developer


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role | None
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
