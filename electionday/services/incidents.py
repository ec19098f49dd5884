"""Incidents from the stations, the alert a critical one raises, and the complaint an incident can become.

``record_incident`` stores a report exactly once per ``client_id`` (the phone may send it ten times), with its
photos and videos, and a new critical incident emails the station's regional coordinators and the HQ committee
staff once (the outbox key names the incident). The alert names the category, the station, the time and a link to
the staff page, never the reporter: an observer's name reaches only those who open the incident.

``make_complaint`` turns an incident into a letter to a territorial election commission or the prosecutor's office,
kept in the hotline's forwarding ledger (the same deadline, follow-up, answer and outcome tracking as any hotline
case): the incident's case is created once and reused by later letters.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coalition import audit
from coalition.access import require_region
from coalition.outbox import notify_staff, staff_with_email
from coalition.roles import Role
from coalition.site import absolute_url
from electionday.letters import render_complaint
from electionday.models import Incident, IncidentCategory, Severity, Source
from electionday.services import attachments
from events.models import Assignment, PollingStation
from hotline import services as hotline_services
from hotline.models import Agency, Category, Channel, Forwarding, HotlinePolicy, Report
from hotline.selectors import can_see_identity

ALERT_TEMPLATE = "emails/electionday/critical_incident"

# Where a complaint goes: the kind of addressee -> the agency codes to use, first active one wins (the hotline's
# agency list is data; a territorial commission added there with the code "tec" is preferred to the CEC).
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "tec": ("tec", "election_commission"),
    "prosecutor": ("prosecutor_regional", "prosecutor_general"),
}

# An incident's category as the hotline files it (the hotline's list is about the campaign; the rest is "other").
HOTLINE_CATEGORY: dict[str, str] = {
    IncidentCategory.PRESSURE: Category.PRESSURE,
    IncidentCategory.VOTE_BUYING: Category.VOTE_BUYING,
}


def _validate(
    *,
    station: PollingStation,
    assignment: Assignment | None,
    category: str,
    severity: str,
    occurred_at: datetime,
    source: str,
    photos: list[tuple[bytes, str]],
) -> None:
    errors: dict[str, list[str]] = {}
    if category not in IncidentCategory.values:
        errors["category"] = [_("Choose a category from the list.")]
    if severity not in Severity.values:
        errors["severity"] = [_("Choose a severity from the list.")]
    if source not in Source.values:
        errors["source"] = [_("Unknown source.")]
    if not isinstance(occurred_at, datetime) or timezone.is_naive(occurred_at):
        errors["occurred_at"] = [_("Give the time with its time zone.")]
    elif occurred_at > timezone.now() + timedelta(minutes=10):  # a phone's clock may run a little fast
        errors["occurred_at"] = [_("The time is in the future.")]
    if assignment is not None and assignment.station_id != station.pk:
        errors["assignment"] = [_("The assignment is not at this station.")]
    allowed = {"image/jpeg", "image/png", attachments.MP4, attachments.WEBM}
    if any(content_type not in allowed or not content for content, content_type in photos):
        errors["photos"] = [_("Only checked photos and videos can be attached.")]
    if errors:
        raise ValidationError(errors)


def record_incident(
    *,
    station: PollingStation,
    assignment: Assignment | None,
    client_id: uuid.UUID | str,
    category: str,
    severity: str,
    occurred_at: datetime,
    text: str,
    photos: list[tuple[bytes, str]],
    source: str,
    entered_by: User | None = None,
) -> tuple[Incident, bool]:
    """Store the incident once per ``client_id`` and return it with whether it is new.

    ``photos`` are ``(bytes, content type)`` pairs already checked by ``attachments.read_upload``. The same
    ``client_id`` again returns the stored incident and stores nothing (the same id from another station is refused).
    A new critical incident queues its alert in the same transaction.
    """
    try:
        client_id = uuid.UUID(str(client_id))
    except ValueError as exc:
        raise ValidationError({"client_id": [_("Not a valid UUID.")]}) from exc
    existing = Incident.objects.filter(client_id=client_id).first()
    if existing is not None:
        return _same_station(existing, station), False
    _validate(
        station=station,
        assignment=assignment,
        category=category,
        severity=severity,
        occurred_at=occurred_at,
        source=source,
        photos=photos,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a concurrent copy of the same report loses the race here
                incident = Incident.objects.create(
                    client_id=client_id,
                    station=station,
                    assignment=assignment,
                    category=category,
                    severity=severity,
                    occurred_at=occurred_at,
                    text=text.strip(),
                    source=source,
                    entered_by=entered_by,
                )
        except IntegrityError:
            return _same_station(Incident.objects.get(client_id=client_id), station), False
        for content, content_type in photos:
            attachments.store(parent=incident, content=content, content_type=content_type)
        audit.record(
            actor=entered_by,
            action="electionday.incident_recorded",
            obj=incident,
            data={
                "station": station.pk,
                "assignment": assignment.pk if assignment is not None else None,
                "category": category,
                "severity": severity,
                "source": source,
                "files": len(photos),
            },
        )
        if severity == Severity.CRITICAL:
            alert_critical(incident)
    return incident, True


def _same_station(incident: Incident, station: PollingStation) -> Incident:
    if incident.station_id != station.pk:
        raise ValidationError({"client_id": [_("This id belongs to another report.")]})
    return incident


def alert_recipients(station: PollingStation) -> list[User]:
    """The station's regional coordinators and the HQ committee staff (with an email), each once."""
    coordinators = staff_with_email(Role.REGIONAL_COORDINATOR).filter(profile__region_id=station.region_id)
    people = {user.pk: user for user in coordinators}
    people.update({user.pk: user for user in staff_with_email(Role.COMMITTEE_STAFF)})
    return [people[pk] for pk in sorted(people)]


