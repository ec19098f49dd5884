import pytest
from django.contrib.auth.models import Group

from coalition.models import Region
from coalition.roles import Role, role_permissions, sync_role_permissions

pytestmark = pytest.mark.django_db


def test_all_twenty_regions_with_three_languages():
    assert Region.objects.count() == 20
    assert Region.objects.filter(kind="city").count() == 3
    astana = Region.objects.get(code="KZ-71")
    assert (astana.name_ru, astana.name_kk, astana.name_en) == ("г. Астана", "Астана қаласы", "Astana")
    assert not Region.objects.filter(name_kk="").exists()
    assert set(Region.objects.values_list("code", flat=True)) >= {"KZ-10", "KZ-33", "KZ-62", "KZ-79"}


def test_region_name_follows_active_language():
    from django.utils import translation

    region = Region.objects.get(code="KZ-35")
    with translation.override("kk"):
        assert region.name == "Қарағанды облысы"
    with translation.override("en"):
        assert region.name == "Karaganda Region"


def test_every_role_is_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_groups_hold_exactly_the_declared_permissions():
    declared = role_permissions()
    for role in Role.values:
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == declared[role], role


def test_auditor_may_only_view():
    perms = role_permissions()[Role.AUDITOR]
    assert perms and all(p.split(".")[1].startswith("view_") for p in perms)


def test_sync_restores_removed_permissions():
    group = Group.objects.get(name=Role.AUDITOR)
    group.permissions.clear()
    sync_role_permissions()
    assert group.permissions.filter(codename="view_auditentry").exists()
