"""Stations belong to an election (issue #18), step 3 of 3: the election is required and the number is unique per
election and region (precincts are formed anew for each election)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coalition", "0005_election_schedule"),
        ("events", "0013_station_election_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="pollingstation",
            name="election",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stations",
                to="coalition.election",
                verbose_name="election",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="pollingstation",
            name="events_station_number_unique",
        ),
        migrations.AddConstraint(
            model_name="pollingstation",
            constraint=models.UniqueConstraint(
                fields=("election", "region", "number"), name="events_station_number_per_election"
            ),
        ),
    ]
