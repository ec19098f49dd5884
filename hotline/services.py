"""Every hotline workflow that writes: one transaction each, with its audit entry inside.

Audit entries never carry a reporter's identity or the text of a report, only codes and ids.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from coalition import audit
from coalition.dates import day_start
from coalition.jobs import queue_after_commit
from coalition.models import OutboundMessage
from coalition.outbox import enqueue_email, notify_staff
from coalition.site import absolute_url
from coalition.storage import private_storage
from hotline import selectors
from hotline.evidence import CleanFile
from hotline.letters import render_letter
from hotline.models import (
    Agency,
    CaseNote,
    Channel,
    Evidence,
    Forwarding,
    HotlinePolicy,
    IdentityAccess,
    IdentityDisclosure,
    PatternAlert,
    Report,
    ReporterIdentity,
    ReportUpdate,
    SlaBreach,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
CONSENT_TEXT_VERSION = "hotline-2026-1"


@dataclass(frozen=True)
class IdentityData:
    """What a reporter chose to tell about themselves, and what they consented to."""

    full_name: str = ""
    phone: str = ""
    email: str = ""
    other_contact: str = ""
    language: str = "ru"
    consent_to_contact: bool = False
    consent_to_share: bool = False
    consent_text: str = ""

    @property
    def given(self) -> bool:
        return any([self.full_name, self.phone, self.email, self.other_contact])


@dataclass(frozen=True)
class Receipt:
    """The tracking code and the secret: the secret exists only here, and is shown to the reporter once."""

    report: Report
    code: str
    secret: str


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"HL-{raw[:4]}-{raw[4:]}"


def _new_secret() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(20))
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def _store_evidence(report: Report, files: list[CleanFile], update: ReportUpdate | None = None) -> list[Evidence]:
    stored = []
    for clean in files:
        evidence = Evidence(
            report=report,
            update=update,
            content_type=clean.content_type,
            size=len(clean.content),
            sha256=clean.sha256,
            metadata_stripped=clean.metadata_stripped,
        )
        evidence.file.save(f"evidence.{evidence.extension}", ContentFile(clean.content), save=False)
        evidence.save()
        stored.append(evidence)
    return stored


def _notify_officers(*, key: str, template: str, context: dict) -> None:
    """Email every integrity officer once per key; never with personal data."""
    notify_staff(recipients=selectors.integrity_officer_emails(), key=key, template=template, context=context)


def _notify_reporter(*, report: Report, occasion: str) -> None:
    """Tell the reporter that their case moved, only if they gave an email and consented to be contacted.

    The email says no more than "there is news: check it with your receipt".
    """
    identity = ReporterIdentity.objects.filter(report=report).first()
    if identity is None or not identity.consent_to_contact or not identity.email:
        return
    enqueue_email(
        key=f"hotline:reporter:{report.pk}:{occasion}",
        recipient=identity.email,
        template="emails/hotline/reporter_update",
        context={"code": report.tracking_code, "status_url": absolute_url(reverse("hotline:status"))},
        language=identity.language,
    )


def submit_report(
    *,
    category: str,
    description: str,
    region=None,
    locality: str = "",
    occurred_on: date | None = None,
    occurred_when: str = "",
    organization=None,
    involved: str = "",
    files: Sequence[CleanFile] = (),
    identity: IdentityData | None = None,
    channel: str = Channel.WEB,
    recorded_by=None,
) -> Receipt:
    """File a report (from the public form, or by staff for a caller) and return its receipt.

    No IP address or other request data is stored with the report.
    """
    secret = _new_secret()
    with transaction.atomic():
        for _attempt in range(5):  # a clash of random codes is rare; try a fresh one
            code = _new_code()
            try:
                with transaction.atomic():
                    report = Report.objects.create(
                        tracking_code=code,
                        secret_hash=make_password(secret),
                        category=category,
                        description=description,
                        region=region,
                        locality=locality,
                        occurred_on=occurred_on,
                        occurred_when=occurred_when,
                        organization=organization,
                        involved=involved,
                        channel=channel,
                        recorded_by=recorded_by,
                    )
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - 32**8 codes
            raise RuntimeError("Could not find a free tracking code.")
        evidence = _store_evidence(report, list(files))
        if identity is not None and identity.given:
            ReporterIdentity.objects.create(
                report=report,
                full_name=identity.full_name,
                phone=identity.phone,
                email=identity.email,
                other_contact=identity.other_contact,
                language=identity.language,
                consent_to_contact=identity.consent_to_contact,
                consent_to_share=identity.consent_to_share,
                consent_text_version=CONSENT_TEXT_VERSION,
                consent_text=identity.consent_text,
                consent_given_at=timezone.now(),
            )
        audit.record(
            actor=recorded_by,
            action="hotline.report_received",
            obj=report,
            data={
                "channel": channel,
                "category": category,
                "files": len(evidence),
                "identity_given": bool(identity and identity.given),
            },
        )
        _notify_officers(
            key=f"hotline:new:{report.pk}",
            template="emails/hotline/new_report",
            context={
                "code": report.tracking_code,
                "category": report.get_category_display(),
                "region": report.region.name if report.region else "",
                "url": absolute_url(reverse("hotline:detail", args=[report.tracking_code])),
            },
        )
        queue_after_commit("hotline.tasks.detect_patterns", report.pk)
    return Receipt(report=report, code=report.tracking_code, secret=secret)


def add_information(
    *, report: Report, text: str, files: Sequence[CleanFile] = (), channel: str = Channel.WEB, recorded_by=None
) -> ReportUpdate:
    """Append what the reporter adds later; the original report is never changed."""
    with transaction.atomic():
        update = ReportUpdate.objects.create(report=report, text=text, channel=channel, recorded_by=recorded_by)
        evidence = _store_evidence(report, list(files), update=update)
        audit.record(
            actor=recorded_by,
            action="hotline.information_added",
            obj=report,
            data={"update": update.pk, "files": len(evidence), "channel": channel},
        )
        _notify_officers(
            key=f"hotline:update:{update.pk}",
            template="emails/hotline/information_added",
            context={
                "code": report.tracking_code,
                "url": absolute_url(reverse("hotline:detail", args=[report.tracking_code])),
            },
        )
    return update


def triage_report(*, report: Report, severity: str, duplicate_of: Report | None, by) -> Report:
    """Set the severity (and the case this one duplicates); a new case becomes "under review"."""
    if duplicate_of is not None and duplicate_of.pk == report.pk:
        raise ValidationError(_("A report cannot duplicate itself."))
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.severity = severity
        report.duplicate_of = duplicate_of
        if report.status == Report.Status.NEW:
            report.status = Report.Status.TRIAGED
        report.triaged_at = report.triaged_at or timezone.now()
        report.save(update_fields=["severity", "duplicate_of", "status", "triaged_at"])
        audit.record(
            actor=by,
            action="hotline.triaged",
            obj=report,
            data={"severity": severity, "duplicate_of": duplicate_of.tracking_code if duplicate_of else None},
        )
    return report


def add_note(*, report: Report, text: str, by) -> CaseNote:
    with transaction.atomic():
        note = CaseNote.objects.create(report=report, author=by, text=text)
        audit.record(actor=by, action="hotline.note_added", obj=report, data={"note": note.pk})
    return note


def reveal_identity(*, report: Report, user, reason: str, ip_address: str | None) -> ReporterIdentity | None:
    """Return the reporter's identity to the integrity officer, and log the look (who, when, which, why, where).

    Anyone else is refused, superusers included. A report without identity returns None and logs nothing.
    """
    if not selectors.can_see_identity(user):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(_("Say why you need to see the reporter's identity."))
    with transaction.atomic():
        identity = ReporterIdentity.objects.filter(report=report).first()
        if identity is None:
            return None
        access = IdentityAccess.objects.create(
            report=report, user=user, action=IdentityAccess.Action.VIEW, reason=reason.strip(), ip_address=ip_address
        )
        audit.record(actor=user, action="hotline.identity_viewed", obj=report, data={"access": access.pk})
    return identity


def request_disclosure(*, report: Report, agency: Agency, legal_basis: str, by) -> IdentityDisclosure:
    """Ask to pass the identity to an agency without the reporter's consent (needs a second person's approval)."""
    if not selectors.can_see_identity(by):
        raise PermissionDenied
    with transaction.atomic():
        disclosure = IdentityDisclosure.objects.create(
            report=report, agency=agency, legal_basis=legal_basis, requested_by=by
        )
        audit.record(actor=by, action="hotline.disclosure_requested", obj=report, data={"disclosure": disclosure.pk})
    return disclosure


def approve_disclosure(*, disclosure: IdentityDisclosure, by) -> IdentityDisclosure:
    """Record the second staff member's approval; the one who asked cannot approve."""
    if not by.has_perm("hotline.change_identitydisclosure"):
        raise PermissionDenied
    if by.pk == disclosure.requested_by_id:
        raise ValidationError(_("A second staff member must approve the disclosure."))
    with transaction.atomic():
        disclosure = IdentityDisclosure.objects.select_for_update().get(pk=disclosure.pk)
        if disclosure.approved_at is None:
            disclosure.approved_by = by
            disclosure.approved_at = timezone.now()
            disclosure.save(update_fields=["approved_by", "approved_at"])
            audit.record(
                actor=by,
                action="hotline.disclosure_approved",
                obj=disclosure.report,
                data={"disclosure": disclosure.pk},
            )
    return disclosure


