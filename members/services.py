"""Every write of the members app: one transaction each, with its audit entry inside."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.models import Region
from coalition.outbox import enqueue_email
from coalition.roles import Role
from coalition.site import absolute_url
from members import identity, rules
from members.models import (
    Affiliation,
    CommitteeMeeting,
    CommitteeMember,
    Consent,
    Decision,
    IneligibleCategory,
    Organization,
    QuorumRule,
    StatementOfSupport,
    StatusChange,
)

CONSENT_TEXT_VERSION = "2026-11-v1"
WAITING_DAYS = 3


@dataclass
class Application:
    """What the public join form collects, as plain data."""

    name_ru: str
    bin: str
    kind: str
    region: Region
    name_kk: str = ""
    name_en: str = ""
    short_name: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    head_name: str = ""
    head_title: str = ""
    declared_members: int | None = None
    declared_categories: Sequence[str] = field(default_factory=list)
    representative_name: str = ""
    representative_title: str = ""
    representative_phone: str = ""
    representative_email: str = ""
    representative_iin: str = ""
    consent_text: str = ""
    language: str = "ru"


def active_categories() -> list[rules.Category]:
    return [
        rules.Category(c.code, c.label, c.reason, tuple(c.keywords()), c.bin_type_digits)
        for c in IneligibleCategory.objects.filter(is_active=True)
    ]


def eligibility_refusals(*, names: Iterable[str], bin_: str, declared: Iterable[str]) -> list[rules.Refusal]:
    """Return the reasons an organization may not join, from the categories in force."""
    return rules.eligibility_refusals(names=names, bin_=bin_, declared=declared, categories=active_categories())


def bin_is_taken(bin_: str) -> bool:
    """Return whether a pending or member organization already has this BIN (rejected ones free it)."""
    return Organization.objects.filter(bin=bin_).exclude(status=Organization.Status.REJECTED).exists()


def duplicate_bin_message() -> str:
    # Deliberately says nothing about the other application (who, when, status).
    return _("An organization with this BIN has already applied or is a member. Contact the HQ if this is wrong.")


def _duplicate_bin_error() -> ValidationError:
    return ValidationError({"bin": duplicate_bin_message()}, code="duplicate_bin")


def submit_application(*, application: Application) -> Organization:
    """Record a public application, its representative and their consent; email the applicant a confirmation."""
    refusals = eligibility_refusals(
        names=[application.name_ru, application.name_kk, application.name_en, application.short_name],
        bin_=application.bin,
        declared=application.declared_categories,
    )
    if refusals:
        raise ValidationError([r.reason for r in refusals], code="ineligible")
    if bin_is_taken(application.bin):
        raise _duplicate_bin_error()
    try:
        with transaction.atomic():
            organization = Organization.objects.create(
                name_ru=application.name_ru,
                name_kk=application.name_kk,
                name_en=application.name_en,
                short_name=application.short_name,
                bin=application.bin,
                kind=application.kind,
                region=application.region,
                address=application.address,
                phone=application.phone,
                email=application.email,
                website=application.website,
                head_name=application.head_name,
                head_title=application.head_title,
                declared_members=application.declared_members,
                language=application.language,
            )
            # The representative is who the policy says (members.identity): a known IIN under another name is not
            # attached to its holder, and an email alone never is.
            claim = identity.resolve_person(
                claim=identity.Claim(
                    full_name=application.representative_name,
                    iin=application.representative_iin,
                    email=application.representative_email,
                    phone=application.representative_phone,
                    region_id=application.region.pk,
                    language=application.language,
                ),
                source=identity.Source.JOIN,
            )
            person = claim.person
            Affiliation.objects.get_or_create(
                person=person,
                organization=organization,
                role=Affiliation.Role.REPRESENTATIVE,
                defaults={"title": application.representative_title},
            )
            identity.record_consent(
                claim=claim,
                purpose=Consent.Purpose.MEMBERSHIP,
                text=application.consent_text,
                text_version=CONSENT_TEXT_VERSION,
                language=application.language,
            )
            StatusChange.objects.create(organization=organization, to_status=Organization.Status.APPLIED)
            audit.record(
                actor=None,
                action="members.apply",
                obj=organization,
                data={"bin": organization.bin, "region": application.region.code, "representative": person.pk},
            )
            if organization.email:
                enqueue_email(
                    key=f"members:organization:{organization.pk}:received",
                    recipient=organization.email,
                    template="emails/members/application_received",
                    context={"organization": organization, "number": organization.application_number},
                    language=organization.language,
                )
    except IntegrityError as exc:  # two applications with one BIN at the same moment: the constraint decides
        if "organization_bin_unique_unless_rejected" in str(exc):
            raise _duplicate_bin_error() from exc
        raise
    return organization


def _user_label(user) -> str:
    return user.get_username() if user is not None else ""


@transaction.atomic
def create_meeting(
    *,
    held_on: date,
    place: str,
    agenda: str,
    minutes: str = "",
    attendees: Iterable[CommitteeMember] = (),
    created_by,
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
    changed_by,
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
    recorded_by,
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
                _set_status(
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


def _set_status(
    *,
    organization: Organization,
    to_status: str,
    changed_by,
    decision: Decision | None = None,
    reason: str = "",
    joined_on: date | None = None,
) -> None:
    if not organization.can_change_to(to_status):
        raise ValidationError(
            _("%(organization)s cannot change from %(from)s to %(to)s.")
            % {
                "organization": organization,
                "from": organization.get_status_display(),
                "to": Organization.Status(to_status).label,
            }
        )
    from_status = organization.status
    organization.status = to_status
    fields = ["status"]
    if joined_on is not None:
        organization.joined_on = joined_on
        fields.append("joined_on")
    organization.save(update_fields=fields)
    StatusChange.objects.create(
        organization=organization,
        from_status=from_status,
        to_status=to_status,
        changed_by=changed_by,
        decision=decision,
        reason=reason,
    )


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
def change_membership_status(*, organization: Organization, to_status: str, reason: str, changed_by) -> Organization:
    """Suspend, reinstate or record the withdrawal of a member (pending applications are decided at meetings)."""
    if to_status not in (Organization.Status.SUSPENDED, Organization.Status.WITHDRAWN, Organization.Status.ADMITTED):
        raise ValidationError(_("Applications are admitted or rejected by a meeting decision."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status == Organization.Status.APPLIED:
        raise ValidationError(_("Applications are admitted or rejected by a meeting decision."))
    before = organization.status
    _set_status(organization=organization, to_status=to_status, changed_by=changed_by, reason=reason)
    audit.record(
        actor=changed_by,
        action="members.status",
        obj=organization,
        data={"before": before, "after": to_status, "reason": reason},
    )
    return organization


@transaction.atomic
def record_statement(
    *,
    organization: Organization,
    speaker_name: str,
    speaker_title: str,
    text: str,
    made_on: date,
    meeting: CommitteeMeeting | None = None,
    language: str = "ru",
    may_publish: bool = False,
    created_by,
) -> StatementOfSupport:
    """Record a statement of support made by a member organization's speaker."""
    statement = StatementOfSupport.objects.create(
        organization=organization,
        speaker_name=speaker_name,
        speaker_title=speaker_title,
        text=text,
        made_on=made_on,
        meeting=meeting,
        language=language,
        may_publish=may_publish,
        created_by=created_by,
    )
    audit.record(
        actor=created_by,
        action="members.statement.create",
        obj=statement,
        data={"organization": organization.pk, "may_publish": may_publish},
    )
    return statement


