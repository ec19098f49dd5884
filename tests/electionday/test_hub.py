"""The election-day hub: who may open it, what a coordinator's counts cover, and HQ's day/hours/ballot form."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coalition.models import AuditEntry, Candidate
from electionday.models import Incident, Severity
from tests.events.factories import StationFactory
from tests.factories import ElectionFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def election():
    return ElectionFactory(slug="president-2026", election_day=timezone.localdate() + timedelta(days=10))


def _incident(station, severity=Severity.MEDIUM):
    return Incident.objects.create(
        station=station, category="pressure", severity=severity, occurred_at=timezone.now(), text="—"
    )


def test_the_hub_opens_on_the_current_election(client_for, staff_user, election):
    ElectionFactory(slug="old", election_day=date(2019, 6, 9))
    response = client_for(staff_user).get(reverse("electionday:index"))
    assert response.status_code == 302 and response["Location"] == reverse("electionday:overview", args=[election.slug])
    listing = client_for(staff_user).get(reverse("electionday:index") + "?all=1").content.decode()
    assert "09.06.2019" in listing and election.name in listing


@pytest.mark.parametrize("role", ["trainer", "finance_officer", "nobody"])
def test_roles_without_election_day_records_are_refused(request, client_for, election, role):
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("electionday:overview", args=[election.slug])).status_code == 403
    assert client.get(reverse("electionday:index")).status_code == 403


def test_an_auditor_is_sent_to_the_auditors_site(client_for, auditor, election):
    response = client_for(auditor).get(reverse("electionday:overview", args=[election.slug]))
    assert response.status_code == 302 and "/audit/" in response["Location"]


def test_a_coordinator_counts_only_their_region(client_for, coordinator, staff_user, election):
    karaganda = StationFactory(election=election, region=region("KZ-35"))
    shymkent = StationFactory(election=election, region=region("KZ-79"))
    _incident(karaganda)
    _incident(shymkent, Severity.CRITICAL)
    _incident(shymkent, Severity.CRITICAL)
    mine = client_for(coordinator).get(reverse("electionday:overview", args=[election.slug])).context["counts"]
    assert (mine.stations, mine.incidents, mine.critical) == (1, 1, 0)
    everything = client_for(staff_user).get(reverse("electionday:overview", args=[election.slug])).context["counts"]
    assert (everything.stations, everything.incidents, everything.critical) == (2, 3, 2)


def test_hq_sets_the_day_hours_and_ballot(client_for, staff_user, election):
    url = reverse("electionday:ballot", args=[election.slug])
    response = client_for(staff_user).post(
        url,
        {
            "election_day": "2026-08-30",
            "polls_open": "06:00",
            "polls_close": "20:00",
            "candidates": "tokayev; Токаев Касым-Жомарт Кемелевич\nb; Кандидат Б\n",
        },
    )
    assert response.status_code == 302
    election.refresh_from_db()
    assert (election.election_day, election.polls_open) == (date(2026, 8, 30), time(6, 0))
    assert list(Candidate.objects.filter(election=election).values_list("code", "position")) == [
        ("tokayev", 1),
        ("b", 2),
    ]
    assert AuditEntry.objects.filter(action="coalition.change_election_schedule", actor=staff_user).count() == 1


@pytest.mark.parametrize(
    ("candidates", "error"),
    [("tokayev Токаев", "code; name"), ("a; A\na; B", "appears twice"), ("against_all; Против всех", "Candidate 1")],
)
def test_a_bad_ballot_is_refused_with_its_reason(client_for, staff_user, election, candidates, error):
    url = reverse("electionday:ballot", args=[election.slug])
    data = {"election_day": "2026-08-30", "polls_open": "07:00", "polls_close": "20:00", "candidates": candidates}
    response = client_for(staff_user).post(url, data, HTTP_ACCEPT_LANGUAGE="en")  # the messages' source language
    assert response.status_code == 200 and error in response.content.decode()
    assert not Candidate.objects.filter(election=election).exists()


@pytest.mark.parametrize("role", ["coordinator", "trainer", "integrity_officer"])
def test_only_hq_and_the_fund_may_change_the_ballot(request, client_for, election, role):
    client = client_for(request.getfixturevalue(role))
    url = reverse("electionday:ballot", args=[election.slug])
    assert client.get(url).status_code == 403
    data = {"election_day": "2026-08-30", "polls_open": "07:00", "polls_close": "20:00", "candidates": "a; A"}
    assert client.post(url, data).status_code == 403
    assert not Candidate.objects.filter(election=election).exists()
