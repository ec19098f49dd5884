"""Encrypt the identity vault at rest (hotline/vault.py), and mark letters whose kept copy lost the
identity at retention.

The columns become text (a Fernet token is longer than the plain value), then every existing row is encrypted
under the first key of HOTLINE_IDENTITY_KEYS with raw SQL (the historical model would try to decrypt plain text).
A value that already opens with a configured key is left alone, so the migration is safe to run twice.
"""

import django.core.validators
from django.db import migrations, models

import hotline.vault

COLUMNS = ("full_name", "phone", "email", "other_contact")


def _convert(schema_editor, convert):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(COLUMNS)} FROM hotline_reporteridentity ORDER BY id")
        rows = cursor.fetchall()
        for pk, *values in rows:
            cursor.execute(
                f"UPDATE hotline_reporteridentity SET {', '.join(f'{c} = %s' for c in COLUMNS)} WHERE id = %s",
                [*(convert(value or "") for value in values), pk],
            )


def _is_token(value):
    try:
        hotline.vault.decrypt(value)
    except (hotline.vault.InvalidToken, UnicodeEncodeError, ValueError):
        return False
    return True


def encrypt_existing(apps, schema_editor):
    vault = hotline.vault
    _convert(schema_editor, lambda value: value if value == "" or _is_token(value) else vault.encrypt(value))


def decrypt_existing(apps, schema_editor):
    vault = hotline.vault
    _convert(schema_editor, lambda value: vault.decrypt(value) if value and _is_token(value) else value)


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0002_agencies_and_policy"),
    ]

    operations = [
        migrations.AddField(
            model_name="forwarding",
            name="identity_removed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When retention ended: the kept copy was regenerated without the identity (the letter as sent had it).",
                null=True,
                verbose_name="identity removed from the kept letter",
            ),
        ),
        migrations.AlterField(
            model_name="reporteridentity",
            name="email",
            field=hotline.vault.EncryptedTextField(
                blank=True, validators=[django.core.validators.EmailValidator()], verbose_name="email"
            ),
        ),
        migrations.AlterField(
            model_name="reporteridentity",
            name="full_name",
            field=hotline.vault.EncryptedTextField(blank=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="reporteridentity",
            name="other_contact",
            field=hotline.vault.EncryptedTextField(blank=True, verbose_name="other contact"),
        ),
        migrations.AlterField(
            model_name="reporteridentity",
            name="phone",
            field=hotline.vault.EncryptedTextField(blank=True, verbose_name="phone"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