def may_include_identity(report: Report, agency: Agency) -> bool:
    """Return whether a letter to ``agency`` may carry the identity: the reporter consented, or an approved
    disclosure with a legal basis exists for that agency."""
    identity = ReporterIdentity.objects.filter(report=report).first()
    if identity is None:
        return False
    if identity.consent_to_share:
        return True
    return IdentityDisclosure.objects.filter(report=report, agency=agency, approved_at__isnull=False).exists()


def _store_letter(forwarding: Forwarding, *, identity: ReporterIdentity | None, officer, **extra) -> None:
    """Render the forwarding's letter and keep it (not yet saving the row): what the report said and added, and
    the evidence, as of the forwarding; the identity only if given."""
    report = forwarding.report
    as_of = forwarding.created_at or timezone.now()
    content, content_type, extension = render_letter(
        {
            "report": report,
            "forwarding": forwarding,
            "agency": forwarding.agency,
            "identity": identity,
            "updates": list(report.updates.filter(created_at__lte=as_of)),
            "evidence": list(report.evidence.filter(created_at__lte=as_of)),
            "officer": officer,
            "hotline_phone": settings.HOTLINE_PHONE,
            **extra,
        }
    )
    forwarding.letter_content_type = content_type
    forwarding.letter_sha256 = hashlib.sha256(content).hexdigest()
    forwarding.letter.save(f"letter.{extension}", ContentFile(content), save=False)


