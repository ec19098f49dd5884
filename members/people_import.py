"""Bulk import of people from a CSV file: read it, preview what it would do (a dry run), then apply it whole.

Three steps, each its own function:

1. :func:`read_file` turns the bytes into rows or refuses the whole file (:class:`FileRefused`) — not text, an
   Excel workbook, an encoding other than UTF-8 (with or without BOM) or cp1251, missing columns, too many rows,
   a line too long. Nothing is written for a refused file.
2. :func:`plan` checks each row and compares it with the database: *new* person, *update* of the person with that
   IIN (which fields), *unchanged*, *duplicate* of an earlier line of the file, or *error* (the reasons). Rows are
   checked against the database in a few queries whatever the file's size. The plan has a digest.
3. :func:`apply_import` re-reads the stored file, re-plans it inside one transaction with the people locked, and
   applies it only if the plan's digest is still the one the user previewed and no row has an error: all rows or
   none, written in bulk. One audit entry records the file and every person it created or changed.

Cells are text and stay text: a cell such as ``=cmd|' /C calc'!A0`` is stored as typed (never evaluated), flagged in
the preview, and neutralised in every export (coalition.spreadsheets).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from coalition import audit
from coalition.identifiers import is_valid_iin
from coalition.models import Region
from coalition.spreadsheets import looks_like_formula
from coalition.uploads import binary_kind
from members import identity
from members.models import Affiliation, Consent, Organization, PeopleImport, Person
from members.services import CONSENT_TEXT_VERSION

# The columns in the order of the template; `required` ones must be in the header.
COLUMNS = (
    "iin",
    "last_name",
    "first_name",
    "patronymic",
    "phone",
    "email",
    "organization",
    "role",
    "position",
    "consent",
    "consent_date",
)
REQUIRED_COLUMNS = ("iin", "last_name", "first_name", "consent", "consent_date")
# Header names offices write in Russian or Kazakh, mapped to the column codes.
HEADER_ALIASES = {
    "иин": "iin",
    "жсн": "iin",
    "фамилия": "last_name",
    "тегі": "last_name",
    "имя": "first_name",
    "аты": "first_name",
    "отчество": "patronymic",
    "әкесінің аты": "patronymic",
    "телефон": "phone",
    "e-mail": "email",
    "эл. почта": "email",
    "электронная почта": "email",
    "организация": "organization",
    "ұйым": "organization",
    "бин": "organization",
    "роль": "role",
    "рөлі": "role",
    "должность": "position",
    "лауазымы": "position",
    "согласие": "consent",
    "келісім": "consent",
    "дата согласия": "consent_date",
    "келісім күні": "consent_date",
}
YES = {"yes", "y", "да", "д", "иә", "ия", "1", "true", "+"}
NO = {"no", "n", "нет", "н", "жоқ", "0", "false", "-", ""}
MAX_CELL = 300
# The consent purpose a role's consent is recorded under (as the join form and the member portal do).
ROLE_PURPOSE = {
    Affiliation.Role.REPRESENTATIVE: Consent.Purpose.MEMBERSHIP,
    Affiliation.Role.HEAD: Consent.Purpose.MEMBERSHIP,
    Affiliation.Role.MEMBER: Consent.Purpose.EVENTS,
    Affiliation.Role.VOLUNTEER: Consent.Purpose.EVENTS,
    Affiliation.Role.OBSERVER: Consent.Purpose.OBSERVATION,
    Affiliation.Role.PROXY: Consent.Purpose.OBSERVATION,
}
IMPORT_CONSENT_TEXT = gettext_lazy(
    "The person gave written consent to the coalition HQ processing their name, IIN, phone and email for the "
    "purpose stated; the signed consent is kept by the office that recorded it. Recorded by a bulk import of people."
)


class FileRefused(Exception):
    """The file as a whole cannot be read; nothing was written. ``code`` says why, whatever the language."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class ParsedFile:
    encoding: str
    delimiter: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line, {column: text})
    row_errors: dict[int, list[str]] = field(default_factory=dict)  # line -> problems found while reading
    ignored_columns: list[str] = field(default_factory=list)


