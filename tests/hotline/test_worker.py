"""SLA escalation through a real Celery worker: the beat job run twice escalates once, and the mail goes out."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from coalition.models import OutboundMessage
from hotline.models import SlaBreach
from hotline.tasks import escalate_sla_breaches
from tests.coalition.test_outbox_worker import _wait, worker  # noqa: F401 - the fixture is used by name
from tests.hotline.factories import file_report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_sla_job_run_twice_escalates_once(worker, integrity_officer):  # noqa: F811 - pytest fixture
    mail_dir, log = worker
    with time_machine.travel(timezone.now() - timedelta(hours=30)):
        receipt = file_report(region=None)  # a transactional test may run after a flush emptied the regions
    escalate_sla_breaches.delay()
    escalate_sla_breaches.delay()

    assert _wait(lambda: log.read_text().count("escalate_sla_breaches") >= 4), log.read_text()[-3000:]
    assert SlaBreach.objects.filter(report=receipt.report, kind="triage").count() == 1
    key = f"hotline:sla:{SlaBreach.objects.get().pk}:{integrity_officer.email}"
    assert _wait(lambda: OutboundMessage.objects.filter(key=key, status="sent").exists()), log.read_text()[-3000:]
    assert _wait(lambda: (mail_dir / "sent.log").exists())
    sends = [line for line in (mail_dir / "sent.log").read_text().splitlines() if "hotline:sla:" in line]
    assert len(sends) == 1
