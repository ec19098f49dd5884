"""The organizing committee: its roster, quorum rules, meetings and the decisions voted at them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coalition import audit
from coalition.outbox import enqueue_email
from members import identity, rules
from members.models import CommitteeMeeting, CommitteeMember, Decision, Organization, QuorumRule
from members.services.membership import set_status


@transaction.atomic
def create_meeting(
    *,
    held_on: date,
    place: str,
    agenda: str,
    minutes: str = "",
    attendees: Iterable[CommitteeMember] = (),
    created_by: User,
) -> CommitteeMeeting:
    """Record a committee meeting and who of the committee attended it."""
    meeting = CommitteeMeeting.objects.create(
        held_on=held_on,
        place=place,
        agenda=agenda,
        minutes=minutes,
        committee_size=CommitteeMember.objects.filter(is_active=True).count(),
        created_by=created_by,
    )
    meeting.attendees.set(attendees)
    audit.record(
        actor=created_by,
        action="members.meeting.create",
        obj=meeting,
        data={"held_on": held_on, "place": place, "attendees": sorted(a.pk for a in meeting.attendees.all())},
    )
    return meeting


@transaction.atomic
def update_meeting(
    *,
    meeting: CommitteeMeeting,
    place: str,
    agenda: str,
    minutes: str,
    attendees: Iterable[CommitteeMember],
    changed_by: User,
) -> CommitteeMeeting:
    """Correct a meeting's record; attendance is frozen once a decision has been recorded (the quorum used it)."""
    meeting = CommitteeMeeting.objects.select_for_update().get(pk=meeting.pk)
    before = {"place": meeting.place, "agenda": meeting.agenda, "minutes": meeting.minutes}
    attendees = list(attendees)
    if meeting.decisions.exists() and {a.pk for a in attendees} != set(meeting.attendees.values_list("pk", flat=True)):
        raise ValidationError({"attendees": _("Attendance cannot change after decisions have been recorded.")})
    meeting.place, meeting.agenda, meeting.minutes = place, agenda, minutes
    meeting.save(update_fields=["place", "agenda", "minutes"])
    meeting.attendees.set(attendees)
    audit.record(
        actor=changed_by,
        action="members.meeting.update",
        obj=meeting,
        data={"before": before, "after": {"place": place, "agenda": agenda, "minutes": minutes}},
    )
    return meeting


def required_quorum(meeting: CommitteeMeeting) -> int:
    """Return how many members must attend ``meeting`` for its decisions to count (the rule in force that day)."""
    rule = QuorumRule.in_force(meeting.held_on)
    if rule is None:
        raise ValidationError(_("No quorum rule is in force on the meeting date: add one first."))
    return rules.quorum(committee_size=meeting.committee_size, share=rule.share, strictly_more=rule.strictly_more)