@transaction.atomic
def set_statement_publication(*, statement: StatementOfSupport, may_publish: bool, changed_by) -> StatementOfSupport:
    """Allow or withdraw the publication of a statement on the public members page."""
    statement = StatementOfSupport.objects.select_for_update().get(pk=statement.pk)
    before = statement.may_publish
    statement.may_publish = may_publish
    statement.save(update_fields=["may_publish"])
    audit.record(
        actor=changed_by,
        action="members.statement.publication",
        obj=statement,
        data={"before": before, "after": may_publish},
    )
    return statement


@transaction.atomic
def save_ineligible_category(*, category: IneligibleCategory, changed_by) -> IneligibleCategory:
    """Save a staff edit of the eligibility list (the form has validated it), with the before/after in the audit."""
    before = {}
    if category.pk:
        before = dict(
            IneligibleCategory.objects.filter(pk=category.pk).values(
                "label", "reason", "name_keywords", "bin_type_digits", "source", "is_active"
            )[0]
        )
    category.save()
    after = {
        "label": category.label,
        "reason": category.reason,
        "name_keywords": category.name_keywords,
        "bin_type_digits": category.bin_type_digits,
        "source": category.source,
        "is_active": category.is_active,
    }
    audit.record(
        actor=changed_by, action="members.eligibility.save", obj=category, data={"before": before, "after": after}
    )
    return category


