"""The situation room's writes: the CEC's published turnout entered by staff, a reminder to a late station (once per
station and checkpoint, through the outbox) and the quick count's sample."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coalition import audit
from coalition.access import require_region
from coalition.models import Election, OutboundMessage, Region
from coalition.outbox import enqueue
from electionday import quickcount, situation
from electionday.models import CecTurnout, QuickCountSample
from events.models import Assignment, PollingStation


def record_cec_turnout(
    *,
    election: Election,
    region: Region | None,
    checkpoint: time,
    percent: Decimal,
    source: str,
    by: User,
) -> tuple[CecTurnout, bool]:
    """Store the CEC's turnout for a checkpoint (national when ``region`` is None); a second figure for the same
    checkpoint replaces the first. Return the row and whether it is new (audited, with the figure replaced)."""
    if not Decimal(0) <= percent <= Decimal(100):
        raise ValidationError({"percent": [_("Turnout is a percentage from 0 to 100.")]})
    if region is not None:
        require_region(by, region)
    with transaction.atomic():
        existing = (
            CecTurnout.objects.select_for_update(of=("self",))
            .filter(election=election, region=region, checkpoint=checkpoint)
            .order_by("pk")
            .first()
        )
        before = str(existing.percent) if existing is not None else None
        if existing is None:
            try:
                with transaction.atomic():
                    row = CecTurnout.objects.create(
                        election=election,
                        region=region,
                        checkpoint=checkpoint,
                        percent=percent,
                        source=source,
                        entered_by=by,
                    )
            except IntegrityError as exc:  # entered at the same moment by someone else
                raise ValidationError(_("Someone entered this figure just now: reload and check it.")) from exc
        else:
            row = existing
            row.percent, row.source, row.entered_by, row.entered_at = percent, source, by, timezone.now()
            row.save(update_fields=["percent", "source", "entered_by", "entered_at"])
        audit.record(
            actor=by,
            action="electionday.cec_turnout",
            obj=row,
            data={
                "election": election.slug,
                "region": region.code if region is not None else None,
                "checkpoint": checkpoint.strftime("%H:%M"),
                "percent": str(percent),
                "replaced": before,
            },
        )
    return row, existing is None


def _recipient(station: PollingStation) -> tuple[Assignment, str, str] | None:
    """Return whom a reminder goes to: the station's observer (before a proxy; one whose phone signed in before one
    that never did), by SMS when they have a phone, else by email."""
    for assignment in (
        Assignment.objects.filter(station=station, ended_at__isnull=True)
        .select_related("person")
        .annotate(devices_bound=Count("devices"))
        .order_by("role", "-devices_bound", "assigned_at", "pk")  # "observer" < "proxy"
    ):
        person = assignment.person
        if person.phone:
            return assignment, OutboundMessage.Channel.SMS, person.phone.as_e164
        if person.email:
            return assignment, OutboundMessage.Channel.EMAIL, person.email
    return None


def send_chase_reminder(*, station: PollingStation, code: str, by: User) -> tuple[OutboundMessage, bool]:
    """Queue a reminder to the station's observer about its late checkpoint ``code`` (a checklist code or
    ``protocol``): once per station and checkpoint (outbox key ``electionday:chase:<station>:<code>``). Return the
    message and whether it is new; a second call returns the first message and sends nothing.

    Refused (ValidationError) when nothing of that checkpoint is late any more or nobody assigned has a phone or email;
    a coordinator may chase only their region's stations (403).
    """
    require_region(by, station.region)
    key = situation.chase_key(station.pk, code)
    with transaction.atomic():
        PollingStation.objects.select_for_update(no_key=True).filter(pk=station.pk).first()  # one click at a time
        sent = OutboundMessage.objects.filter(key=key).first()
        if sent is not None:
            return sent, False
        found = _recipient(station)
        if found is None:
            raise ValidationError(_("Nobody assigned to this station has a phone number or email address on record."))
        assignment, channel, recipient = found
        language = assignment.person.language or "ru"
        with translation.override(language):
            scope = situation.scope(station.election)
            late = situation.station_late(scope, station.pk)
            due = next((item for item in late if item.code == code), None)
            if due is None:
                raise ValidationError(_("Nothing of this checkpoint is late at this station any more."))
            values = {
                "number": station.number,
                "forms": "; ".join(item.title for item in late),
                "time": timezone.localtime(due.at).strftime("%H:%M") if due.at else "",
            }
            body = (
                _(
                    "Polling station No. %(number)s: HQ has not received %(forms)s (due %(time)s). Please send it from "
                    "the observer app now, or call your coordinator."
                )
                % values
            )
            subject = _("Polling station No. %(number)s: please send your report") % values
        message, created = enqueue(  # on the urgent queue: a chase never waits behind a reminders backlog
            key=key, recipient=recipient, body=body, subject=subject, channel=channel, language=language, urgent=True
        )
        if created:
            audit.record(
                actor=by,
                action="electionday.chase_reminder",
                obj=station,
                data={"code": code, "assignment": assignment.pk, "channel": channel, "message": message.pk},
            )
    return message, created


def store_quick_count_sample(*, election: Election, numbers: list[str], by: User) -> QuickCountSample:
    """Store the stations drawn for the quick count, named as in the file ``quick_count --draw`` writes (a number, or
    REGION/NUMBER where the number repeats); refused (ValidationError) for an unknown, ambiguous or repeated name."""
    cleaned = [number.strip() for number in numbers if number.strip()]
    if not cleaned:
        raise ValidationError(_("The sample lists no station."))
    quickcount.resolve(election, cleaned)
    with transaction.atomic():
        sample = QuickCountSample.objects.create(election=election, stations=cleaned, uploaded_by=by)
        audit.record(
            actor=by,
            action="electionday.quick_count_sample",
            obj=sample,
            data={"election": election.slug, "stations": len(cleaned)},
        )
    return sample