def forward_report(
    *,
    report: Report,
    agency: Agency,
    sent_on: date,
    outgoing_number: str,
    include_identity: bool,
    by,
    ip_address: str | None = None,
) -> Forwarding:
    """Add to the forwarding ledger: generate and keep the letter (identity only where allowed), mark the case."""
    if not selectors.can_see_identity(by):
        raise PermissionDenied
    if include_identity and not may_include_identity(report, agency):
        raise ValidationError(
            _("The identity may be passed on only with the reporter's consent or an approved disclosure.")
        )
    identity = ReporterIdentity.objects.filter(report=report).first() if include_identity else None
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status == Report.Status.CLOSED:
            raise ValidationError(_("A closed case cannot be forwarded."))
        forwarding = Forwarding(
            report=report,
            agency=agency,
            sent_on=sent_on,
            outgoing_number=outgoing_number,
            includes_identity=identity is not None,
            created_by=by,
        )
        _store_letter(forwarding, identity=identity, officer=by)
        forwarding.save()
        if identity is not None:
            IdentityAccess.objects.create(
                report=report,
                user=by,
                action=IdentityAccess.Action.DISCLOSE,
                reason=_("Included in letter %(number)s to %(agency)s")
                % {"number": outgoing_number, "agency": agency.name_ru},
                ip_address=ip_address,
            )
        report.status = Report.Status.FORWARDED
        report.triaged_at = report.triaged_at or timezone.now()
        report.save(update_fields=["status", "triaged_at"])
        audit.record(
            actor=by,
            action="hotline.forwarded",
            obj=report,
            data={
                "forwarding": forwarding.pk,
                "agency": agency.code,
                "number": outgoing_number,
                "includes_identity": forwarding.includes_identity,
                "letter_sha256": forwarding.letter_sha256,
            },
        )
        _notify_reporter(report=report, occasion=f"forwarded:{forwarding.pk}")
    return forwarding