def alert_critical(incident: Incident) -> int:
    """Email the alert of a critical incident (once per incident and recipient; call inside its transaction)."""
    station = PollingStation.objects.select_related("region", "election").get(pk=incident.station_id)
    role: object = ""
    if incident.assignment_id is not None:
        # Lazy labels: each recipient's message is rendered in their own language.
        role = Assignment.Role(Assignment.objects.get(pk=incident.assignment_id).role).label
    context = {
        "category": IncidentCategory(incident.category).label,
        "category_code": incident.category,
        "station": station.number,
        "region": station.region,  # its name is read in the recipient's language
        "occurred_at": timezone.localtime(incident.occurred_at),
        "reporter_role": role,
        "staff_entry": incident.source == Source.STAFF,
        "url": absolute_url(reverse("electionday:incident", args=[station.election.slug, incident.pk])),
    }
    return notify_staff(
        recipients=alert_recipients(station),
        key=f"electionday:incident:{incident.pk}:critical",
        template=ALERT_TEMPLATE,
        context=context,
        urgent=True,  # delivered on the urgent queue: never behind a reminders backlog
    )


# --- Complaints ---------------------------------------------------------------------------------------------------


def agency_for(recipient: str) -> Agency:
    """Return the agency a complaint of kind ``recipient`` ("tec" or "prosecutor") goes to by default."""
    codes = RECIPIENTS.get(recipient)
    if codes is None:
        raise ValidationError({"recipient": [_("Choose the election commission or the prosecutor's office.")]})
    agencies = {agency.code: agency for agency in Agency.objects.filter(code__in=codes, active=True)}
    for code in codes:
        if code in agencies:
            return agencies[code]
    raise ValidationError({"agency": [_("No active agency of this kind in the hotline's list of agencies.")]})


def answer_deadline(forwarding: Forwarding, policy: HotlinePolicy | None = None) -> date:
    """The day the agency's answer is due, as the hotline's escalation counts it (sent on + answer days)."""
    policy = policy or HotlinePolicy.current()
    return forwarding.sent_on + timedelta(days=policy.answer_days)


def may_complain(user: User | AnonymousUser) -> bool:
    """Whether ``user`` may turn incidents into complaints: the integrity officer, who keeps the forwarding ledger
    (letters and answers are read on the hotline's case pages, which are theirs alone)."""
    return bool(
        user.is_authenticated
        and user.has_perm("electionday.change_incident")
        and user.has_perm("hotline.add_forwarding")
        and can_see_identity(user)
    )


def _case_description(incident: Incident, station: PollingStation) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        head = _(
            "Election-day incident No. %(id)s at polling station No. %(station)s (%(address)s), %(when)s: %(category)s."
        ) % {
            "id": incident.pk,
            "station": station.number,
            "address": station.address,
            "when": f"{timezone.localtime(incident.occurred_at):%d.%m.%Y %H:%M}",
            "category": incident.get_category_display(),
        }
    return f"{head}\n\n{incident.text}".strip()