# 1. Reading --------------------------------------------------------------------------------------------------------


def _decode(content: bytes) -> tuple[str, str]:
    """Return (text, encoding): UTF-8 (a BOM is dropped), else cp1251, else refuse."""
    if content.startswith(b"PK\x03\x04"):
        raise FileRefused(
            _("This is an Excel workbook, not a CSV file: in Excel choose Save as → CSV UTF-8 and upload that."),
            code="xlsx",
        )
    kind = binary_kind(content)  # by content, not name: an image, PDF, archive or program renamed .csv
    if kind is not None:
        raise FileRefused(
            _("The file is %(kind)s, not a CSV text file: export the table as CSV UTF-8 and upload that.")
            % {"kind": kind},
            code="binary",
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content:
        raise FileRefused(
            _("The file is not CSV text (it holds binary data or UTF-16): save it as CSV UTF-8 and upload it again."),
            code="binary",
        )
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1251"), "cp1251"
    except UnicodeDecodeError as exc:
        raise FileRefused(
            _("The file is neither UTF-8 nor Windows-1251 text: save it as CSV UTF-8 and upload it again."),
            code="encoding",
        ) from exc


def _header_name(name: str) -> str:
    key = name.strip().strip("\ufeff").strip().lower().replace("ё", "е")
    return HEADER_ALIASES.get(key, key.replace(" ", "_"))


def read_file(content: bytes) -> ParsedFile:
    """Return the file's rows, or raise FileRefused for a file-level problem."""
    if len(content) > settings.PEOPLE_IMPORT_MAX_BYTES:
        raise FileRefused(
            _("The file is larger than %(size)d KB: split it into smaller files.")
            % {"size": settings.PEOPLE_IMPORT_MAX_BYTES // 1024},
            code="size",
        )
    text, encoding = _decode(content)
    if not text.strip():
        raise FileRefused(_("The file is empty."), code="empty")
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > settings.PEOPLE_IMPORT_MAX_LINE:
            raise FileRefused(
                _("Line %(line)d is longer than %(limit)d characters: is this the right file?")
                % {"line": number, "limit": settings.PEOPLE_IMPORT_MAX_LINE},
                code="line_length",
            )
    first = text.lstrip("\ufeff").splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [_header_name(name) for name in next(reader)]
        duplicated = sorted(name for name, count in Counter(header).items() if name and count > 1)
        if duplicated:
            raise FileRefused(
                _("Columns appear twice in the header: %(columns)s.") % {"columns": ", ".join(duplicated)},
                code="columns",
            )
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise FileRefused(
                _("Columns missing from the header: %(columns)s. The first line must name the columns (%(all)s).")
                % {"columns": ", ".join(missing), "all": ", ".join(COLUMNS)},
                code="columns",
            )
        parsed = ParsedFile(
            encoding=encoding,
            delimiter=delimiter,
            ignored_columns=[name for name in header if name not in COLUMNS],
        )
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            line = reader.line_num
            if len(parsed.rows) >= settings.PEOPLE_IMPORT_MAX_ROWS:
                raise FileRefused(
                    _("The file has more than %(limit)d rows: split it into smaller files.")
                    % {"limit": settings.PEOPLE_IMPORT_MAX_ROWS},
                    code="rows",
                )
            errors = []
            if any(cell.strip() for cell in cells[len(header) :]):
                errors.append(
                    _("The row has %(cells)d cells but the header %(columns)d columns (a separator inside a name?).")
                    % {"cells": len(cells), "columns": len(header)}
                )
            values = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header) if name}
            parsed.rows.append((line, {name: values.get(name, "") for name in COLUMNS}))
            if errors:
                parsed.row_errors[line] = errors
    except csv.Error as exc:
        raise FileRefused(
            _("The file is not valid CSV near line %(line)d: %(error)s") % {"line": reader.line_num, "error": exc},
            code="csv",
        ) from exc
    if not parsed.rows:
        raise FileRefused(_("The file has a header but no rows of people."), code="empty")
    return parsed


