"""The identity vault is encrypted at rest: a dump of the database (read here as raw SQL rows) does not reveal who
reported; keys come from the environment, rotate without losing a row, and production refuses to start without."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection

from coalition.models import AuditEntry
from hotline.models import ReporterIdentity
from tests.hotline.factories import file_report, identity

pytestmark = pytest.mark.django_db

CANARY = {
    "full_name": "Канарейкина Vaultname Q7",
    "phone": "+77015550199",
    "email": "vault-canary-q7@example.kz",
    "other_contact": "tg @vaultcanaryq7",
}


def raw_row(pk: int) -> dict:
    """Return the vault row as the database (and so any dump or backup of it) holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(r)::text FROM hotline_reporteridentity r WHERE id = %s", [pk])
        return json.loads(cursor.fetchone()[0])


def test_a_raw_read_of_the_vault_shows_no_identity(settings):
    report = file_report(identity=identity(**CANARY)).report
    stored = ReporterIdentity.objects.get(report=report)
    row = raw_row(stored.pk)
    dump = str(row).casefold()
    for field, value in CANARY.items():
        assert value.casefold() not in dump, f"{field} is readable in the raw row"
        assert Fernet(settings.HOTLINE_IDENTITY_KEYS[0]).decrypt(row[field].encode()).decode() == value
        assert getattr(stored, field) == value  # the application reads it as before
    # Two encryptions of the same text differ, so equal identities cannot be linked through the dump either.
    other = ReporterIdentity.objects.get(report=file_report(identity=identity(**CANARY)).report)
    assert raw_row(other.pk)["full_name"] != row["full_name"]


def test_rotation_reencrypts_every_row_under_the_new_key(settings):
    old_key = settings.HOTLINE_IDENTITY_KEYS[0]
    new_key = Fernet.generate_key().decode()
    pk = ReporterIdentity.objects.get(report=file_report(identity=identity(**CANARY)).report).pk
    empty_phone = ReporterIdentity.objects.get(report=file_report(identity=identity(phone="")).report).pk

    settings.HOTLINE_IDENTITY_KEYS = [new_key, old_key]  # step 1: the new key first, the old one still opens
    assert ReporterIdentity.objects.get(pk=pk).full_name == CANARY["full_name"]
    call_command("reencrypt_identity_vault", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert AuditEntry.objects.filter(action="hotline.vault_reencrypted", data__rows=2).exists()

    settings.HOTLINE_IDENTITY_KEYS = [new_key]  # step 2: the old key is gone, every row still reads
    assert ReporterIdentity.objects.get(pk=pk).email == CANARY["email"]
    assert ReporterIdentity.objects.get(pk=empty_phone).phone == ""
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(raw_row(pk)["full_name"].encode())

    settings.HOTLINE_IDENTITY_KEYS = [old_key]  # the retired key alone opens nothing any more
    with pytest.raises(InvalidToken):
        ReporterIdentity.objects.get(pk=pk)


def test_rotation_with_a_key_that_opens_nothing_changes_nothing(settings):
    pk = ReporterIdentity.objects.get(report=file_report(identity=identity(**CANARY)).report).pk
    before = raw_row(pk)
    settings.HOTLINE_IDENTITY_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="none of the keys"):
        call_command("reencrypt_identity_vault")
    assert raw_row(pk) == before


def test_the_migration_encrypts_rows_written_in_plain_text_and_is_safe_to_run_twice():
    migration = importlib.import_module("hotline.migrations.0003_identity_vault_encrypted")
    pk = ReporterIdentity.objects.get(report=file_report(identity=identity(**CANARY)).report).pk
    with connection.cursor() as cursor:  # a row as the unencrypted vault held it
        cursor.execute(
            "UPDATE hotline_reporteridentity SET full_name = %s, phone = %s, email = %s, other_contact = '' "
            "WHERE id = %s",
            [CANARY["full_name"], CANARY["phone"], CANARY["email"], pk],
        )
    editor = SimpleNamespace(connection=connection)
    migration.encrypt_existing(None, editor)
    once = raw_row(pk)
    migration.encrypt_existing(None, editor)
    assert raw_row(pk) == once  # tokens are left alone
    assert CANARY["full_name"] not in str(once) and once["other_contact"] == ""
    stored = ReporterIdentity.objects.get(pk=pk)
    assert (stored.full_name, stored.phone, stored.email) == (CANARY["full_name"], CANARY["phone"], CANARY["email"])
    migration.decrypt_existing(None, editor)  # the way back, for a rollback of the deployment
    assert raw_row(pk)["full_name"] == CANARY["full_name"]


def _start_settings(**overrides) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "coalition.settings", "DEBUG": "0", **overrides}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("keys", ["", "not-a-fernet-key"])
def test_settings_refuse_to_start_in_production_without_valid_identity_keys(keys):
    result = _start_settings(HOTLINE_IDENTITY_KEYS=keys)
    assert result.returncode != 0 and "HOTLINE_IDENTITY_KEYS" in result.stderr
    assert "not-a-fernet-key" not in result.stderr  # a bad key is not echoed into logs


def test_settings_start_with_a_valid_key_in_production():
    result = _start_settings(HOTLINE_IDENTITY_KEYS=f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}")
    assert result.returncode == 0, result.stderr
