"""Seed the rules kept as data: Kazakhstan's public holidays for 2026-2027, akimat lead times, the policy row."""

from datetime import date

from django.db import migrations

LABOR_CODE = "Закон РК «О праздниках в Республике Казахстан» (No. 267-I, 13.12.2001), ст. 5; Трудовой кодекс, ст. 85"
TRANSFER = "Перенос выходного дня, совпавшего с праздником (Трудовой кодекс, ст. 85) — проверить постановление Правительства"

HOLIDAYS = [
    # 2026
    (date(2026, 1, 1), "Новый год", "holiday"),
    (date(2026, 1, 2), "Новый год", "holiday"),
    (date(2026, 1, 7), "Православное Рождество", "holiday"),
    (date(2026, 3, 9), "Международный женский день (перенос с 8 марта)", "transfer"),
    (date(2026, 3, 23), "Наурыз мейрамы", "holiday"),
    (date(2026, 3, 24), "Наурыз мейрамы (перенос с 21 марта)", "transfer"),
    (date(2026, 3, 25), "Наурыз мейрамы (перенос с 22 марта)", "transfer"),
    (date(2026, 5, 1), "Праздник единства народа Казахстана", "holiday"),
    (date(2026, 5, 7), "День защитника Отечества", "holiday"),
    (date(2026, 5, 11), "День Победы (перенос с 9 мая)", "transfer"),
    (date(2026, 5, 27), "Курбан айт (первый день)", "holiday"),
    (date(2026, 7, 6), "День столицы", "holiday"),
    (date(2026, 8, 31), "День Конституции (перенос с 30 августа)", "transfer"),
    (date(2026, 10, 26), "День Республики (перенос с 25 октября)", "transfer"),
    (date(2026, 12, 16), "День Независимости", "holiday"),
    # 2027
    (date(2027, 1, 1), "Новый год", "holiday"),
    (date(2027, 1, 4), "Новый год (перенос со 2 января)", "transfer"),
    (date(2027, 1, 7), "Православное Рождество", "holiday"),
    (date(2027, 3, 8), "Международный женский день", "holiday"),
    (date(2027, 3, 22), "Наурыз мейрамы", "holiday"),
    (date(2027, 3, 23), "Наурыз мейрамы", "holiday"),
    (date(2027, 3, 24), "Наурыз мейрамы (перенос с 21 марта)", "transfer"),
    (date(2027, 5, 3), "Праздник единства народа Казахстана (перенос с 1 мая)", "transfer"),
    (date(2027, 5, 7), "День защитника Отечества", "holiday"),
    (date(2027, 5, 10), "День Победы (перенос с 9 мая)", "transfer"),
    (date(2027, 7, 6), "День столицы", "holiday"),
    (date(2027, 8, 30), "День Конституции", "holiday"),
    (date(2027, 10, 25), "День Республики", "holiday"),
    (date(2027, 12, 16), "День Независимости", "holiday"),
]

ASSEMBLIES_LAW = "Закон РК «О порядке организации и проведения мирных собраний» (No. 333-VI, 25.05.2020)"
NOTICE_RULES = [
    ("meeting", "notification", 5),
    ("picket", "notification", 5),
    ("rally", "notification", 5),
    ("march", "approval", 10),
    ("demonstration", "approval", 10),
]


def seed(apps, schema_editor):
    Holiday = apps.get_model("events", "Holiday")
    NoticeRule = apps.get_model("events", "NoticeRule")
    Policy = apps.get_model("events", "Policy")
    for day, name, kind in HOLIDAYS:
        Holiday.objects.get_or_create(
            date=day, defaults={"name": name, "kind": kind, "source": TRANSFER if kind == "transfer" else LABOR_CODE}
        )
    for kind, requirement, days in NOTICE_RULES:
        NoticeRule.objects.get_or_create(
            event_kind=kind,
            valid_from=date(2020, 6, 1),
            defaults={"requirement": requirement, "working_days": days, "source": ASSEMBLIES_LAW},
        )
    if not Policy.objects.exists():
        Policy.objects.create(proxies_per_station=3, reminder_catch_up_hours=6, notice_warning_days=3)


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
