"""Step 3 of the people import: keep the upload for its preview, and apply it whole once the user confirms.

:func:`apply_import` re-reads the stored file, re-plans it inside one transaction with the people locked, and
applies it only if the plan's digest is still the one the user previewed and no row has an error: all rows or none,
written in bulk. One audit entry records the file and every person it created or changed.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from coalition import audit
from coalition.models import Region
from members import identity
from members.models import Affiliation, PeopleImport, Person
from members.people_import.planning import Plan, plan
from members.people_import.reading import read_file
from members.people_import.rows import RowPlan
from members.services import CONSENT_TEXT_VERSION

IMPORT_CONSENT_TEXT = gettext_lazy(
    "The person gave written consent to the coalition HQ processing their name, IIN, phone and email for the "
    "purpose stated; the signed consent is kept by the office that recorded it. Recorded by a bulk import of people."
)


class ImportRefused(ValidationError):
    """The confirmation was refused; nothing was written."""


def preview_expired(people_import: PeopleImport) -> bool:
    return people_import.created_at < timezone.now() - timedelta(hours=settings.PEOPLE_IMPORT_PREVIEW_HOURS)


def store_upload(*, content: bytes, filename: str, uploaded_by: User) -> PeopleImport:
    """Check the file can be read (FileRefused otherwise) and keep it for the preview and the confirmation."""
    read_file(content)
    # Uploads that were never confirmed hold personal data for nothing: drop them once they can no longer be applied.
    PeopleImport.objects.filter(
        status=PeopleImport.Status.PREVIEWED,
        created_at__lt=timezone.now() - timedelta(hours=settings.PEOPLE_IMPORT_PREVIEW_HOURS),
    ).delete()
    return PeopleImport.objects.create(
        uploaded_by=uploaded_by,
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def preview(people_import: PeopleImport, *, scope: Region | None) -> Plan:
    """Return the dry run of a stored upload (nothing is written)."""
    return plan(read_file(bytes(people_import.content)), scope=scope)


def apply_import(*, people_import: PeopleImport, digest: str, scope: Region | None, applied_by: User) -> dict[str, int]:
    """Apply a previewed upload in one transaction, exactly as previewed, or refuse it (ImportRefused)."""
    try:
        with transaction.atomic():
            totals = _apply(people_import=people_import, digest=digest, scope=scope, applied_by=applied_by)
    except IntegrityError as exc:  # someone recorded one of these IINs since the preview
        raise ImportRefused(
            _("The people changed since the preview: nothing was imported. Look at the preview again."),
            code="changed",
        ) from exc
    return totals


def _apply(*, people_import: PeopleImport, digest: str, scope: Region | None, applied_by: User) -> dict[str, int]:
    record = _claim_record(people_import)
    result = _confirmed_plan(record, digest=digest, scope=scope)
    now = timezone.now()
    rows = [row for row in result.rows if row.status in ("new", "update")]
    # Written in bulk (a few queries for the whole file, not a few per row), inside this one transaction.
    person_of = _record_people(rows, applied_by=applied_by)
    _update_people(rows, person_of)
    _write_affiliations(rows, person_of)
    totals = result.totals
    record.status = PeopleImport.Status.APPLIED
    record.applied_at = now
    record.summary = totals
    record.content = b""  # the people are in the database now; the file's personal data need not stay twice
    record.save(update_fields=["status", "applied_at", "summary", "content"])
    # One audit entry for the file, naming every person created or changed and how (ids and field names only).
    audit.record(
        actor=applied_by,
        action="members.people.import",
        obj=record,
        data={
            "sha256": record.sha256,
            "totals": totals,
            "region": scope.code if scope else "",
            "people": [_audit_row(row, person_of[row.line]) for row in rows],
        },
    )
    return totals


def _claim_record(people_import: PeopleImport) -> PeopleImport:
    """Lock the stored upload, refusing one already applied, too old or whose content no longer matches its hash."""
    record = PeopleImport.objects.select_for_update().get(pk=people_import.pk)
    if record.status != PeopleImport.Status.PREVIEWED:
        raise ImportRefused(_("This file was already imported."), code="applied")
    if preview_expired(record):
        raise ImportRefused(_("The preview is too old: upload the file again."), code="expired")
    if hashlib.sha256(bytes(record.content)).hexdigest() != record.sha256:
        raise ImportRefused(_("The stored file does not match its hash: upload it again."), code="hash")
    return record


def _confirmed_plan(record: PeopleImport, *, digest: str, scope: Region | None) -> Plan:
    """Plan the stored file again with the people locked; refuse it unless it is clean and still as previewed."""
    result = plan(read_file(bytes(record.content)), scope=scope, lock=True)
    if not result.can_apply:
        raise ImportRefused(
            _("The file has rows with errors or nothing to import: nothing was imported."), code="errors"
        )
    if result.digest != digest:
        raise ImportRefused(
            _("The people changed since the preview: nothing was imported. Look at the new preview and confirm again."),
            code="changed",
        )
    return result


def _record_people(rows: list[RowPlan], *, applied_by: User) -> dict[int, Person]:
    """Record the rows' people, identity claims (the uploader asserts each row) and consents through
    members.identity; return each line's person."""
    language = (get_language() or settings.LANGUAGE_CODE)[:5]
    consent_text = str(IMPORT_CONSENT_TEXT)
    existing = Person.objects.in_bulk([row.person_id for row in rows if row.status == "update"])
    claims = identity.record_import(
        claims=[
            identity.Claim(
                full_name=row.full_name,
                iin=row.iin,
                email=row.email,
                phone=row.phone,
                region_id=row.set_region_id,
                language=language,
            )
            for row in rows
        ],
        matched=[
            existing[row.person_id] if row.person_id is not None and row.status == "update" else None for row in rows
        ],
        consents=[_consent(row, text=consent_text, language=language) if row.add_consent else None for row in rows],
        asserted_by=applied_by,
    )
    return {row.line: claim.person for row, claim in zip(rows, claims, strict=True)}


