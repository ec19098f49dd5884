"""Stations (and, optionally, training sessions) belong to an election (issue #18), step 1 of 3.

The station's election is added as a nullable column first, so that 0013 can fill it from the rows already there
and 0014 can then make it required; the three steps are separate migrations, since on PostgreSQL a table whose
foreign-key column was just updated (deferred trigger events pending) cannot be altered in the same transaction.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coalition", "0005_election_schedule"),
        ("events", "0011_attendance_and_schedule_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="pollingstation",
            name="election",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stations",
                to="coalition.election",
                verbose_name="election",
            ),
        ),
        migrations.AddField(
            model_name="pollingstation",
            name="voters",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="The number of voters on the precinct's lists (from the election commission).",
                null=True,
                verbose_name="voters on the lists",
            ),
        ),
        migrations.AddField(
            model_name="trainingsession",
            name="election",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="training_sessions",
                to="coalition.election",
                verbose_name="training for an election",
            ),
        ),
    ]
