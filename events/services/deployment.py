"""Polling stations and deployment: the stations import (CSV) and assigning certified people to stations."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.access import scoped_region
from coalition.models import Region
from coalition.spreadsheets import looks_like_formula
from coalition.uploads import NotText, csv_text
from events import rules
from events.models import Assignment, Policy, PollingStation, no_accreditation_message
from events.selectors import accreditation_in_force, valid_certificate
from events.services._common import check_region
from members.models import Organization, Person

# The longest station number the table holds (a CharField's max_length is always set).
NUMBER_MAX_LENGTH = cast(int, PollingStation._meta.get_field("number").max_length)


class StationImportError(ValidationError):
    """The CSV file was rejected as a whole; nothing was written."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def import_stations(*, content: bytes, by: User) -> ImportReport:
    """Import polling stations from CSV (``number,region,address``; region as ISO code like KZ-71).

    Every row is checked first; one bad row rejects the whole file. Re-importing the same file changes nothing.
    """
    try:
        text = csv_text(content)  # by content: an image, archive or program renamed .csv is refused here
    except NotText as exc:
        raise StationImportError(str(exc)) from exc
    if "\x00" in text:
        raise StationImportError(_("The file is not a CSV text file."))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise StationImportError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    expected = {"number", "region", "address"}
    if fieldnames is None or not expected <= {h.strip().lower() for h in fieldnames}:
        raise StationImportError(_("The first line must be the header: number,region,address."))
    # An unnamed column gets a name of its own, so its cells are read (and checked for formulas) too.
    header = [(name or "").strip().lower() or f"_unnamed_{i}" for i, name in enumerate(fieldnames)]
    reader.fieldnames = header
    twice = sorted(name for name, count in Counter(header).items() if count > 1)
    if twice:  # one of the two columns would be dropped unread, with whatever it holds
        raise StationImportError(_("Columns appear twice in the header: %(columns)s.") % {"columns": ", ".join(twice)})
    regions = {r.code: r for r in Region.objects.all()}
    scope = scoped_region(by)
    rows: dict[tuple[str, str], str] = {}
    errors: list[str] = []
    try:
        records = list(reader)
    except csv.Error as exc:  # a field over the csv module's size limit, a broken quote
        raise StationImportError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    for line, raw in enumerate(records, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        number, code, address = row.get("number", ""), row.get("region", "").upper(), row.get("address", "")
        if any(looks_like_formula(value) for value in row.values()):
            raise StationImportError(
                _("Line %(line)d holds a spreadsheet formula; the file was refused.") % {"line": line}
            )
        if not number or not address:
            errors.append(_("Line %(line)d: the number and the address are required.") % {"line": line})
        elif len(number) > NUMBER_MAX_LENGTH:
            errors.append(_("Line %(line)d: the station number is too long.") % {"line": line})
        elif code not in regions:
            errors.append(_("Line %(line)d: unknown region code %(code)s.") % {"line": line, "code": code})
        elif scope is not None and code != scope.code:
            errors.append(_("Line %(line)d: outside your region.") % {"line": line})
        elif (code, number) in rows:
            errors.append(_("Line %(line)d: station %(number)s repeats.") % {"line": line, "number": number})
        else:
            rows[(code, number)] = address[:300]
    if errors:
        raise StationImportError(errors)
    if not rows:
        raise StationImportError(_("The file has no stations."))
    report = ImportReport()
    with transaction.atomic():
        for (code, number), address in rows.items():
            station, created = PollingStation.objects.get_or_create(
                region=regions[code], number=number, defaults={"address": address}
            )
            if created:
                report.created += 1
            elif station.address != address:
                station.address = address
                station.save(update_fields=["address"])
                report.updated += 1
            else:
                report.unchanged += 1
        audit.record(
            actor=by,
            action="events.stations.import",
            data={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
    return report


def assign(
    *,
    station: PollingStation,
    person: Person,
    role: str,
    by: User,
    organization: Organization | None = None,
    registration_number: str = "",
    registration_date: date | None = None,
) -> Assignment:
    """Deploy a certified person to a station as observer (for an organization) or trusted representative.

    The station row is locked while the proxies are counted, so two staff members cannot both add the fourth.
    """
    check_region(by, station.region)
    certificate = valid_certificate(person, Assignment.COURSE_FOR_ROLE[Assignment.Role(role)])
    if certificate is None:
        raise ValidationError(_("%(person)s has no valid certificate of the right course.") % {"person": person})
    if role == Assignment.Role.OBSERVER:
        if organization is None:
            raise ValidationError({"organization": _("An observer is nominated by a member organization.")})
        if organization.status != Organization.Status.ADMITTED:
            raise ValidationError({"organization": _("Only an admitted member organization can nominate observers.")})
    assigned_at = timezone.now()
    with transaction.atomic():
        accreditation = None
        if role == Assignment.Role.OBSERVER and organization is not None:  # an observer's is checked above
            day = timezone.localdate(assigned_at)
            accreditation = accreditation_in_force(organization, day, lock=True)
            if accreditation is None:
                raise ValidationError({"organization": no_accreditation_message(organization, day)})
        station = PollingStation.objects.select_for_update().get(pk=station.pk)
        active = station.assignments.filter(ended_at__isnull=True)
        if role == Assignment.Role.PROXY:
            limit = rules.proxies_allowed(Policy.current().proxies_per_station)
            if active.filter(role=Assignment.Role.PROXY).count() >= limit:
                raise ValidationError(
                    _("This polling precinct already has %(limit)d trusted representatives.") % {"limit": limit}
                )
        if active.filter(person=person).exists():
            raise ValidationError(_("This person is already assigned to this station."))
        elsewhere = Assignment.objects.filter(person=person, ended_at__isnull=True).select_related("station").first()
        if elsewhere is not None:
            raise ValidationError(
                _("%(person)s is already assigned to %(station)s: end that assignment first.")
                % {"person": person, "station": elsewhere.station}
            )
        if role == Assignment.Role.OBSERVER and active.filter(role=role, organization=organization).exists():
            raise ValidationError(_("This organization already has an observer at this station."))
        assignment = Assignment(
            station=station,
            person=person,
            role=role,
            certificate=certificate,
            organization=organization if role == Assignment.Role.OBSERVER else None,
            registration_number=registration_number if role == Assignment.Role.PROXY else "",
            registration_date=registration_date if role == Assignment.Role.PROXY else None,
            assigned_by=by,
            assigned_at=assigned_at,
        )
        assignment.full_clean()
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError as exc:  # the database constraints have the last word
            raise ValidationError(_("This assignment conflicts with another one at the station.")) from exc
        data = {"role": role}
        if accreditation is not None:
            data["accreditation"] = f"{accreditation.issuing_body} № {accreditation.number}"
        audit.record(actor=by, action="events.assign", obj=assignment, data=data)
    return assignment


def end_assignment(*, assignment: Assignment, by: User) -> Assignment:
    """End an assignment now (ending it again changes nothing)."""
    check_region(by, assignment.station.region)
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.ended_at is None:
            assignment.ended_at = timezone.now()
            assignment.save(update_fields=["ended_at"])
            audit.record(actor=by, action="events.unassign", obj=assignment)
    return assignment
