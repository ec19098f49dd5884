"""The demo data, and the daily jobs run through a real Celery worker."""

import io
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from coalition.models import OutboundMessage
from donations import demo, selectors
from donations.models import ComplianceReport, Donation, Election, Refund
from donations.tasks import file_daily_reports, import_statement, send_deadline_alerts
from members import demo as members_demo
from tests.coalition.test_outbox_worker import _wait, worker  # noqa: F401 - the real-worker fixture, used by name


@pytest.mark.django_db
def test_demo_shows_every_verdict_and_a_return_near_its_deadline():
    members_demo.load_organizations()
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    election = Election.objects.get(slug=demo.SLUG)
    assert Donation.objects.filter(election=election).count() == 9
    verdicts = set(Donation.objects.values_list("verdict", flat=True))
    assert verdicts == {"accepted", "partially_accepted", "returned", "to_budget", "held"}
    assert set(Donation.objects.get(bank_reference="DEMO-0003").reasons) == {"charity"}
    assert Donation.objects.get(bank_reference="DEMO-0002").reasons == ["over_per_donor_cap"]
    assert selectors.actions_due(election)["due_soon_count"] >= 1
    assert Refund.objects.filter(completed_on__isnull=True).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_daily_jobs_and_import_through_a_real_worker(worker, finance_officer, auditor):  # noqa: F811
    members_demo.load_organizations()
    demo.load(io.StringIO())
    election = Election.objects.get(slug=demo.SLUG)
    statement = election.imports.first()
    file_daily_reports.delay()
    file_daily_reports.delay()  # run twice: filed once
    send_deadline_alerts.delay()
    send_deadline_alerts.delay()
    import_statement.delay(statement.pk)  # already imported: adds nothing
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    _mail_dir, log = worker
    assert _wait(lambda: log.read_text().count("succeeded") >= 5, timeout=90), log.read_text()[-3000:]
    assert _wait(lambda: broker.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0, timeout=90)
    assert ComplianceReport.objects.filter(election=election).count() == 4
    report_mail = OutboundMessage.objects.filter(key__startswith="donations:report:")
    assert set(report_mail.values_list("recipient", flat=True)) == {finance_officer.email, auditor.email}
    alerts = OutboundMessage.objects.filter(key__startswith="donations:refund:")
    soon = timezone.localdate() + timedelta(days=2)
    due = Refund.objects.filter(completed_on__isnull=True, due_on__lte=soon).count()
    assert due >= 1
    assert alerts.count() == due and set(alerts.values_list("recipient", flat=True)) == {finance_officer.email}
    assert Donation.objects.filter(election=election).count() == 9
