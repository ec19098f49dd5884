"""CSV/XLSX exports of the events lists: which columns each list exports, from the same scoped, filtered queryset
the page shows (so a coordinator's file holds only their region). The files themselves are built by the
coalition-wide spreadsheet helper, which neutralises cells a spreadsheet would run as formulas."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import spreadsheets
from events.models import Accreditation, Assignment, Certificate, Enrolment

FORMATS = ("csv", "xlsx")


def requested(request: HttpRequest) -> str | None:
    """Return the export format the request asks for (``?export=csv`` or ``xlsx``), or None."""
    fmt = request.GET.get("export")
    return fmt if fmt in FORMATS else None


def respond(fmt: str, rows: Iterable[list], stem: str, title: str) -> HttpResponse:
    """Return the download ``<stem>-<date>.<fmt>``; dates shown as the pages show them."""
    return spreadsheets.response(
        fmt,
        rows,
        f"{stem}-{timezone.localdate():%Y-%m-%d}",
        title=title,
        csv_date="%d.%m.%Y",
        csv_datetime="%d.%m.%Y %H:%M",
        xlsx_date="dd.mm.yyyy",
        xlsx_datetime="dd.mm.yyyy hh:mm",
    )


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def _name(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


# --- One function per list: the header, then one row per object ----------------------------------------------


def sessions(queryset: Iterable[Any]) -> Iterator[list]:  # TrainingSession rows annotated with ``enrolled``
    yield [
        _("Starts"),
        _("Ends"),
        _("Course"),
        _("Region"),
        _("Place"),
        _("Trainer"),
        _("Enrolled"),
        _("Capacity"),
        _("Cancelled"),
    ]
    for session in queryset:
        yield [
            session.starts_at,
            session.ends_at,
            session.course.name,
            session.region.name,
            session.place,
            _name(session.trainer),
            session.enrolled,
            session.capacity,
            session.cancelled_at,
        ]


def enrolments(queryset: Iterable[Enrolment], pass_mark: int) -> Iterator[list]:
    yield [_("Person"), _("Enrolled at"), _("Attended"), _("Score"), _("Passed"), _("Certificate"), _("Revoked")]
    for enrolment in queryset:
        certificate = getattr(enrolment, "certificate", None)
        yield [
            enrolment.person.full_name,
            enrolment.created_at,
            _yes(enrolment.attended),
            enrolment.score,
            _yes(enrolment.attended and enrolment.score is not None and enrolment.score >= pass_mark),
            certificate.number if certificate else "",
            _yes(certificate.revoked_at is not None) if certificate else "",
        ]


def certificates(queryset: Iterable[Certificate]) -> Iterator[list]:
    yield [
        _("Number"),
        _("Person"),
        _("Course"),
        _("Region"),
        _("Issued on"),
        _("Valid until"),
        _("Status"),
        _("Revoked at"),
        _("Reason for revocation"),
    ]
    today = timezone.localdate()
    for certificate in queryset:
        yield [
            certificate.number,
            certificate.person.full_name,
            certificate.course.name,
            certificate.enrolment.session.region.name,
            certificate.issued_on,
            certificate.valid_until,
            certificate_status(certificate, today),
            certificate.revoked_at,
            certificate.revoke_reason,
        ]


def certificate_status(certificate: Certificate, today: date) -> str:
    if certificate.revoked_at is not None:
        return _("Revoked")
    return _("Valid") if certificate.is_valid(today) else _("Expired")


def stations(queryset: Iterable[Any]) -> Iterator[list]:  # PollingStation rows annotated with ``certified``
    # New columns go last: files read by column position keep working.
    yield [
        _("Number"),
        _("Region"),
        _("Address"),
        _("Certified people assigned"),
        _("Voters on the lists"),
        _("Election"),
    ]
    for station in queryset:
        yield [
            station.number,
            station.region.name,
            station.address,
            station.certified,
            "" if station.voters is None else station.voters,
            station.election.slug,
        ]


def assignments(queryset: Iterable[Assignment]) -> Iterator[list]:
    yield [
        _("Station"),
        _("Region"),
        _("Address"),
        _("Person"),
        _("Role"),
        _("Nominating organization"),
        _("Certificate"),
        _("Certificate valid"),
        _("Registration number"),
        _("Registration date"),
        _("Assigned at"),
        _("Ended at"),
        _("Election"),
    ]
    today = timezone.localdate()
    for assignment in queryset:
        yield [
            assignment.station.number,
            assignment.station.region.name,
            assignment.station.address,
            assignment.person.full_name,
            assignment.get_role_display(),
            assignment.organization.name if assignment.organization else "",
            assignment.certificate.number,
            _yes(assignment.certificate.is_valid(today)),
            assignment.registration_number,
            assignment.registration_date,
            assignment.assigned_at,
            assignment.ended_at,
            assignment.station.election.slug,
        ]


def coverage(rows: Iterable[dict]) -> Iterator[list]:
    yield [_("Region code"), _("Region"), _("Stations"), _("No certified person"), _("One"), _("Two or more")]
    for row in rows:
        yield [row["region"].code, row["region"].name, row["stations"], row["none"], row["one"], row["two_plus"]]


def accreditations(queryset: Iterable[Accreditation]) -> Iterator[list]:
    yield [
        _("Organization"),
        _("BIN"),
        _("Region"),
        _("Issuing body"),
        _("Number"),
        _("Issued on"),
        _("Valid until"),
        _("Status"),
        _("Revoked at"),
        _("Reason for revocation"),
    ]
    for accreditation in queryset:
        organization = accreditation.organization
        yield [
            organization.name,
            organization.bin,
            organization.region.name,
            accreditation.issuing_body,
            accreditation.number,
            accreditation.issued_on,
            accreditation.valid_until,
            accreditation.get_status_display(),
            accreditation.revoked_at,
            accreditation.revoke_reason,
        ]