def record_agency_answer(
    *,
    forwarding: Forwarding,
    by,
    acknowledged_on: date | None = None,
    agency_reference: str = "",
    outcome: str = "",
    outcome_on: date | None = None,
    outcome_public: str = "",
) -> Forwarding:
    """Record the agency's acknowledgement and/or outcome; an outcome stops the follow-up reminders."""
    if outcome_on is not None and not outcome.strip():
        raise ValidationError(_("Describe the outcome."))
    with transaction.atomic():
        forwarding = Forwarding.objects.select_for_update().select_related("report").get(pk=forwarding.pk)
        if acknowledged_on is not None:
            forwarding.acknowledged_on = acknowledged_on
        if agency_reference:
            forwarding.agency_reference = agency_reference
        had_outcome = forwarding.answered
        if outcome_on is not None:
            forwarding.outcome, forwarding.outcome_on, forwarding.outcome_public = outcome, outcome_on, outcome_public
        forwarding.save()
        report = forwarding.report
        if forwarding.answered and not had_outcome and report.status == Report.Status.FORWARDED:
            report.status = Report.Status.ANSWERED
            report.save(update_fields=["status"])
        audit.record(
            actor=by,
            action="hotline.answer_recorded",
            obj=report,
            data={
                "forwarding": forwarding.pk,
                "acknowledged_on": forwarding.acknowledged_on,
                "outcome_on": forwarding.outcome_on,
            },
        )
        if forwarding.answered and not had_outcome:
            _notify_reporter(report=report, occasion=f"answered:{forwarding.pk}")
    return forwarding


def close_report(*, report: Report, public_note: str, by) -> Report:
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status == Report.Status.CLOSED:
            return report
        report.status = Report.Status.CLOSED
        report.public_note = public_note
        report.closed_at = timezone.now()
        report.triaged_at = report.triaged_at or report.closed_at
        report.save(update_fields=["status", "public_note", "closed_at", "triaged_at"])
        audit.record(actor=by, action="hotline.closed", obj=report, data={})
        _notify_reporter(report=report, occasion="closed")
    return report


def publish_policy(*, form_data: dict, by) -> HotlinePolicy:
    """Store a new version of the hotline's rules (deadlines, retention, limits); old versions stay as they were."""
    with transaction.atomic():
        policy = HotlinePolicy.objects.create(**form_data)
        audit.record(
            actor=by,
            action="hotline.policy_published",
            obj=policy,
            data={key: value for key, value in form_data.items() if key != "escalation_emails"},
        )
    return policy


# --- background jobs (called by the thin tasks in tasks.py; each is safe to run twice) ----------------------


def _escalate(breach: SlaBreach, policy: HotlinePolicy) -> None:
    context = {
        "code": breach.report.tracking_code,
        "kind": breach.get_kind_display(),
        "deadline": breach.deadline,
        "url": absolute_url(reverse("hotline:detail", args=[breach.report.tracking_code])),
    }
    recipients = list(dict.fromkeys(selectors.integrity_officer_emails() + policy.escalation_recipients))
    notify_staff(
        recipients=recipients, key=f"hotline:sla:{breach.pk}", template="emails/hotline/sla_breach", context=context
    )


def escalate_sla_breaches(*, now: datetime | None = None) -> int:
    """Record every new breach (untriaged report, unanswered forwarding) and escalate it, once per breach."""
    now = now or timezone.now()
    policy = HotlinePolicy.current()
    created = 0
    late_reports = Report.objects.filter(
        status=Report.Status.NEW, created_at__lt=now - timedelta(hours=policy.triage_hours)
    ).exclude(Exists(SlaBreach.objects.filter(report=OuterRef("pk"), kind=SlaBreach.Kind.TRIAGE)))
    for report in late_reports:
        with transaction.atomic():
            breach, is_new = SlaBreach.objects.get_or_create(
                report=report,
                kind=SlaBreach.Kind.TRIAGE,
                forwarding=None,
                defaults={"deadline": report.triage_deadline(policy), "detected_at": now},
            )
            if is_new:
                audit.record(actor=None, action="hotline.sla_breached", obj=report, data={"kind": breach.kind})
                _escalate(breach, policy)
                created += 1
    late_forwardings = (
        Forwarding.objects.filter(outcome_on__isnull=True, sent_on__lt=now.date() - timedelta(days=policy.answer_days))
        .exclude(Exists(SlaBreach.objects.filter(forwarding=OuterRef("pk"), kind=SlaBreach.Kind.ANSWER)))
        .select_related("report")
    )
    for forwarding in late_forwardings:
        deadline = day_start(forwarding.sent_on + timedelta(days=policy.answer_days))
        with transaction.atomic():
            breach, is_new = SlaBreach.objects.get_or_create(
                report=forwarding.report,
                kind=SlaBreach.Kind.ANSWER,
                forwarding=forwarding,
                defaults={"deadline": deadline, "detected_at": now},
            )
            if is_new:
                audit.record(
                    actor=None,
                    action="hotline.sla_breached",
                    obj=forwarding.report,
                    data={"kind": breach.kind, "forwarding": forwarding.pk},
                )
                _escalate(breach, policy)
                created += 1
    return created


