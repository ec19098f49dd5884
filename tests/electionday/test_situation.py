"""The situation room (issue #19): each station's status, counts per region in a constant number of queries, turnout
beside the CEC's figure, incidents, the chase list with its once-only reminder, who sees the phones, region scoping
and the fragment the page polls."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coalition.models import AuditEntry, Election, OutboundMessage, Profile, Region
from coalition.roles import Role
from electionday import situation
from electionday.models import CecTurnout, Incident, Severity
from tests.electionday.situation_helpers import (
    at,
    complete,
    election_on,
    observer,
    protocol,
    standard_checklists,
    station,
    submit,
)
from tests.factories import region

pytestmark = pytest.mark.django_db


def statuses(election: Election, now, region=None) -> dict[str, str]:
    scope = situation.scope(election, region, now=now)
    rows, _total = situation.stations(scope)
    return {row.number: row.status for row in rows}


@pytest.fixture
def world(staff_user):
    """Six stations of KZ-35 in every state at 10:30 on election day (opening and the 10:00 turnout are due)."""
    election = election_on()
    versions = standard_checklists(election, staff_user)
    stations = {
        name: station(election, number)
        for number, name in enumerate(
            ["complete", "partial", "missing", "conflict", "no_signal", "unassigned"], start=101
        )
    }
    for name in ("complete", "partial", "missing", "conflict"):
        observer(stations[name])
    observer(stations["no_signal"], device=False)
    complete(stations["complete"], versions, staff_user)
    submit(stations["partial"], versions["opening"], staff_user)
    submit(stations["partial"], versions["turnout-1000"], staff_user)
    submit(stations["missing"], versions["opening"], staff_user)
    protocol(stations["conflict"])
    protocol(stations["conflict"], akhmetov=301, bekova=249)
    return election, versions, stations


def test_each_station_gets_its_status(world):
    election, _versions, _stations = world
    assert statuses(election, at(10, 30)) == {
        "101": "complete",
        "102": "partial",
        "103": "missing",  # the 10:00 turnout is late
        "104": "conflict",  # two reporters' protocols differ on the votes
        "105": "no_signal",  # its observer's phone never signed in
        "106": "no_signal",  # nobody assigned, nothing received
    }


def test_nothing_is_late_before_the_first_due_time(world):
    election, _versions, _stations = world
    found = statuses(election, at(7, 30))
    assert found["103"] == "partial" and found["102"] == "partial"
    assert found["105"] == "no_signal"


def test_protocol_and_closing_are_late_after_the_grace(world, settings):
    election, _versions, stations = world
    settings.ELECTIONDAY_PROTOCOL_GRACE_MINUTES = 30
    assert statuses(election, at(20, 20))["102"] == "partial"
    assert statuses(election, at(20, 31))["102"] == "missing"
    scope = situation.scope(election, now=at(20, 31))
    assert [due.code for due in situation.station_late(scope, stations["partial"].pk)] == [
        "closing",
        "protocol",
    ]


def test_identical_protocols_of_two_reporters_are_no_conflict(staff_user):
    election = election_on()
    versions = standard_checklists(election, staff_user)
    one = station(election, "201")
    observer(one)
    complete(one, versions, staff_user)
    protocol(one)  # a second reporter, the same numbers
    assert statuses(election, at(23))["201"] == "complete"


def test_staff_entry_without_a_signed_in_phone_is_a_signal(staff_user):
    election = election_on()
    versions = standard_checklists(election, staff_user)
    one = station(election, "301")
    observer(one, device=False)
    submit(one, versions["opening"], staff_user)
    assert statuses(election, at(9))["301"] == "partial"


def test_counts_per_region(world):
    election, versions, _stations = world
    far = station(election, "901", region_code="KZ-79")
    observer(far)
    submit(far, versions["opening"], versions["opening"].created_by)
    scope = situation.scope(election, now=at(10, 30))
    rows, total = situation.counts_by_region(scope, list(Region.objects.all()))
    by_code = {row.region.code: row.counts for row in rows if row.region}
    assert by_code["KZ-35"] == {"complete": 1, "partial": 1, "missing": 1, "conflict": 1, "no_signal": 2}
    assert by_code["KZ-79"] == {"complete": 0, "partial": 0, "missing": 1, "conflict": 0, "no_signal": 0}
    assert total is not None and total.stations == 7 and total.counts["missing"] == 2


def test_situation_room_query_count_is_the_same_for_2_and_20_stations(staff_user, client_for):
    def build(slug: str, count: int) -> Election:
        election = election_on(slug=slug)
        versions = standard_checklists(election, staff_user)
        for n in range(count):
            one = station(election, str(n + 1), region_code=("KZ-35", "KZ-79", "KZ-71")[n % 3])
            if n % 2:
                observer(one, device=n % 4 == 1)
            if n % 3 == 0:
                submit(one, versions["opening"], staff_user)
            if n % 5 == 0:
                submit(one, versions["turnout-1000"], staff_user, ballots=200)
                protocol(one)
            if n % 4 == 0:
                Incident.objects.create(
                    station=one, category="stuffing", severity=Severity.CRITICAL, occurred_at=timezone.now()
                )
        CecTurnout.objects.create(
            election=election, checkpoint=time(10), percent=Decimal("20.5"), entered_by=staff_user
        )
        return election

    small, large = build("day-small", 2), build("day-large", 20)
    client = client_for(staff_user)
    counted = []
    for election in (small, large):
        client.get(reverse("electionday:situation", args=[election.slug]))  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("electionday:situation", args=[election.slug]))
        assert response.status_code == 200
        counted.append(len(queries))
    assert counted[0] == counted[1], counted
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("electionday:situation_live", args=[large.slug])).status_code == 200
    assert len(queries) <= counted[1]


def test_page_shows_statuses_map_and_critical_incidents(world, staff_user, client_for):
    election, _versions, stations = world
    Election.objects.filter(pk=election.pk).update(election_day=timezone.localdate() - timedelta(days=1))
    incident = Incident.objects.create(
        station=stations["missing"], category="carousel", severity=Severity.CRITICAL, occurred_at=timezone.now()
    )
    html = client_for(staff_user).get(reverse("electionday:situation", args=[election.slug])).content.decode()
    assert 'data-testid="situation-map"' in html and '<path id="KZ-35" class="region sit-' in html
    assert reverse("electionday:incident", args=[election.slug, incident.pk]) in html
    assert 'data-status-count="conflict">1<' in html
    assert 'data-status-count="complete">1<' in html


def test_hub_links_to_the_situation_room(world, staff_user, client_for):
    election = world[0]
    html = client_for(staff_user).get(reverse("electionday:overview", args=[election.slug])).content.decode()
    assert reverse("electionday:situation", args=[election.slug]) in html


# --- Turnout -------------------------------------------------------------------------------------------------------


def test_observers_turnout_is_ballots_over_voters_of_reporting_stations(staff_user):
    election = election_on()
    versions = standard_checklists(election, staff_user)
    big, small, silent = station(election, "1", voters=1000), station(election, "2", voters=500), station(election, "3")
    submit(big, versions["turnout-1000"], staff_user, ballots=50)
    submit(big, versions["turnout-1000"], staff_user, ballots=300)  # a later report of the same checkpoint counts
    submit(small, versions["turnout-1000"], staff_user, ballots=100)
    assert silent.pk
    CecTurnout.objects.create(election=election, checkpoint=time(10), percent=Decimal("25.00"), entered_by=staff_user)
    [checkpoint, final] = situation.turnout(situation.scope(election, now=at(11)))
    assert checkpoint.at == time(10) and checkpoint.stations == 2
    assert checkpoint.percent == Decimal("26.67")  # 400 / 1500
    assert checkpoint.cec is not None and checkpoint.difference == Decimal("1.67")
    assert final.at == time(20) and final.percent is None


def test_committee_staff_enter_and_replace_the_cec_figure(staff_user, client_for):
    election = election_on()
    standard_checklists(election, staff_user)
    client = client_for(staff_user)
    url = reverse("electionday:situation_cec", args=[election.slug])
    response = client.post(url, {"region": "", "checkpoint": "10:00", "percent": "21.4", "source": "cec.kz"})
    assert response.status_code == 302
    client.post(url, {"region": "", "checkpoint": "10:00", "percent": "22.1", "source": "cec.kz, corrected"})
    row = CecTurnout.objects.get(election=election)
    assert row.percent == Decimal("22.1") and row.region is None and row.entered_by == staff_user
    assert AuditEntry.objects.filter(action="electionday.cec_turnout").count() == 2
    regional = region("KZ-35")
    client.post(url, {"region": regional.pk, "checkpoint": "10:00", "percent": "30"})
    assert CecTurnout.objects.filter(election=election).count() == 2
    html = client.get(reverse("electionday:situation", args=[election.slug])).content.decode()
    assert "22,10" in html  # Russian, the default language: a decimal comma


def test_cec_figure_out_of_range_or_at_an_unknown_checkpoint_is_refused(staff_user, client_for):
    election = election_on()
    standard_checklists(election, staff_user)
    url = reverse("electionday:situation_cec", args=[election.slug])
    client = client_for(staff_user)
    assert client.post(url, {"checkpoint": "10:00", "percent": "100.5"}).status_code == 400
    assert client.post(url, {"checkpoint": "11:00", "percent": "10"}).status_code == 400
    assert not CecTurnout.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "integrity_officer", "trainer"])
def test_only_committee_staff_enter_the_cec_figure(who, request, client_for, staff_user):
    election = election_on()
    standard_checklists(election, staff_user)
    user = request.getfixturevalue(who)
    response = client_for(user).post(
        reverse("electionday:situation_cec", args=[election.slug]), {"checkpoint": "10:00", "percent": "10"}
    )
    assert response.status_code == 403
    assert not CecTurnout.objects.exists()


# --- Access and region scoping ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["situation", "situation_live"])
def test_strangers_and_roles_without_election_day_rights_are_kept_out(name, world, client, client_for, request):
    election = world[0]
    url = reverse(f"electionday:{name}", args=[election.slug])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for who, expected in (("nobody", 403), ("trainer", 403), ("finance_officer", 403)):
        assert client_for(request.getfixturevalue(who)).get(url).status_code == expected, who
    response = client_for(request.getfixturevalue("auditor")).get(url)
    assert response.status_code == 302 and "/audit/" in response["Location"]


def test_coordinator_sees_only_own_region_even_when_asking_for_another(world, coordinator, client_for):
    election = world[0]
    far = station(election, "9901", region_code="KZ-79")
    observer(far, device=False)
    client = client_for(coordinator)
    for name in ("situation", "situation_live"):
        url = reverse(f"electionday:{name}", args=[election.slug])
        html = client.get(url, {"region": region("KZ-79").pk}).content.decode()
        assert 'data-region="KZ-35"' in html and 'data-region="KZ-79"' not in html
        assert "9901" not in html


def test_other_coordinator_does_not_see_karaganda_stations(world, other_coordinator, client_for):
    election = world[0]
    html = client_for(other_coordinator).get(reverse("electionday:situation", args=[election.slug])).content.decode()
    assert 'data-station="103"' not in html and "+7 701" not in html


def test_national_staff_filter_by_region(world, staff_user, client_for):
    election = world[0]
    far = station(election, "9901", region_code="KZ-79")
    assert far.pk
    client = client_for(staff_user)
    url = reverse("electionday:situation", args=[election.slug])
    assert 'data-region="KZ-79"' in client.get(url).content.decode()
    html = client.get(url, {"region": region("KZ-35").pk}).content.decode()
    assert 'data-region="KZ-79"' not in html and 'data-region="KZ-35"' in html


def test_fragment_is_the_live_part_only(world, staff_user, client_for):
    election = world[0]
    response = client_for(staff_user).get(reverse("electionday:situation_live", args=[election.slug]))
    html = response.content.decode()
    assert response["X-Situation-Fragment"] == "1"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "data-situation-fragment" in html and "<html" not in html and 'data-testid="cec-form"' not in html
    assert 'data-testid="region-counts"' in html


def test_page_carries_the_refresh_interval_setting(world, staff_user, client_for, settings):
    settings.ELECTIONDAY_SITUATION_REFRESH_SECONDS = 7
    html = client_for(staff_user).get(reverse("electionday:situation", args=[world[0].slug])).content.decode()
    assert 'data-refresh-seconds="7"' in html and 'aria-live="polite"' in html
    assert reverse("electionday:situation_live", args=[world[0].slug]) in html


# --- Phones and the chase list -----------------------------------------------------------------------------------


def _yesterday(election: Election) -> None:
    Election.objects.filter(pk=election.pk).update(election_day=timezone.localdate() - timedelta(days=1))


def test_phones_shown_to_committee_staff_and_the_regions_coordinator(world, staff_user, coordinator, client_for):
    election = world[0]
    _yesterday(election)
    Profile.objects.filter(user=coordinator).update(phone="+77770001122")
    for user in (staff_user, coordinator):
        html = client_for(user).get(reverse("electionday:situation", args=[election.slug])).content.decode()
        assert 'data-testid="chase-list"' in html
        assert "+7 701 123 4567" in html  # the observer's phone
        assert "+77770001122" in html  # the region's coordinator's phone


def test_integrity_officer_sees_incidents_but_no_phones(world, integrity_officer, client_for):
    election, _versions, stations = world
    _yesterday(election)
    Incident.objects.create(
        station=stations["missing"], category="pressure", severity=Severity.CRITICAL, occurred_at=timezone.now()
    )
    for name in ("situation", "situation_live"):
        response = client_for(integrity_officer).get(reverse(f"electionday:{name}", args=[election.slug]))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="critical-incidents"' in html
        assert "chase-list" not in html and "+7 701" not in html and 'data-testid="region-counts"' not in html


def test_chase_reminder_is_sent_once_per_station_and_checkpoint(world, staff_user, client_for):
    election, _versions, stations = world
    late = stations["missing"]
    _yesterday(election)  # everything is due: opening sent, turnout, closing and protocol late
    client = client_for(staff_user)
    url = reverse("electionday:situation_chase", args=[election.slug, late.pk])
    response = client.post(url, {"code": "protocol"}, follow=True)
    message = OutboundMessage.objects.get(key=f"electionday:chase:{late.pk}:protocol")
    assert message.channel == "sms" and message.recipient == "+77011234567" and "103" in message.body
    assert "Reminder queued" in response.content.decode() or "Напоминание" in response.content.decode()
    response = client.post(url, {"code": "protocol"}, follow=True)
    assert OutboundMessage.objects.filter(key__startswith=f"electionday:chase:{late.pk}:").count() == 1
    assert response.redirect_chain[-1][0].endswith("#chase")
    assert "already" in response.content.decode() or "уже" in response.content.decode()
    client.post(url, {"code": "turnout-1000"})
    assert OutboundMessage.objects.filter(key__startswith=f"electionday:chase:{late.pk}:").count() == 2
    assert AuditEntry.objects.filter(action="electionday.chase_reminder").count() == 2
    html = client.get(reverse("electionday:situation", args=[election.slug])).content.decode()
    assert f'id="chase-{late.pk}-protocol"' not in html  # the button gave way to "sent at"


def test_chase_refused_when_nothing_is_late(world, staff_user, client_for):
    election, _versions, stations = world
    Election.objects.filter(pk=election.pk).update(election_day=timezone.localdate() + timedelta(days=1))
    client_for(staff_user).post(
        reverse("electionday:situation_chase", args=[election.slug, stations["missing"].pk]), {"code": "opening"}
    )
    assert not OutboundMessage.objects.filter(key__startswith="electionday:chase:").exists()


def test_coordinator_cannot_chase_another_regions_station(world, other_coordinator, integrity_officer, client_for):
    election, _versions, stations = world
    _yesterday(election)
    url = reverse("electionday:situation_chase", args=[election.slug, stations["missing"].pk])
    assert client_for(other_coordinator).post(url, {"code": "protocol"}).status_code == 403
    assert client_for(integrity_officer).post(url, {"code": "protocol"}).status_code == 403
    assert not OutboundMessage.objects.filter(key__startswith="electionday:chase:").exists()


def test_region_coordinator_may_chase_own_station(world, coordinator, client_for):
    election, _versions, stations = world
    _yesterday(election)
    url = reverse("electionday:situation_chase", args=[election.slug, stations["no_signal"].pk])
    client_for(coordinator).post(url, {"code": "protocol"})
    assert OutboundMessage.objects.filter(key=f"electionday:chase:{stations['no_signal'].pk}:protocol").exists()


def test_chase_list_names_coordinators_of_the_stations_region_only(world, staff_user, coordinator, other_coordinator):
    election = world[0]
    Profile.objects.filter(user=coordinator).update(phone="+77770001122")
    Profile.objects.filter(user=other_coordinator).update(phone="+77779998877")
    scope = situation.scope(election, now=at(10, 30))
    rows, count = situation.chase_list(scope, list(Region.objects.all()))
    assert count == len(rows) == 4  # missing, conflict (no checklist in), no signal, nobody assigned
    assert {row.number for row in rows} == {"103", "104", "105", "106"}
    assert all(row.coordinators == [coordinator] for row in rows)
    assert all(row.checkpoint.code == "turnout-1000" for row in rows if row.number == "103")
    assert Role.REGIONAL_COORDINATOR in {g.name for g in coordinator.groups.all()}


# --- The quick count -------------------------------------------------------------------------------------------


def test_staff_store_a_quick_count_sample(world, staff_user, client_for):
    election = world[0]
    client = client_for(staff_user)
    url = reverse("electionday:situation_sample", args=[election.slug])
    assert client.post(url, {"stations": "station\n101\n999\n"}).status_code == 400  # 999 is no station of it
    assert client.post(url, {"stations": "station\n101\n103\n"}).status_code == 302
    html = client.get(reverse("electionday:situation", args=[election.slug])).content.decode()
    assert 'data-testid="quick-count"' in html


def test_quick_count_panel_shows_the_estimate_and_says_when_leaders_are_too_close(staff_user, client_for):
    election = election_on()
    for number, (first, second) in {"1": (300, 250), "2": (250, 300), "3": (280, 270)}.items():
        protocol(station(election, number), akhmetov=first, bekova=second)
    for number in range(10, 20):  # stations outside the sample: the margin is for the whole election
        station(election, str(number))
    client = client_for(staff_user)
    client.post(reverse("electionday:situation_sample", args=[election.slug]), {"stations": "station\n1\n2\n3\n"})
    html = client.get(reverse("electionday:situation", args=[election.slug])).content.decode()
    assert 'data-testid="too-close"' in html
    assert "Ахметов А." in html and reverse("electionday:quick_count", args=[election.slug]) in html


def test_refreshing_pages_share_the_statuses_for_a_few_seconds(settings):
    """Election night: many staff pages refresh while the uploads run; one statement serves them for a few seconds,
    then the next page reads fresh statuses."""
    from django.core.cache import cache

    settings.ELECTIONDAY_SITUATION_CACHE_SECONDS = 60
    cache.clear()
    election = election_on()
    station(election, "1")
    first = statuses(election, at(10, 30))
    station(election, "2")
    with CaptureQueriesContext(connection) as queries:
        assert statuses(election, at(10, 30)) == first  # the shared statuses: the new station is not read yet
    assert not any("WITH subs AS" in query["sql"] for query in queries.captured_queries)
    cache.clear()  # the few seconds are over
    assert set(statuses(election, at(10, 30))) == {"1", "2"}
    settings.ELECTIONDAY_SITUATION_CACHE_SECONDS = 0
    station(election, "3")
    assert set(statuses(election, at(10, 30))) == {"1", "2", "3"}  # 0: every page reads fresh statuses
