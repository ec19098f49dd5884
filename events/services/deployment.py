"""Deployment: assigning certified people to polling stations (the stations import is in station_import)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from events import rules
from events.models import Assignment, Policy, PollingStation, no_accreditation_message
from events.selectors import accreditation_in_force, valid_certificate
from events.services._common import check_region
from members.models import Organization, Person


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
