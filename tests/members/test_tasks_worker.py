"""The members' Celery jobs through a real worker on the real Redis broker: the emails end up sent, once."""

import pytest

from coalition.models import OutboundMessage
from members import services, tasks
from tests.coalition.test_outbox_worker import _wait, worker  # noqa: F401 - the real-worker fixture
from tests.factories import OrganizationFactory
from tests.members.factories import MeetingFactory

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.slow]


def test_digest_and_decision_emails_are_delivered_by_the_worker(worker, staff_user):  # noqa: F811
    mail_dir, log = worker
    orgs = OrganizationFactory.create_batch(2, email="org@example.kz")

    tasks.send_new_application_digest.delay()
    tasks.send_new_application_digest.delay()  # run twice: one digest

    def digest_sent():
        return OutboundMessage.objects.filter(key__startswith="members:digest:", status="sent").count() == 1

    assert _wait(digest_sent), log.read_text()[-3000:]
    digest = OutboundMessage.objects.get(key__startswith="members:digest:")
    assert digest.recipient == staff_user.email and orgs[0].name_ru in digest.body

    decision = services.record_decision(
        meeting=MeetingFactory(),
        kind="admission",
        text="Принять",
        organizations=orgs,
        votes_for=5,
        votes_against=0,
        votes_abstained=0,
        recorded_by=staff_user,
    )
    keys = [f"members:organization:{o.pk}:decision:{decision.pk}" for o in orgs]
    assert _wait(lambda: OutboundMessage.objects.filter(key__in=keys, status="sent").count() == 2), log.read_text()[
        -3000:
    ]
    sends = (mail_dir / "sent.log").read_text()
    assert all(sends.count(key) == 1 for key in keys)
    assert sends.count("members:digest:") == 1
