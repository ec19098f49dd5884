"""Kazakhstan's 17 oblasts and 3 cities of republican significance, ISO 3166-2:KZ codes since 2022."""

from django.db import migrations

REGIONS = [
    # code, kind, Russian, Kazakh, English
    ("KZ-10", "oblast", "Абайская область", "Абай облысы", "Abai Region"),
    ("KZ-11", "oblast", "Акмолинская область", "Ақмола облысы", "Akmola Region"),
    ("KZ-15", "oblast", "Актюбинская область", "Ақтөбе облысы", "Aktobe Region"),
    ("KZ-19", "oblast", "Алматинская область", "Алматы облысы", "Almaty Region"),
    ("KZ-23", "oblast", "Атырауская область", "Атырау облысы", "Atyrau Region"),
    ("KZ-27", "oblast", "Западно-Казахстанская область", "Батыс Қазақстан облысы", "West Kazakhstan Region"),
    ("KZ-31", "oblast", "Жамбылская область", "Жамбыл облысы", "Jambyl Region"),
    ("KZ-33", "oblast", "Жетысуская область", "Жетісу облысы", "Jetisu Region"),
    ("KZ-35", "oblast", "Карагандинская область", "Қарағанды облысы", "Karaganda Region"),
    ("KZ-39", "oblast", "Костанайская область", "Қостанай облысы", "Kostanay Region"),
    ("KZ-43", "oblast", "Кызылординская область", "Қызылорда облысы", "Kyzylorda Region"),
    ("KZ-47", "oblast", "Мангистауская область", "Маңғыстау облысы", "Mangystau Region"),
    ("KZ-55", "oblast", "Павлодарская область", "Павлодар облысы", "Pavlodar Region"),
    ("KZ-59", "oblast", "Северо-Казахстанская область", "Солтүстік Қазақстан облысы", "North Kazakhstan Region"),
    ("KZ-61", "oblast", "Туркестанская область", "Түркістан облысы", "Turkistan Region"),
    ("KZ-62", "oblast", "Улытауская область", "Ұлытау облысы", "Ulytau Region"),
    ("KZ-63", "oblast", "Восточно-Казахстанская область", "Шығыс Қазақстан облысы", "East Kazakhstan Region"),
    ("KZ-71", "city", "г. Астана", "Астана қаласы", "Astana"),
    ("KZ-75", "city", "г. Алматы", "Алматы қаласы", "Almaty"),
    ("KZ-79", "city", "г. Шымкент", "Шымкент қаласы", "Shymkent"),
]


def add_regions(apps, schema_editor):
    Region = apps.get_model("coalition", "Region")
    for code, kind, name_ru, name_kk, name_en in REGIONS:
        Region.objects.update_or_create(
            code=code, defaults={"kind": kind, "name_ru": name_ru, "name_kk": name_kk, "name_en": name_en}
        )


def remove_regions(apps, schema_editor):
    apps.get_model("coalition", "Region").objects.filter(code__in=[r[0] for r in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("coalition", "0001_initial")]
    operations = [migrations.RunPython(add_regions, remove_regions)]
