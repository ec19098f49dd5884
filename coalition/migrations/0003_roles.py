"""Create one group per role; their permissions are synced after every migrate (coalition.roles)."""

from django.db import migrations

ROLES = [
    "committee_staff",
    "regional_coordinator",
    "trainer",
    "finance_officer",
    "integrity_officer",
    "auditor",
]


def add_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("coalition", "0002_regions"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(add_groups, remove_groups)]
