import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from coalition.demo import DEMO_ACCOUNTS
from coalition.identifiers import is_valid_bin
from members.demo import SEED_ORGANIZATIONS
from members.models import Organization

pytestmark = pytest.mark.django_db


def test_demo_loads_seed_organizations_and_accounts_idempotently(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    seed = Organization.objects.filter(name_ru__in=[name for name, *_ in SEED_ORGANIZATIONS])
    assert seed.count() == len(SEED_ORGANIZATIONS) == 15
    assert set(seed.values_list("status", flat=True)) == {"admitted"}
    assert all(is_valid_bin(b) for b in Organization.objects.values_list("bin", flat=True))
    assert Organization.objects.filter(name_ru="Федерация футбола Казахстана", kind="sports_federation").exists()
    users = get_user_model().objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    assert users.count() == len(DEMO_ACCOUNTS)
    coordinator = users.get(username="coordinator")
    assert coordinator.profile.region.code == "KZ-35"
    assert users.get(username="auditor").groups.filter(name="auditor").exists()
    assert "coalition-demo-2026" in capsys.readouterr().out


def test_demo_accounts_refused_without_debug(settings):
    from django.core.management import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo")
    assert not Organization.objects.exists()  # refused before writing anything
