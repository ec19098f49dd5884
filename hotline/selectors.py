"""Reads of the hotline: case lists, the receipt look-up, anonymised statistics for the dashboard.

Nothing here returns a reporter's identity: that is read only through ``services.reveal_identity``, which logs it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext

from coalition.dates import day_end, day_start
from coalition.models import Region
from coalition.roles import Role, has_role
from donations.models import Donation
from hotline.models import Category, Forwarding, Report, ReporterIdentity, SlaBreach
from members.models import Affiliation

# Age buckets of open cases, in days: (label, lower bound inclusive, upper bound exclusive or None).
AGE_BUCKETS = [("0-1", 0, 2), ("2-7", 2, 8), ("8-30", 8, 31), ("31+", 31, None)]


def can_see_identity(user) -> bool:
    """Return whether ``user`` may see reporters' identities: the integrity officer alone, never a superuser as such."""
    return (
        user.is_authenticated
        and user.is_active
        and has_role(user, Role.INTEGRITY_OFFICER)
        and user.has_perm("hotline.view_reporteridentity")
    )


def normalize_code(code: str) -> str:
    """Return a tracking code as stored: upper case, without spaces; ``HL`` prefix and dashes are optional."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    if raw.startswith("HL"):
        raw = raw[2:]
    return f"HL-{raw[:4]}-{raw[4:8]}" if len(raw) == 8 else ""


def report_for_receipt(*, code: str, secret: str) -> Report | None:
    """Return the report whose receipt this is, or None: a wrong code and a wrong secret look the same.

    For an unknown code the password hasher still runs once, so the answer takes about as long either way.
    """
    report = Report.objects.filter(tracking_code=normalize_code(code)).first() if code else None
    if report is None:
        make_password(secret)  # spend the hasher's time anyway (no timing difference to enumerate codes)
        return None
    return report if check_password(secret.strip(), report.secret_hash) else None


def reports_for_staff(*, search: str = "") -> QuerySet[Report]:
    """The case list: newest first, with what the list shows, never the identity."""
    qs = (
        Report.objects.select_related("region", "organization", "duplicate_of")
        .annotate(
            has_identity=Exists(ReporterIdentity.objects.filter(report=OuterRef("pk"))),
            forwarding_count=Count("forwardings", distinct=True),
            evidence_count=Count("evidence", distinct=True),
        )
        .order_by("-created_at")
    )
    if search:
        qs = qs.filter(
            Q(tracking_code__icontains=search)
            | Q(description__icontains=search)
            | Q(involved__icontains=search)
            | Q(locality__icontains=search)
            | Q(organization__name_ru__icontains=search)
        )
    return qs


def filter_cases(
    reports: QuerySet[Report],
    *,
    status: str = "",
    category: str = "",
    severity: str = "",
    region=None,
    age: str = "",
    originals: bool = False,
    sla: str = "",
    sla_from: date | None = None,
    sla_to: date | None = None,
    now: datetime | None = None,
    **_ignored,
) -> QuerySet[Report]:
    """Narrow the case list by the staff filter form's values (each one combined with the others).

    ``status="open"`` is every status but closed; ``age`` a label of AGE_BUCKETS; ``originals`` leaves out
    duplicates; ``sla`` ("any", "triage", "answer") keeps cases with such a breach detected between ``sla_from``
    and ``sla_to`` (both days included) — the dashboard's figures are counted the same way.
    """
    if status == "open":
        reports = reports.exclude(status=Report.Status.CLOSED)
    elif status:
        reports = reports.filter(status=status)
    for field, value in (("category", category), ("severity", severity), ("region", region)):
        if value:
            reports = reports.filter(**{field: value})
    if age:
        reports = reports.filter(_age_q(age, now or timezone.now()))
    if originals:
        reports = reports.filter(duplicate_of__isnull=True)
    if sla:
        breaches = SlaBreach.objects.filter(report=OuterRef("pk"))
        if sla != "any":
            breaches = breaches.filter(kind=sla)
        if sla_from:
            breaches = breaches.filter(detected_at__gte=day_start(sla_from))
        if sla_to:
            breaches = breaches.filter(detected_at__lt=day_end(sla_to))
        reports = reports.filter(Exists(breaches))
    return reports


def report_detail(code: str) -> Report:
    return Report.objects.select_related("region", "organization", "duplicate_of", "recorded_by").get(
        tracking_code=code
    )


def public_timeline(report: Report) -> list[Forwarding]:
    """The forwardings the reporter sees with the receipt (agency, date, public outcome)."""
    return list(report.forwardings.select_related("agency").order_by("sent_on", "id"))


def integrity_officer_emails() -> list[str]:
    """Emails of active integrity officers (where hotline notices go)."""
    User = get_user_model()
    return list(
        User.objects.filter(groups__name=Role.INTEGRITY_OFFICER, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
        .distinct()
    )


# --- anonymised statistics (committee staff, dashboard) ---------------------------------------------------


def counts_by(field: str) -> list[dict]:
    """Count reports by one of ``category``, ``region__code``, ``status``, ``channel``; duplicates excluded."""
    if field not in {"category", "region__code", "status", "channel", "severity"}:
        raise ValueError(field)
    return list(
        Report.objects.filter(duplicate_of__isnull=True).values(field).annotate(count=Count("id")).order_by(field)
    )


def _age_q(label: str, now: datetime) -> Q:
    """Return the condition of a case received ``label`` days ago (a bucket of AGE_BUCKETS)."""
    _label, low, high = next(bucket for bucket in AGE_BUCKETS if bucket[0] == label)
    condition = Q(created_at__lte=now - timedelta(days=low))
    if high is not None:
        condition &= Q(created_at__gt=now - timedelta(days=high))
    return condition


def _age_bucket(now: datetime) -> Case:
    whens = [When(_age_q(label, now), then=Value(index)) for index, (label, _low, _high) in enumerate(AGE_BUCKETS)]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def open_cases_by_age_and_category(*, now: datetime | None = None) -> list[dict]:
    """Return rows ``{"category", "age", "count"}`` of open cases, ``age`` being a label of AGE_BUCKETS."""
    now = now or timezone.now()
    rows = (
        Report.objects.exclude(status=Report.Status.CLOSED)
        .filter(duplicate_of__isnull=True)
        .annotate(bucket=_age_bucket(now))
        .values("category", "bucket")
        .annotate(count=Count("id"))
        .order_by("category", "bucket")
    )
    return [{"category": r["category"], "age": AGE_BUCKETS[r["bucket"]][0], "count": r["count"]} for r in rows]


def sla_breach_counts(*, since: datetime | None = None) -> dict[str, int]:
    """Return how many SLA breaches of each kind were recorded (since a time, if given), plus the total."""
    qs = SlaBreach.objects.all()
    if since is not None:
        qs = qs.filter(detected_at__gte=since)
    counts = qs.aggregate(
        triage=Count("id", filter=Q(kind=SlaBreach.Kind.TRIAGE)),
        answer=Count("id", filter=Q(kind=SlaBreach.Kind.ANSWER)),
        total=Count("id"),
    )
    return counts


def statistics() -> dict:
    """Everything the statistics page shows, as anonymised counts only, each row with a ``label`` to show."""
    regions = {region.code: region.name for region in Region.objects.all()}
    categories, statuses = dict(Category.choices), dict(Report.Status.choices)
    by_category = [{**row, "label": categories.get(row["category"], row["category"])} for row in counts_by("category")]
    by_region = [
        {**row, "label": regions.get(row["region__code"]) or gettext("Not given")} for row in counts_by("region__code")
    ]
    by_status = [{**row, "label": statuses.get(row["status"], row["status"])} for row in counts_by("status")]
    open_by_age = [
        {**row, "label": categories.get(row["category"], row["category"])} for row in open_cases_by_age_and_category()
    ]
    return {
        "by_category": by_category,
        "by_region": by_region,
        "by_status": by_status,
        "open_by_age": open_by_age,
        "sla": sla_breach_counts(),
        "total": Report.objects.filter(duplicate_of__isnull=True).count(),
    }


DONATION_CLUSTER_MIN = 3


def donation_cluster(organization_id: int, *, since: date, until: date) -> tuple[date, int] | None:
    """Return the day with the most donations paid by people affiliated with the organization (by IIN), when
    there were at least DONATION_CLUSTER_MIN of them; else None."""
    iins = Affiliation.objects.filter(organization_id=organization_id).exclude(person__iin="").values("person__iin")
    busiest = (
        Donation.objects.filter(payer_id__in=iins, received_on__gte=since, received_on__lte=until)
        .values("received_on")
        .annotate(count=Count("id"))
        .order_by("-count", "received_on")
        .first()
    )
    if busiest is None or busiest["count"] < DONATION_CLUSTER_MIN:
        return None
    return busiest["received_on"], busiest["count"]