def _open_case(incident: Incident, station: PollingStation, actor: User) -> Report:
    """Create the incident's hotline case (no reporter identity: the letter is the coalition's own)."""
    local = timezone.localtime(incident.occurred_at)
    receipt = hotline_services.submit_report(
        category=HOTLINE_CATEGORY.get(incident.category, Category.OTHER),
        description=_case_description(incident, station),
        region=station.region,
        locality=station.address[:200],
        occurred_on=local.date(),
        occurred_when=f"{local:%H:%M}",
        channel=Channel.PHONE if incident.source == Source.STAFF else Channel.WEB,
        recorded_by=actor,
    )
    return receipt.report


def make_complaint(
    *,
    incident: Incident,
    recipient: str,
    outgoing_number: str,
    actor: User,
    agency: Agency | None = None,
    sent_on: date | None = None,
) -> Forwarding:
    """Turn ``incident`` into a letter to ``agency`` (by default the one of ``recipient``: "tec" or "prosecutor").

    The letter (PDF) lists the evidence with each file's SHA-256 and is kept with its own SHA-256 as a row of the
    hotline's forwarding ledger, on the incident's case (created on the first complaint, reused after).
    """
    if not may_complain(actor):
        raise PermissionDenied
    outgoing_number = outgoing_number.strip()
    if not outgoing_number:
        raise ValidationError({"outgoing_number": [_("Give the letter's outgoing number.")]})
    if recipient not in RECIPIENTS:
        raise ValidationError({"recipient": [_("Choose the election commission or the prosecutor's office.")]})
    agency = agency or agency_for(recipient)
    sent_on = sent_on or timezone.localdate()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        station = PollingStation.objects.select_related("region", "election").get(pk=incident.station_id)
        require_region(actor, station.region)
        if Forwarding.objects.filter(agency=agency, outgoing_number=outgoing_number).exists():
            raise ValidationError(
                {"outgoing_number": [_("A letter with this number was already sent to this agency.")]}
            )
        if incident.case_id is None:
            opened = _open_case(incident, station, actor)
            incident.case = opened
            incident.save(update_fields=["case"])
            case_pk = opened.pk
        else:
            case_pk = incident.case_id
        report = Report.objects.select_for_update().get(pk=case_pk)
        if report.status == Report.Status.CLOSED:
            raise ValidationError(_("The incident's case is closed: reopen it in the hotline before a new letter."))
        forwarding = Forwarding(
            report=report,
            agency=agency,
            sent_on=sent_on,
            outgoing_number=outgoing_number,
            includes_identity=False,
            created_by=actor,
        )
        evidence = list(incident.attachments.order_by("uploaded_at", "pk"))
        content, content_type, extension = render_complaint(
            {
                "incident": incident,
                "station": station,
                "election": station.election,
                "agency": agency,
                "recipient": recipient,
                "forwarding": forwarding,
                "report": report,
                "evidence": evidence,
                "reporter_role": incident.assignment.get_role_display() if incident.assignment else "",
                "officer": actor,
                "hotline_phone": settings.HOTLINE_PHONE,
            }
        )
        forwarding.letter_content_type = content_type
        forwarding.letter_sha256 = hashlib.sha256(content).hexdigest()
        forwarding.letter.save(f"complaint.{extension}", ContentFile(content), save=False)
        try:
            with transaction.atomic():
                forwarding.save()
        except IntegrityError as exc:  # the same number sent a moment ago by someone else
            raise ValidationError(
                {"outgoing_number": [_("A letter with this number was already sent to this agency.")]}
            ) from exc
        report.status = Report.Status.FORWARDED
        report.triaged_at = report.triaged_at or timezone.now()
        report.severity = report.severity or incident.severity
        report.save(update_fields=["status", "triaged_at", "severity"])
        data: dict[str, Any] = {
            "forwarding": forwarding.pk,
            "agency": agency.code,
            "number": outgoing_number,
            "includes_identity": False,
            "letter_sha256": forwarding.letter_sha256,
            "incident": incident.pk,
            "evidence": [item.sha256 for item in evidence],
        }
        audit.record(actor=actor, action="hotline.forwarded", obj=report, data=data)
        audit.record(actor=actor, action="electionday.complaint_made", obj=incident, data=data)
    return forwarding
