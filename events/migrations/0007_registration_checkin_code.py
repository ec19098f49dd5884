import secrets

from django.db import migrations, models

import events.models

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def fill_codes(apps, schema_editor):
    Registration = apps.get_model("events", "Registration")
    used = set()
    for registration in Registration.objects.filter(checkin_code__isnull=True).only("pk"):
        code = "".join(secrets.choice(ALPHABET) for _ in range(10))
        while code in used:
            code = "".join(secrets.choice(ALPHABET) for _ in range(10))
        used.add(code)
        Registration.objects.filter(pk=registration.pk).update(checkin_code=code)


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0006_proposals_and_approval"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="checkin_code",
            field=models.CharField(max_length=12, null=True, verbose_name="check-in code"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="registration",
            name="checkin_code",
            field=models.CharField(
                default=events.models.new_checkin_code, max_length=12, unique=True, verbose_name="check-in code"
            ),
        ),
    ]
