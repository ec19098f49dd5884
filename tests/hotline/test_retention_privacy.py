"""Issue #16, class 4: retention removes every copy of a reporter's identity.

The reporter's name, phone, email and other contact are unique canaries. The case is driven through everything
that can copy an identity (emails to the reporter delivered by the development mailbox, a look at the vault, an
approved disclosure, letters that include the identity), closed, answered and left to age past retention; then
the real retention task runs. Afterwards every text column of every table (found through information_schema, so
a table added tomorrow is searched too) and every stored file (MEDIA_ROOT, the mailbox and SMS folders) is
searched for each canary: there must be no hit. Before retention the same search must find each canary, so the
search itself is shown to work.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from coalition.models import AuditEntry
from coalition.outbox import deliver_pending
from hotline import services, tasks
from hotline.models import Agency, Forwarding, Report, ReporterIdentity
from tests.hotline.factories import file_report, identity

pytestmark = pytest.mark.django_db

TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "ARRAY", "USER-DEFINED", "bytea")


def database_hits(needle: str) -> list[str]:
    """Return ``table.column`` of every text-like column of every table that contains ``needle`` (ILIKE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.data_type = ANY(%s)
            ORDER BY 1, 2
            """,
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        assert len(columns) > 100  # every app's tables are searched, not a chosen few
        hits = []
        for table, column, data_type in columns:
            quoted = f"{connection.ops.quote_name(table)}.{connection.ops.quote_name(column)}"
            as_text = f"convert_from({quoted}, 'UTF8')" if data_type == "bytea" else f"{quoted}::text"
            query = f"SELECT count(*) FROM {connection.ops.quote_name(table)} WHERE {as_text} ILIKE %s"  # noqa: S608 - names from the catalogue
            cursor.execute(query, [f"%{needle}%"])
            if cursor.fetchone()[0]:
                hits.append(f"{table}.{column}")
    return hits


def file_hits(needle: str, folders: list[Path]) -> list[str]:
    """Return every file under ``folders`` whose text contains ``needle`` (read as UTF-8, case-insensitive)."""
    wanted = needle.casefold()
    return [
        str(path)
        for folder in folders
        if folder.exists()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and wanted in path.read_bytes().decode("utf-8", errors="replace").casefold()
    ]


@pytest.fixture
def mailbox(settings, tmp_path, monkeypatch):
    """Deliver through the development mailbox (files under var/mail), and write letters as HTML so a byte
    search can read them (WeasyPrint compresses a PDF's text; the redaction is the same for either format)."""
    settings.EMAIL_BACKEND = "coalition.outbox.backends.KeyedFileEmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    monkeypatch.setattr("hotline.letters.pdf_available", lambda: False)
    return [Path(settings.MEDIA_ROOT), settings.EMAIL_FILE_PATH, settings.SMS_FILE_PATH]


def test_retention_removes_every_copy_of_the_identity(mailbox, integrity_officer, staff_user):
    token = secrets.token_hex(6)
    canaries = {
        "name": f"Канарейкина CanaryName{token}",
        "phone": f"+7701{secrets.randbelow(10**7):07d}",
        "email": f"canary{token}@example.kz",
        "other": f"tg-canaryother{token}",
    }
    receipt = file_report(
        identity=identity(
            full_name=canaries["name"],
            phone=canaries["phone"],
            email=canaries["email"],
            other_contact=canaries["other"],
            consent_to_contact=True,
            consent_to_share=True,
        )
    )
    report = receipt.report
    prosecutor = Agency.objects.get(code="prosecutor_regional")
    police = Agency.objects.get(code="police")
    today = timezone.localdate()

    services.reveal_identity(report=report, user=integrity_officer, reason="call back", ip_address="10.0.0.9")
    disclosure = services.request_disclosure(
        report=report, agency=police, legal_basis="Запрос полиции № 5", by=integrity_officer
    )
    services.approve_disclosure(disclosure=disclosure, by=staff_user)
    letters = [
        services.forward_report(
            report=report,
            agency=agency,
            sent_on=today,
            outgoing_number=f"07-15/{n}",
            include_identity=True,
            by=integrity_officer,
            ip_address="10.0.0.9",
        )
        for n, agency in enumerate([prosecutor, police], start=1)
    ]
    for forwarding in letters:
        services.record_agency_answer(
            forwarding=forwarding,
            by=integrity_officer,
            outcome="Проверка проведена",
            outcome_on=today,
            outcome_public="Проверка проведена.",
        )
    services.close_report(report=report, public_note="Спасибо.", by=integrity_officer)
    assert deliver_pending() >= 4  # the reporter's news (2 forwarded, 2 answered, closed) reached the mailbox

    # The search works: before retention each canary is found somewhere (letters, outbox, mailbox files).
    for label, canary in canaries.items():
        assert database_hits(canary) or file_hits(canary, mailbox), f"{label} canary not found before retention"
    assert file_hits(canaries["email"], [mailbox[1]]), "the mailbox holds the reporter's address before retention"

    with time_machine.travel(timezone.now() + timedelta(days=400)):
        assert tasks.anonymise_expired_reports() == 1
        assert tasks.anonymise_expired_reports() == 0  # safe to run twice

    leaks = {
        label: database_hits(canary) + file_hits(canary, mailbox)
        for label, canary in canaries.items()
        if database_hits(canary) or file_hits(canary, mailbox)
    }
    assert leaks == {}, f"the identity survived retention in: {leaks}"

    # What stays: the case's facts, the ledger (the letters are kept, redacted), and the audit chain.
    report = Report.objects.get(pk=report.pk)
    assert report.anonymised_at is not None and report.description
    assert not ReporterIdentity.objects.filter(report=report).exists()
    for forwarding in Forwarding.objects.filter(report=report):
        assert forwarding.includes_identity and forwarding.identity_removed_at is not None
        text = (Path(mailbox[0]) / forwarding.letter.name).read_text()
        assert report.tracking_code in text and forwarding.outgoing_number in text
    assert AuditEntry.objects.filter(action="hotline.anonymised", object_id=str(report.pk)).exists()


def test_the_mailbox_forgets_one_reporter_and_keeps_the_others(mailbox):
    from django.core.mail import EmailMessage

    from coalition.outbox.backends import KeyedFileEmailBackend

    backend = KeyedFileEmailBackend()
    keys = {"hotline:reporter:1:closed": "one@example.kz", "hotline:reporter:11:closed": "eleven@example.kz"}
    backend.send_messages(
        [EmailMessage("s", "b", to=[to], headers={"X-Coalition-Key": key}) for key, to in keys.items()]
    )
    folder = mailbox[1]
    (folder / ".hotline_reporter_1_closed.eml.999.tmp").write_text("To: one@example.kz")  # a killed write
    assert backend.forget("hotline:reporter:1:") == 2
    assert not backend.delivered("hotline:reporter:1:closed") and backend.delivered("hotline:reporter:11:closed")
    assert file_hits("one@example.kz", [folder]) == []
    assert file_hits("eleven@example.kz", [folder]) == [
        str(folder / "hotline_reporter_11_closed.eml"),
        str(folder / "sent.log"),
    ]