# 2. Planning -------------------------------------------------------------------------------------------------------


@dataclass
class RowPlan:
    line: int
    status: str = ""  # new | update | unchanged | duplicate | error
    iin: str = ""
    full_name: str = ""
    phone: str = ""
    email: str = ""
    organization_id: int | None = None
    organization_name: str = ""
    role: str = ""
    position: str = ""
    consent_purpose: str = ""
    consent_date: str = ""  # ISO date
    person_id: int | None = None
    changes: list[str] = field(default_factory=list)  # fields of the person that change
    add_affiliation: bool = False
    update_position: bool = False
    add_consent: bool = False
    set_region_id: int | None = None
    duplicate_of: int | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Plan:
    rows: list[RowPlan]
    encoding: str
    ignored_columns: list[str]

    @property
    def totals(self) -> dict[str, int]:
        counts = dict.fromkeys(("new", "update", "unchanged", "duplicate", "error"), 0)
        for row in self.rows:
            counts[row.status] += 1
        return {"rows": len(self.rows), **counts}

    @property
    def can_apply(self) -> bool:
        totals = self.totals
        return totals["error"] == 0 and (totals["new"] + totals["update"]) > 0

    @property
    def digest(self) -> str:
        """Return a hash of what applying would do, so a confirmation applies exactly what was previewed."""
        actions = [asdict(row) for row in self.rows]
        for action in actions:
            action.pop("warnings")
            action.pop("errors")  # translated text; the statuses carry the same information
        return hashlib.sha256(json.dumps(actions, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _role_names() -> dict[str, str]:
    """Return every accepted spelling of a role (code, and its label in each language) → role code."""
    names = {}
    for code, label in Affiliation.Role.choices:
        names[code] = code
        for language, _name in settings.LANGUAGES:
            with override(language):
                names[str(label).strip().lower()] = code
    return names


def _parse_date(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def _check_row(line: int, values: dict[str, str], roles: dict[str, str], today: date) -> RowPlan:
    """Return the row's plan from its cells alone (no database): the clean values, or the errors."""
    row = RowPlan(line=line)
    errors = row.errors
    for name, value in values.items():
        if len(value) > MAX_CELL:
            errors.append(
                _("The %(column)s cell is longer than %(limit)d characters.") % {"column": name, "limit": MAX_CELL}
            )
        elif looks_like_formula(value) and name not in ("phone", "consent"):
            row.warnings.append(
                _("The %(column)s cell starts like a spreadsheet formula; it is stored as text, never run.")
                % {"column": name}
            )
    row.iin = re.sub(r"[\s-]", "", values["iin"])
    if not row.iin:
        errors.append(_("The IIN is empty: it is how people are matched, so it is required."))
    elif not (row.iin.isascii() and row.iin.isdigit() and len(row.iin) == 12):
        errors.append(_("The IIN must be 12 digits."))
    elif not is_valid_iin(row.iin):
        errors.append(_("The IIN is not valid (check digit or date of birth): check the digits."))
    if not values["last_name"] or not values["first_name"]:
        errors.append(_("The last name and the first name are required."))
    row.full_name = " ".join(filter(None, (values["last_name"], values["first_name"], values["patronymic"])))
    row.full_name = re.sub(r"\s+", " ", row.full_name)
    if len(row.full_name) > Person._meta.get_field("full_name").max_length:
        errors.append(_("The full name is longer than %(limit)d characters.") % {"limit": 200})
    if values["phone"]:
        try:
            number = phonenumbers.parse(values["phone"], settings.PHONENUMBER_DEFAULT_REGION)
            if not phonenumbers.is_valid_number(number):
                raise phonenumbers.NumberParseException(0, "invalid")
            row.phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            errors.append(_("The phone %(phone)s is not a valid phone number.") % {"phone": values["phone"]})
    if values["email"]:
        try:
            validate_email(values["email"])
            if len(values["email"]) > Person._meta.get_field("email").max_length:
                raise ValidationError("too long")
            row.email = values["email"]
        except ValidationError:
            errors.append(_("The email %(email)s is not a valid address.") % {"email": values["email"]})
    role = values["role"].strip().lower()
    if role:
        if role not in roles:
            errors.append(
                _("Unknown role %(role)s: use one of %(roles)s.")
                % {"role": values["role"], "roles": ", ".join(Affiliation.Role.values)}
            )
        elif not values["organization"]:
            errors.append(_("A role needs an organization (BIN or number) in the same row."))
        row.role = roles.get(role, "")
    elif values["organization"]:
        row.role = Affiliation.Role.MEMBER
    row.position = values["position"]
    if len(row.position) > Affiliation._meta.get_field("title").max_length:
        errors.append(_("The position is longer than %(limit)d characters.") % {"limit": 150})
    if row.position and not values["organization"]:
        errors.append(_("A position needs an organization in the same row."))
    row.consent_purpose = ROLE_PURPOSE.get(row.role, Consent.Purpose.EVENTS)
    consent = values["consent"].strip().lower()
    if consent in YES:
        given = _parse_date(values["consent_date"])
        if given is None:
            errors.append(_("The consent date must be a date such as 2026-11-27 or 27.11.2026."))
        elif given > today:
            errors.append(_("The consent date is in the future."))
        elif given.year < 2000:
            errors.append(_("The consent date is before 2000: check it."))
        else:
            row.consent_date = given.isoformat()
    elif consent in NO:
        errors.append(_("No consent to personal-data processing: the person cannot be recorded."))
    else:
        errors.append(_("The consent cell must be yes or no."))
    return row


def _organization_key(value: str) -> tuple[str, str] | None:
    value = re.sub(r"\s", "", value)
    if not value:
        return None
    if len(value) == 12 and value.isascii() and value.isdigit():
        return ("bin", value)
    if value.isascii() and value.isdigit() and len(value) < 10:
        return ("pk", value)
    return ("bad", value)


def plan(parsed: ParsedFile, *, scope: Region | None, lock: bool = False) -> Plan:
    """Return what importing ``parsed`` would do for a user limited to ``scope`` (None: every region)."""
    today = timezone.localdate()
    roles = _role_names()
    rows = []
    for line, values in parsed.rows:
        row = _check_row(line, values, roles, today)
        row.errors[:0] = parsed.row_errors.get(line, [])
        rows.append(row)

    # Organizations: one query for all the BINs and numbers in the file.
    keys = {line: _organization_key(values["organization"]) for line, values in parsed.rows}
    bins = {key[1] for key in keys.values() if key and key[0] == "bin"}
    pks = {int(key[1]) for key in keys.values() if key and key[0] == "pk"}
    organizations = Organization.objects.filter(Q(bin__in=bins) | Q(pk__in=pks)).exclude(
        status=Organization.Status.REJECTED
    )
    by_bin = {org.bin: org for org in organizations}
    by_pk = {org.pk: org for org in organizations}
    organization_of: dict[int, Organization] = {}
    for row in rows:
        key = keys[row.line]
        if key is None:
            continue
        org = by_bin.get(key[1]) if key[0] == "bin" else by_pk.get(int(key[1])) if key[0] == "pk" else None
        if org is None:
            row.errors.append(_("Unknown organization %(value)s: give its BIN or its number.") % {"value": key[1]})
        elif scope is not None and org.region_id != scope.pk:
            row.errors.append(_("The organization %(name)s is not in your region.") % {"name": org.name_ru})
        else:
            organization_of[row.line] = org
            row.organization_id = org.pk
            row.organization_name = org.name_ru

    # People with these IINs, with their affiliations and consents: a few queries for the whole file.
    iins = {row.iin for row in rows if len(row.iin) == 12}
    people = Person.objects.filter(iin__in=iins).order_by("pk")
    if lock:
        people = people.select_for_update()
    existing = {person.iin: person for person in people}
    ids = [person.pk for person in existing.values()]
    affiliations = {
        (a.person_id, a.organization_id, a.role): a
        for a in Affiliation.objects.filter(person_id__in=ids).select_related("organization")
    }
    active_consents = set(
        Consent.objects.filter(person_id__in=ids, withdrawn_at__isnull=True).values_list("person_id", "purpose")
    )
    in_scope = {
        person_id
        for (person_id, _org, _role), a in affiliations.items()
        if scope is not None and a.organization.region_id == scope.pk
    }
    withdrawals = {}
    for person_id, purpose, withdrawn_at in Consent.objects.filter(
        person_id__in=ids, withdrawn_at__isnull=False
    ).values_list("person_id", "purpose", "withdrawn_at"):
        key = (person_id, purpose)
        withdrawals[key] = max(withdrawals.get(key, withdrawn_at), withdrawn_at)

    first_line: dict[str, int] = {}
    for row in rows:
        if row.iin and row.iin in first_line:
            row.duplicate_of = first_line[row.iin]
        elif row.iin:
            first_line[row.iin] = row.line
        if row.errors:
            row.status = "error"
            continue
        if row.duplicate_of is not None:
            row.status = "duplicate"
            continue
        org = organization_of.get(row.line)
        region_id = org.region_id if org else (scope.pk if scope else None)
        person = existing.get(row.iin)
        if person is None:
            row.status = "new"
            row.set_region_id = region_id
            row.add_affiliation = org is not None
            row.add_consent = True
            continue
        row.person_id = person.pk
        if scope is not None and person.region_id != scope.pk and person.pk not in in_scope:
            row.errors.append(
                _("A person with this IIN is recorded outside your region: ask committee staff to import this row.")
            )
            row.status = "error"
            continue
        decision = identity.decide(
            claim=identity.Claim(full_name=row.full_name), by_iin=person, by_email=None, staff=True
        )
        if decision.outcome != identity.Outcome.MATCHED:  # one identity policy: an IIN counts with its name only
            row.errors.append(
                _(
                    "A person with this IIN is recorded under another name: check the IIN and the name. A name is "
                    "corrected on the person's record by committee staff, not by an import."
                )
            )
            row.status = "error"
            continue
        if row.phone and row.phone != str(person.phone or ""):
            row.changes.append("phone")
        if row.email and row.email.lower() != person.email.lower():
            row.changes.append("email")
        if person.region_id is None and region_id is not None:
            row.set_region_id = region_id
            row.changes.append("region")
        if org is not None:
            affiliation = affiliations.get((person.pk, org.pk, row.role))
            row.add_affiliation = affiliation is None
            row.update_position = bool(affiliation and row.position and row.position != affiliation.title)
        if (person.pk, row.consent_purpose) not in active_consents:
            withdrawn = withdrawals.get((person.pk, row.consent_purpose))
            if withdrawn is not None and timezone.localdate(withdrawn).isoformat() >= row.consent_date:
                row.errors.append(
                    _("This person withdrew this consent on %(date)s, after the consent date in the file.")
                    % {"date": timezone.localdate(withdrawn).strftime("%d.%m.%Y")}
                )
                row.status = "error"
                continue
            row.add_consent = True
        changed = row.changes or row.add_affiliation or row.update_position or row.add_consent
        row.status = "update" if changed else "unchanged"
    return Plan(rows=rows, encoding=parsed.encoding, ignored_columns=parsed.ignored_columns)


# 3. Storing the upload, and applying it ------------------------------------------------------------------------------


def preview_expired(people_import: PeopleImport) -> bool:
    return people_import.created_at < timezone.now() - timedelta(hours=settings.PEOPLE_IMPORT_PREVIEW_HOURS)


def store_upload(*, content: bytes, filename: str, uploaded_by) -> PeopleImport:
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


class ImportRefused(ValidationError):
    """The confirmation was refused; nothing was written."""


def apply_import(*, people_import: PeopleImport, digest: str, scope: Region | None, applied_by) -> dict[str, int]:
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


def _apply(*, people_import: PeopleImport, digest: str, scope: Region | None, applied_by) -> dict[str, int]:
    record = PeopleImport.objects.select_for_update().get(pk=people_import.pk)
    if record.status != PeopleImport.Status.PREVIEWED:
        raise ImportRefused(_("This file was already imported."), code="applied")
    if preview_expired(record):
        raise ImportRefused(_("The preview is too old: upload the file again."), code="expired")
    content = bytes(record.content)
    if hashlib.sha256(content).hexdigest() != record.sha256:
        raise ImportRefused(_("The stored file does not match its hash: upload it again."), code="hash")
    result = plan(read_file(content), scope=scope, lock=True)
    if not result.can_apply:
        raise ImportRefused(
            _("The file has rows with errors or nothing to import: nothing was imported."), code="errors"
        )
    if result.digest != digest:
        raise ImportRefused(
            _("The people changed since the preview: nothing was imported. Look at the new preview and confirm again."),
            code="changed",
        )
    now = timezone.now()
    language = (get_language() or settings.LANGUAGE_CODE)[:5]
    consent_text = str(IMPORT_CONSENT_TEXT)
    rows = [row for row in result.rows if row.status in ("new", "update")]
    # Written in bulk (a few queries for the whole file, not a few per row), inside this one transaction.
    existing = Person.objects.in_bulk([row.person_id for row in rows if row.status == "update"])
    # People, their identity claims (the uploader asserts each row) and consents go through members.identity.
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
        matched=[existing[row.person_id] if row.status == "update" else None for row in rows],
        consents=[
            identity.ImportedConsent(
                purpose=row.consent_purpose,
                text=consent_text,
                text_version=CONSENT_TEXT_VERSION,
                language=language,
                given_at=timezone.make_aware(datetime.combine(date.fromisoformat(row.consent_date), time(12, 0))),
            )
            if row.add_consent
            else None
            for row in rows
        ],
        asserted_by=applied_by,
    )
    person_of = {row.line: claim.person for row, claim in zip(rows, claims, strict=True)}
    changed, changed_fields = [], set()
    for row in rows:
        if row.status != "update":
            continue
        person = person_of[row.line]
        for name in row.changes:
            value = row.set_region_id if name == "region" else getattr(row, name)
            setattr(person, "region_id" if name == "region" else name, value)
        if row.changes:
            changed.append(person)
            changed_fields.update(row.changes)
    if changed:  # the people are locked since the plan, so writing their other fields back changes nothing else
        Person.objects.bulk_update(changed, sorted(changed_fields), batch_size=500)
    Affiliation.objects.bulk_create(
        [
            Affiliation(
                person=person_of[row.line], organization_id=row.organization_id, role=row.role, title=row.position
            )
            for row in rows
            if row.add_affiliation
        ],
        batch_size=500,
    )
    for row in rows:
        if row.update_position:
            Affiliation.objects.filter(
                person=person_of[row.line], organization_id=row.organization_id, role=row.role
            ).update(title=row.position)
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
            "people": [
                {
                    "person": person_of[row.line].pk,
                    "line": row.line,
                    "created": row.status == "new",
                    "changes": row.changes,
                    "organization": row.organization_id if row.add_affiliation or row.update_position else None,
                    "role": row.role if row.add_affiliation else "",
                    "consent": row.consent_purpose if row.add_consent else "",
                }
                for row in rows
            ],
        },
    )
    return totals


def template_rows() -> list[list[str]]:
    """Return the rows of the downloadable template: the header only (an example row could be imported by mistake)."""
    return [list(COLUMNS)]
