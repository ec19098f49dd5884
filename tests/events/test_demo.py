import io

import pytest
from django.urls import reverse

from events import demo, selectors
from events.models import Assignment, Certificate, Event, PollingStation, TrainingSession
from members import demo as members_demo

pytestmark = pytest.mark.django_db


def test_demo_loads_idempotently_and_every_page_has_something(client_for, staff_user):
    members_demo.load_organizations()
    demo.load(io.StringIO())
    counts = [m.objects.count() for m in (Event, TrainingSession, Certificate, PollingStation, Assignment)]
    demo.load(io.StringIO())
    assert [m.objects.count() for m in (Event, TrainingSession, Certificate, PollingStation, Assignment)] == counts
    assert counts[0] >= 6 and counts[1] == 2 and counts[2] == 3 and counts[4] == 1
    assert set(Event.objects.values_list("region__code", flat=True)) >= {"KZ-71", "KZ-35", "KZ-79"}
    assert Event.objects.filter(kind="march", notice_requirement="approval").exists()
    funnel = {c.kind: (c.enrolled, c.attended, c.certified) for c in selectors.course_funnel()}
    assert funnel["observer"] == (4, 4, 3)
    client = client_for(staff_user)
    for name in [
        "events:list",
        "events:calendar",
        "events:sessions",
        "events:stations",
        "events:coverage",
        "events:rules",
    ]:
        assert client.get(reverse(name)).status_code == 200
    code = Certificate.objects.first().verification_code
    assert client.get(reverse("events:verify_code", args=[code])).status_code == 200
