"""The election moves here from the fund (issue #18): one coalition-wide object for the fund, training, deployment
and election day. Only Django's idea of the models changes: the table ``donations_election`` and its rows stay.
"""

import coalition.identifiers
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coalition", "0003_roles"),
        ("donations", "0006_coercion_signals"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Election",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("slug", models.SlugField(max_length=60, unique=True, verbose_name="slug")),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("presidential", "Presidential"),
                                    ("parliamentary", "Parliamentary"),
                                    ("local", "Local (maslikhat)"),
                                ],
                                default="presidential",
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "candidate_iin",
                            models.CharField(
                                help_text="Money from this IIN is own money.",
                                max_length=12,
                                validators=[coalition.identifiers.validate_iin],
                                verbose_name="candidate's IIN",
                            ),
                        ),
                        (
                            "association_bin",
                            models.CharField(
                                help_text="Money from this BIN is the nominating association's.",
                                max_length=12,
                                validators=[coalition.identifiers.validate_bin],
                                verbose_name="nominating association's BIN",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                    ],
                    options={
                        "verbose_name": "election",
                        "verbose_name_plural": "elections",
                        "ordering": ["-created_at"],
                        "db_table": "donations_election",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