def _consent(row: RowPlan, *, text: str, language: str) -> identity.ImportedConsent:
    return identity.ImportedConsent(
        purpose=row.consent_purpose,
        text=text,
        text_version=CONSENT_TEXT_VERSION,
        language=language,
        given_at=timezone.make_aware(datetime.combine(date.fromisoformat(row.consent_date), time(12, 0))),
    )


def _update_people(rows: list[RowPlan], person_of: dict[int, Person]) -> None:
    """Write the changed fields of the known people in one bulk update."""
    changed, changed_fields = [], set()
    for row in rows:
        if row.status != "update" or not row.changes:
            continue
        person = person_of[row.line]
        for name in row.changes:
            value = row.set_region_id if name == "region" else getattr(row, name)
            setattr(person, "region_id" if name == "region" else name, value)
        changed.append(person)
        changed_fields.update(row.changes)
    if changed:  # the people are locked since the plan, so writing their other fields back changes nothing else
        Person.objects.bulk_update(changed, sorted(changed_fields), batch_size=500)


def _write_affiliations(rows: list[RowPlan], person_of: dict[int, Person]) -> None:
    Affiliation.objects.bulk_create(
        [
            Affiliation(
                person=person_of[row.line], organization_id=row.organization_id, role=row.role, title=row.position
            )
            for row in rows
            if row.add_affiliation and row.organization_id is not None
        ],
        batch_size=500,
    )
    for row in rows:
        if row.update_position and row.organization_id is not None:
            Affiliation.objects.filter(
                person=person_of[row.line], organization_id=row.organization_id, role=row.role
            ).update(title=row.position)


def _audit_row(row: RowPlan, person: Person) -> dict[str, object]:
    return {
        "person": person.pk,
        "line": row.line,
        "created": row.status == "new",
        "changes": row.changes,
        "organization": row.organization_id if row.add_affiliation or row.update_position else None,
        "role": row.role if row.add_affiliation else "",
        "consent": row.consent_purpose if row.add_consent else "",
    }