def send_follow_up_reminders(*, today: date | None = None) -> int:
    """Remind the integrity officers of each forwarding without an outcome, every ``follow_up_days``.

    The outbox key names the forwarding and the reminder's number, so a second run the same day sends nothing.
    """
    today = today or timezone.localdate()
    policy = HotlinePolicy.current()
    sent = 0
    for forwarding in Forwarding.objects.filter(outcome_on__isnull=True).select_related("report", "agency"):
        number = (today - forwarding.sent_on).days // policy.follow_up_days
        if number < 1:
            continue
        context = {
            "code": forwarding.report.tracking_code,
            "agency": forwarding.agency.name_ru,
            "number": forwarding.outgoing_number,
            "sent_on": forwarding.sent_on,
            "url": absolute_url(reverse("hotline:detail", args=[forwarding.report.tracking_code])),
        }
        sent += notify_staff(
            recipients=selectors.integrity_officer_emails(),
            key=f"hotline:followup:{forwarding.pk}:{number}",
            template="emails/hotline/follow_up",
            context=context,
        )
    return sent


def _raise_alert(*, kind: str, key: str, organization, label: str, reports: list[Report], details: dict) -> bool:
    with transaction.atomic():
        alert, created = PatternAlert.objects.get_or_create(
            key=key,
            defaults={
                "kind": kind,
                "organization": organization,
                "organization_label": label[:300],
                "details": details,
            },
        )
        alert.reports.add(*reports)
        if created:
            audit.record(actor=None, action="hotline.pattern_alert", obj=alert, data={"reports": len(reports)})
            _notify_officers(
                key=f"hotline:pattern:{alert.pk}",
                template="emails/hotline/pattern_alert",
                context={
                    "kind": alert.get_kind_display(),
                    "label": label,
                    "urls": [absolute_url(reverse("hotline:detail", args=[r.tracking_code])) for r in reports],
                },
            )
    return created


def detect_patterns(*, report: Report) -> int:
    """Alert the integrity officer when this report's organization is named by others within the window, or
    when the named member organization's people donated to the fund on one day (where the donations app knows).

    Returns how many new alerts were raised. One alert per organization and window start, so reruns add nothing.
    """
    policy = HotlinePolicy.current()
    since = report.created_at - timedelta(days=policy.pattern_window_days)
    raised = 0
    same = Q(organization=report.organization) if report.organization_id else Q()
    if report.involved.strip():
        same |= Q(involved__iexact=report.involved.strip())
    if same:
        others = list(
            Report.objects.filter(same, created_at__gte=since, created_at__lte=report.created_at)
            .exclude(pk=report.pk)
            .order_by("created_at")
        )
        if others:
            first = others[0]
            label = str(report.organization) if report.organization_id else report.involved.strip()
            ident = (
                f"org{report.organization_id}"
                if report.organization_id
                else hashlib.sha256(label.lower().encode()).hexdigest()[:16]
            )
            raised += _raise_alert(
                kind=PatternAlert.Kind.SAME_ORGANIZATION,
                key=f"same:{ident}:{first.pk}",
                organization=report.organization,
                label=label,
                reports=[*others, report],
                details={"window_days": policy.pattern_window_days},
            )
    if report.organization_id:
        cluster = selectors.donation_cluster(report.organization_id, since=since.date(), until=report.created_at.date())
        if cluster:
            day, count = cluster
            raised += _raise_alert(
                kind=PatternAlert.Kind.DONATION_CLUSTER,
                key=f"donations:org{report.organization_id}:{day.isoformat()}",
                organization=report.organization,
                label=str(report.organization),
                reports=[report],
                details={"day": day.isoformat(), "donations": count},
            )
    return raised


