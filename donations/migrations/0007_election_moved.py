"""The election moves to the ground floor (issue #18): one coalition-wide object for the fund, training, deployment
and election day. Only Django's idea of the models changes; the table ``donations_election`` stays where it is.
"""

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Keep the permissions (and the audit trail's links): the content type changes app, its rows stay."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label="donations", model="election").first()
    if old is None:
        return
    if ContentType.objects.filter(app_label="coalition", model="election").exists():
        return
    old.app_label = "coalition"
    old.save(update_fields=["app_label"])


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="coalition", model="election").update(app_label="donations")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("donations", "0006_coercion_signals"),
        ("coalition", "0004_election_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ruleversion",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rule_versions",
                        to="coalition.election",
                        verbose_name="election",
                    ),
                ),
                migrations.AlterField(
                    model_name="pledge",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="pledges",
                        to="coalition.election",
                        verbose_name="election",
                    ),
                ),
                migrations.AlterField(
                    model_name="statementimport",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="imports",
                        to="coalition.election",
                        verbose_name="election",
                    ),
                ),
                migrations.AlterField(
                    model_name="donation",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="donations",
                        to="coalition.election",
                        verbose_name="election",
                    ),
                ),
                migrations.AlterField(
                    model_name="refund",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refunds",
                        to="coalition.election",
                        verbose_name="election",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger",
                        to="coalition.election",
                        verbose_name="election",
                    ),
                ),
                migrations.AlterField(
                    model_name="correction",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="corrections",
                        to="coalition.election",
                        verbose_name="election",
                    ),
                ),
                migrations.AlterField(
                    model_name="compliancereport",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="coalition.election",
                        verbose_name="election",
                    ),
                ),
                migrations.AlterField(
                    model_name="coercionalert",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="alerts",
                        to="coalition.election",
                        verbose_name="election",
                    ),
                ),
                migrations.AlterField(
                    model_name="ledgerdaytally",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="coalition.election"
                    ),
                ),
                migrations.AlterField(
                    model_name="donationtally",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="coalition.election"
                    ),
                ),
                migrations.AlterField(
                    model_name="refundtally",
                    name="election",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="coalition.election"
                    ),
                ),
                migrations.DeleteModel(name="Election"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