def record_decision(
    *,
    meeting: CommitteeMeeting,
    kind: str,
    text: str,
    organizations: Sequence[Organization] = (),
    votes_for: int,
    votes_against: int,
    votes_abstained: int,
    reason: str = "",
    recorded_by: User,
    notify: bool = True,
) -> Decision:
    """Record a meeting's vote on a motion; an adopted admission or rejection acts on the organizations it names.

    Admission sets each organization's status to admitted with the meeting date as the joined date; rejection
    sets rejected with the reason. Both email the applicant (unless ``notify`` is off, e.g. for historic data).
    A motion that is not adopted changes nothing but is kept on record.
    """
    with transaction.atomic():
        meeting = CommitteeMeeting.objects.select_for_update().get(pk=meeting.pk)
        present = meeting.attendees.count()
        required = required_quorum(meeting)
        errors: dict[str, list[str]] = {}
        if votes_for + votes_against + votes_abstained > present:
            errors["votes_for"] = [_("More votes than members present (%(present)d).") % {"present": present}]
        if kind == Decision.Kind.REJECTION and not reason.strip():
            errors["reason"] = [_("Give the reason for the rejection: the applicant receives it.")]
        if kind in (Decision.Kind.ADMISSION, Decision.Kind.REJECTION) and not organizations:
            errors["organizations"] = [_("Name the organizations this decision is about.")]
        ids = [o.pk for o in organizations]
        locked = list(Organization.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if kind in (Decision.Kind.ADMISSION, Decision.Kind.REJECTION):
            not_pending = [o for o in locked if o.status != Organization.Status.APPLIED]
            if not_pending:
                errors["organizations"] = [
                    _("Only pending applications can be decided: %(names)s.")
                    % {"names": ", ".join(str(o) for o in not_pending)}
                ]
            too_late = [
                o for o in locked if rules.decided_before_applying(held_on=meeting.held_on, applied_on=o.applied_on)
            ]
            if too_late:
                errors.setdefault("organizations", []).append(
                    _("The meeting was held before these organizations applied: %(names)s.")
                    % {"names": ", ".join(f"{o} ({o.applied_on:%d.%m.%Y})" for o in too_late)}
                )
        if errors:
            raise ValidationError(errors)
        adopted = rules.motion_adopted(present=present, required=required, votes_for=votes_for)
        decision = Decision.objects.create(
            meeting=meeting,
            number=(meeting.decisions.count() + 1),
            kind=kind,
            text=text,
            reason=reason,
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstained=votes_abstained,
            present=present,
            quorum=required,
            adopted=adopted,
            recorded_by=recorded_by,
        )
        decision.organizations.set(locked)
        changed = []
        if adopted and kind in (Decision.Kind.ADMISSION, Decision.Kind.REJECTION):
            to_status = (
                Organization.Status.ADMITTED if kind == Decision.Kind.ADMISSION else Organization.Status.REJECTED
            )
            for organization in locked:
                set_status(
                    organization=organization,
                    to_status=to_status,
                    changed_by=recorded_by,
                    decision=decision,
                    reason=reason,
                    joined_on=meeting.held_on if to_status == Organization.Status.ADMITTED else None,
                )
                changed.append(organization.pk)
                if notify and organization.email:
                    _notify_decision(organization=organization, decision=decision)
        audit.record(
            actor=recorded_by,
            action=f"members.decision.{kind}",
            obj=decision,
            data={
                "meeting": meeting.pk,
                "organizations": ids,
                "votes": [votes_for, votes_against, votes_abstained],
                "present": present,
                "quorum": required,
                "adopted": adopted,
                "status_changed": changed,
                "reason": reason,
            },
        )
    return decision


def _notify_decision(*, organization: Organization, decision: Decision) -> None:
    template = "admitted" if decision.kind == Decision.Kind.ADMISSION else "rejected"
    enqueue_email(
        key=f"members:organization:{organization.pk}:decision:{decision.pk}",
        recipient=organization.email,
        template=f"emails/members/{template}",
        context={"organization": organization, "decision": decision, "meeting": decision.meeting},
        language=organization.language,
    )


@transaction.atomic
def add_committee_member(
    *, full_name: str, title: str, organization: Organization | None, added_by: User
) -> CommitteeMember:
    """Put a person on the organizing committee's roster (the quorum is counted against the active roster)."""
    person = identity.resolve_person(
        claim=identity.Claim(full_name=full_name, region_id=organization.region_id if organization else None),
        source=identity.Source.COMMITTEE,
        asserted_by=added_by,
    ).person
    member = CommitteeMember.objects.create(person=person, title=title, organization=organization)
    audit.record(
        actor=added_by,
        action="members.committee.add",
        obj=member,
        data={"person": person.pk, "title": title, "organization": organization.pk if organization else None},
    )
    return member


@transaction.atomic
def set_committee_member_active(*, member: CommitteeMember, is_active: bool, changed_by: User) -> CommitteeMember:
    """Take a member off the roster, or back on; past meetings keep their recorded size and attendance."""
    member = CommitteeMember.objects.select_for_update().get(pk=member.pk)
    before = member.is_active
    member.is_active = is_active
    member.save(update_fields=["is_active"])
    audit.record(
        actor=changed_by, action="members.committee.active", obj=member, data={"before": before, "after": is_active}
    )
    return member


@transaction.atomic
def add_quorum_rule(
    *, valid_from: date, share: Decimal, strictly_more: bool, source: str, added_by: User
) -> QuorumRule:
    """Add the quorum rule in force from ``valid_from`` (earlier meetings keep the rule of their date)."""
    rule = QuorumRule.objects.create(valid_from=valid_from, share=share, strictly_more=strictly_more, source=source)
    audit.record(
        actor=added_by,
        action="members.quorum.add",
        obj=rule,
        data={"valid_from": valid_from, "share": str(share), "strictly_more": strictly_more, "source": source},
    )
    return rule
