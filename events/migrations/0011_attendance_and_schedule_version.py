from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0010_rules_by_construction"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="schedule_version",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Counts the changes of time or place; registrants are told once per version.",
                verbose_name="time and place version",
            ),
        ),
        migrations.AddField(
            model_name="registration",
            name="confirmed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the person confirmed from their personal link that they are coming.",
                null=True,
                verbose_name="attendance confirmed at",
            ),
        ),
    ]