def _committee_staff():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.COMMITTEE_STAFF)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )


def send_new_application_digest() -> int:
    """Email committee staff one digest of the applications not yet announced; return how many it listed.

    The applications are claimed with SKIP LOCKED and marked in the same transaction, and the email key names
    the first and last id, so a second run (or two at once) sends nothing twice.
    """
    with transaction.atomic():
        batch = list(
            Organization.objects.select_for_update(skip_locked=True)
            .filter(status=Organization.Status.APPLIED, digest_sent_at__isnull=True)
            .select_related("region")
            .order_by("pk")[:200]
        )
        if not batch:
            return 0
        Organization.objects.filter(pk__in=[o.pk for o in batch]).update(digest_sent_at=timezone.now())
        for user in _committee_staff():
            language = getattr(getattr(user, "profile", None), "language", "ru")
            enqueue_email(
                key=f"members:digest:{batch[0].pk}-{batch[-1].pk}:user:{user.pk}",
                recipient=user.email,
                template="emails/members/new_applications_digest",
                context={
                    "organizations": batch,
                    "user": user,
                    "queue_url": absolute_url(reverse("members:staff_queue")),
                },
                language=language,
            )
    return len(batch)


def remind_waiting_applications(*, today: date | None = None) -> int:
    """Remind committee staff (once a day) of applications waiting more than WAITING_DAYS; return how many wait."""
    today = today or timezone.localdate()
    cutoff = timezone.now() - timedelta(days=WAITING_DAYS)
    waiting = Organization.objects.filter(status=Organization.Status.APPLIED, created_at__lt=cutoff)
    summary = waiting.aggregate(oldest=Min("created_at"))
    count = waiting.count()
    if not count:
        return 0
    with transaction.atomic():
        for user in _committee_staff():
            language = getattr(getattr(user, "profile", None), "language", "ru")
            enqueue_email(
                key=f"members:waiting:{today.isoformat()}:user:{user.pk}",
                recipient=user.email,
                template="emails/members/waiting_reminder",
                context={
                    "count": count,
                    "oldest": summary["oldest"],
                    "days": WAITING_DAYS,
                    "user": user,
                    "queue_url": absolute_url(reverse("members:staff_queue")),
                },
                language=language,
            )
    return count


@transaction.atomic
def withdraw_consent(*, consent: Consent, withdrawn_by) -> Consent:
    """Record that a person withdrew a consent (e.g. by letter to the HQ); the row stays as evidence."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    audit.record(
        actor=withdrawn_by,
        action="members.consent.withdraw",
        obj=consent.person,
        data={"consent": consent.pk, "purpose": consent.purpose, "text_version": consent.text_version},
    )
    return consent


@transaction.atomic
def add_committee_member(*, full_name: str, title: str, organization: Organization | None, added_by) -> CommitteeMember:
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
def set_committee_member_active(*, member: CommitteeMember, is_active: bool, changed_by) -> CommitteeMember:
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
def add_quorum_rule(*, valid_from: date, share, strictly_more: bool, source: str, added_by) -> QuorumRule:
    """Add the quorum rule in force from ``valid_from`` (earlier meetings keep the rule of their date)."""
    rule = QuorumRule.objects.create(valid_from=valid_from, share=share, strictly_more=strictly_more, source=source)
    audit.record(
        actor=added_by,
        action="members.quorum.add",
        obj=rule,
        data={"valid_from": valid_from, "share": str(share), "strictly_more": strictly_more, "source": source},
    )
    return rule