def _forget_reporter_messages(report: Report) -> int:
    """Delete every copy of the messages sent to the reporter: the outbox rows (recipient, body, error text) and
    what a development gateway kept of them (files and log lines under var/mail, var/sms). Return the row count.

    The reporter's messages are found by the outbox key that :func:`_notify_reporter` gives them.
    """
    prefix = f"hotline:reporter:{report.pk}:"
    # Files are not transactional: they go first, so a failure later leaves the database row for the next run
    # to find again, never a file nobody will look for.
    for gateway in (get_connection(), import_string(settings.SMS_BACKEND)()):
        forget = getattr(gateway, "forget", None)
        if forget is not None:
            forget(prefix)
    deleted, _by_model = OutboundMessage.objects.filter(key__startswith=prefix).delete()
    return deleted


def _redact_letters(report: Report, *, now: datetime) -> list[int]:
    """Regenerate the kept copy of each letter that carried the identity without it, and delete the old file.

    The ledger keeps that the identity was sent (``includes_identity``) and when it was removed from the copy;
    the hash of the letter as sent stays in the audit entry of the forwarding.
    """
    redacted = []
    forwardings = Forwarding.objects.select_for_update().select_related("report", "agency", "created_by")
    for forwarding in forwardings.filter(report=report, includes_identity=True, identity_removed_at__isnull=True):
        old_name = forwarding.letter.name
        _store_letter(forwarding, identity=None, officer=forwarding.created_by, identity_removed_on=now)
        forwarding.identity_removed_at = now
        forwarding.save(update_fields=["letter", "letter_sha256", "letter_content_type", "identity_removed_at"])
        # Deleted now rather than after commit: should this transaction roll back, the row still points at the
        # old name and is regenerated by the next run, whereas a file left behind would never be found again.
        private_storage.delete(old_name)
        redacted.append(forwarding.pk)
    return redacted


def anonymise_expired_reports(*, now: datetime | None = None) -> int:
    """Remove every copy of the reporter's identity from closed cases whose retention period has run out: the
    vault row, the messages sent to them (outbox rows and development mailbox files) and the identity in the kept
    letters. The audit log never held it (services record codes and ids only).

    The clock starts when the case was closed or when the last agency answer came, whichever is later, and
    does not run while any forwarding of the case is unanswered.
    """
    now = now or timezone.now()
    policy = HotlinePolicy.current()
    cutoff = now - timedelta(days=policy.retention_days)
    candidates = (
        Report.objects.filter(status=Report.Status.CLOSED, anonymised_at__isnull=True, closed_at__lt=cutoff)
        .exclude(Exists(Forwarding.objects.filter(report=OuterRef("pk"), outcome_on__isnull=True)))
        .annotate(last_answer=Max("forwardings__outcome_on"))
    )
    done = 0
    for report in candidates:
        if report.last_answer and report.last_answer > cutoff.date():
            continue
        with transaction.atomic():
            locked = Report.objects.select_for_update().get(pk=report.pk)
            if locked.anonymised_at is not None:
                continue
            messages = _forget_reporter_messages(locked)
            letters = _redact_letters(locked, now=now)
            ReporterIdentity.objects.filter(report=locked).delete()
            locked.anonymised_at = now
            locked.save(update_fields=["anonymised_at"])
            audit.record(
                actor=None,
                action="hotline.anonymised",
                obj=locked,
                data={"messages_deleted": messages, "letters_redacted": letters},
            )
            done += 1
    return done


IDENTITY_COLUMNS = ["full_name", "phone", "email", "other_contact"]


def reencrypt_identity_vault(*, by=None) -> int:
    """Re-encrypt every row of the identity vault under the first key of ``HOTLINE_IDENTITY_KEYS`` (key rotation:
    put the new key first, run this, then drop the old key). Return how many rows were rewritten.

    Each row is read with whichever configured key opens it and written under the first; a row no key opens
    stops the rotation before anything is committed. Safe to run twice.
    """
    with transaction.atomic():
        rows = 0
        for identity in ReporterIdentity.objects.select_for_update().order_by("pk"):
            identity.save(update_fields=IDENTITY_COLUMNS)
            rows += 1
        audit.record(actor=by, action="hotline.vault_reencrypted", data={"rows": rows})
    return rows
