"""Step 2 of the people import: decide what each row would do, against the database, without writing anything.

Each row becomes a *new* person, an *update* of the person with that IIN (which fields), *unchanged*, a *duplicate*
of an earlier line of the file, or an *error* (the reasons), keeping its line number. The rows are compared with the
database in a few queries whatever the file's size. The plan has a digest, so a confirmation applies exactly what
was previewed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition.models import Region
from members import identity
from members.models import Affiliation, Consent, Organization, Person
from members.people_import.reading import ParsedFile
from members.people_import.rows import RowPlan, check_row, role_names


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


@dataclass
class Known:
    """What the database holds about the file's IINs, loaded in a few queries for the whole file."""

    people: dict[str, Person]  # by IIN
    affiliations: dict[tuple[int, int, str], Affiliation]  # (person, organization, role)
    active_consents: set[tuple[int, str]]  # (person, purpose)
    withdrawals: dict[tuple[int, str], datetime]  # (person, purpose) -> the last withdrawal
    in_scope: set[int]  # people affiliated with an organization of the user's region


def plan(parsed: ParsedFile, *, scope: Region | None, lock: bool = False) -> Plan:
    """Return what importing ``parsed`` would do for a user limited to ``scope`` (None: every region)."""
    today = timezone.localdate()
    roles = role_names()
    rows = []
    for line, values in parsed.rows:
        row = check_row(line, values, roles, today)
        row.errors[:0] = parsed.row_errors.get(line, [])
        rows.append(row)
    organization_of = _match_organizations(parsed, rows, scope)
    known = _load_known(rows, scope=scope, lock=lock)
    first_line: dict[str, int] = {}
    for row in rows:
        if row.iin and row.iin in first_line:
            row.duplicate_of = first_line[row.iin]
        elif row.iin:
            first_line[row.iin] = row.line
        _decide(row, organization_of.get(row.line), known, scope)
    return Plan(rows=rows, encoding=parsed.encoding, ignored_columns=parsed.ignored_columns)


def _organization_key(value: str) -> tuple[str, str] | None:
    value = re.sub(r"\s", "", value)
    if not value:
        return None
    if len(value) == 12 and value.isascii() and value.isdigit():
        return ("bin", value)
    if value.isascii() and value.isdigit() and len(value) < 10:
        return ("pk", value)
    return ("bad", value)


def _match_organizations(parsed: ParsedFile, rows: list[RowPlan], scope: Region | None) -> dict[int, Organization]:
    """Return each line's organization (one query for all the BINs and numbers in the file); refuse the others."""
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
    return organization_of


def _load_known(rows: list[RowPlan], *, scope: Region | None, lock: bool) -> Known:
    """Load the people with the file's IINs, with their affiliations and consents (locked when applying)."""
    people = Person.objects.filter(iin__in={row.iin for row in rows if len(row.iin) == 12}).order_by("pk")
    if lock:
        people = people.select_for_update()
    existing = {person.iin: person for person in people}
    ids = [person.pk for person in existing.values()]
    affiliations = {
        (a.person_id, a.organization_id, a.role): a
        for a in Affiliation.objects.filter(person_id__in=ids).select_related("organization")
    }
    withdrawals = {
        (row["person_id"], row["purpose"]): row["last"]
        for row in Consent.objects.filter(person_id__in=ids, withdrawn_at__isnull=False)
        .values("person_id", "purpose")
        .annotate(last=Max("withdrawn_at"))
    }
    return Known(
        people=existing,
        affiliations=affiliations,
        active_consents=set(
            Consent.objects.filter(person_id__in=ids, withdrawn_at__isnull=True).values_list("person_id", "purpose")
        ),
        withdrawals=withdrawals,
        in_scope={
            person_id
            for (person_id, _org, _role), a in affiliations.items()
            if scope is not None and a.organization.region_id == scope.pk
        },
    )


def _decide(row: RowPlan, org: Organization | None, known: Known, scope: Region | None) -> None:
    """Set the row's status, and for a new or known person what applying would write."""
    if row.errors:
        row.status = "error"
        return
    if row.duplicate_of is not None:
        row.status = "duplicate"
        return
    region_id = org.region_id if org else (scope.pk if scope else None)
    person = known.people.get(row.iin)
    if person is None:
        row.status = "new"
        row.set_region_id = region_id
        row.add_affiliation = org is not None
        row.add_consent = True
        return
    row.person_id = person.pk
    refusal = _refusal(row, person, known, scope)
    if refusal is None:
        _compare(row, person, org, region_id, known)
        refusal = _consent_refusal(row, person, known)
    if refusal is not None:
        row.errors.append(refusal)
        row.status = "error"
        return
    changed = row.changes or row.add_affiliation or row.update_position or row.add_consent
    row.status = "update" if changed else "unchanged"


def _refusal(row: RowPlan, person: Person, known: Known, scope: Region | None) -> str | None:
    """Return why the row may not touch this known person (another region, another name), or None."""
    if scope is not None and person.region_id != scope.pk and person.pk not in known.in_scope:
        return _("A person with this IIN is recorded outside your region: ask committee staff to import this row.")
    decision = identity.decide(claim=identity.Claim(full_name=row.full_name), by_iin=person, by_email=None, staff=True)
    if decision.outcome != identity.Outcome.MATCHED:  # one identity policy: an IIN counts with its name only
        return _(
            "A person with this IIN is recorded under another name: check the IIN and the name. A name is "
            "corrected on the person's record by committee staff, not by an import."
        )
    return None


def _compare(row: RowPlan, person: Person, org: Organization | None, region_id: int | None, known: Known) -> None:
    """Note what the row changes on a known person: fields, region, affiliation, position."""
    if row.phone and row.phone != str(person.phone or ""):
        row.changes.append("phone")
    if row.email and row.email.lower() != person.email.lower():
        row.changes.append("email")
    if person.region_id is None and region_id is not None:
        row.set_region_id = region_id
        row.changes.append("region")
    if org is not None:
        affiliation = known.affiliations.get((person.pk, org.pk, row.role))
        row.add_affiliation = affiliation is None
        row.update_position = bool(affiliation and row.position and row.position != affiliation.title)


def _consent_refusal(row: RowPlan, person: Person, known: Known) -> str | None:
    """Mark the consent to add, or return why not: the person withdrew it on or after the file's consent date."""
    if (person.pk, row.consent_purpose) in known.active_consents:
        return None
    withdrawn = known.withdrawals.get((person.pk, row.consent_purpose))
    if withdrawn is not None and timezone.localdate(withdrawn).isoformat() >= row.consent_date:
        return _("This person withdrew this consent on %(date)s, after the consent date in the file.") % {
            "date": timezone.localdate(withdrawn).strftime("%d.%m.%Y")
        }
    row.add_consent = True
    return None
