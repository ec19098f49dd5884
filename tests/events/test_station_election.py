"""Stations belong to an election (issue #18): the import_stations command, the web import's election and voters,
uniqueness per election, the election of an assignment, the pages' election filter, and the data migration."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from coalition.models import AuditEntry, Election
from events import selectors, services
from events.models import Assignment, PollingStation
from events.services import station_import
from tests.events.factories import StationFactory, admitted_organization, certified
from tests.factories import ElectionFactory, region

pytestmark = pytest.mark.django_db

CSV = (
    "number,region,address,voters\n"
    '301,KZ-71,"Астана, ул. Кенесары, 40",1204\n'
    '302,KZ-71,"Астана, пр. Абая, 10",987\n'
    '15,KZ-35,"Караганда, ул. Ерубаева, 3",0\n'
)


@pytest.fixture
def election():
    return ElectionFactory(slug="president-2026", election_day=timezone.localdate() + timedelta(days=40))


def _run(tmp_path: Path, content: str, slug: str) -> str:
    path = tmp_path / "stations.csv"
    path.write_text(content, encoding="utf-8")
    out = []

    class Out:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    call_command("import_stations", str(path), "--election", slug, stdout=Out())
    return "".join(out)


# --- The command ----------------------------------------------------------------------------------------------------


def test_command_imports_stations_with_voters_then_a_second_run_changes_nothing(tmp_path, election):
    first = _run(tmp_path, CSV, "president-2026")
    assert first.strip() == "Stations of president-2026: 3 created, 0 changed, 0 unchanged."
    stations = {s.number: s for s in PollingStation.objects.select_related("region")}
    assert {n: (s.region.code, s.voters, s.election_id) for n, s in stations.items()} == {
        "301": ("KZ-71", 1204, election.pk),
        "302": ("KZ-71", 987, election.pk),
        "15": ("KZ-35", 0, election.pk),
    }
    audit = AuditEntry.objects.filter(action="events.stations.import")
    assert audit.count() == 1 and audit.get().data["election"] == "president-2026"
    assert audit.get().actor_id is None  # the operator's command, no staff account

    second = _run(tmp_path, CSV, "president-2026")
    assert second.strip() == "Stations of president-2026: nothing to change, 3 unchanged."
    assert PollingStation.objects.count() == 3 and audit.count() == 1


def test_command_reports_changed_addresses_and_voters(tmp_path, election):
    _run(tmp_path, CSV, "president-2026")
    changed = CSV.replace(",987\n", ",990\n").replace("ул. Ерубаева, 3", "ул. Ерубаева, 5")
    assert _run(tmp_path, changed, "president-2026").strip() == (
        "Stations of president-2026: 0 created, 2 changed, 1 unchanged."
    )
    assert PollingStation.objects.get(number="302").voters == 990
    assert PollingStation.objects.get(number="15").address == "Караганда, ул. Ерубаева, 5"


def test_file_without_the_voters_column_still_imports_and_keeps_known_voters(tmp_path, election):
    _run(tmp_path, CSV, "president-2026")
    old_header = 'number,region,address\n302,KZ-71,"Астана, пр. Абая, 10"\n16,KZ-35,"Караганда, ул. Мира, 1"\n'
    assert _run(tmp_path, old_header, "president-2026").strip() == (
        "Stations of president-2026: 1 created, 0 changed, 1 unchanged."
    )
    assert PollingStation.objects.get(number="302").voters == 987  # not wiped by a file that does not say
    assert PollingStation.objects.get(number="16").voters is None


@pytest.mark.parametrize("value", ["-5", "12a", "", "1.5", "1 200", "99999999999"])
def test_command_refuses_the_whole_file_naming_the_line_of_bad_voters(tmp_path, election, value):
    content = CSV + f'16,KZ-35,"Караганда, ул. Мира, 1",{value}\n'
    with pytest.raises(CommandError) as caught:
        _run(tmp_path, content, "president-2026")
    message = str(caught.value)
    assert "Line 5:" in message and "whole number" in message and "nothing was imported" in message
    assert "Line 2" not in message  # the good lines are not named
    assert not PollingStation.objects.exists()  # all or nothing: the three good lines are not imported either
    assert not AuditEntry.objects.filter(action="events.stations.import").exists()


def test_command_names_every_refused_line(tmp_path, election):
    content = CSV + "16,KZ-99,x,1\n17,KZ-35,,1\n15,KZ-35,again,1\n"
    with pytest.raises(CommandError) as caught:
        _run(tmp_path, content, "president-2026")
    message = str(caught.value)
    assert "Line 5: Unknown region code KZ-99." in message
    assert "Line 6: The number and the address are required." in message
    assert "Line 7: Station 15 repeats line 4." in message
    assert not PollingStation.objects.exists()


def test_command_refuses_an_unknown_election_and_an_unreadable_file(tmp_path, election):
    with pytest.raises(CommandError, match="No election with the slug 'no-such'"):
        _run(tmp_path, CSV, "no-such")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_stations", str(tmp_path / "missing.csv"), "--election", "president-2026")
    (tmp_path / "bad.csv").write_bytes(b"num;reg\n1;2\n")
    with pytest.raises(CommandError, match="header: number,region,address,voters"):
        call_command("import_stations", str(tmp_path / "bad.csv"), "--election", "president-2026")
    assert not PollingStation.objects.exists()


def test_command_requires_the_election_option(tmp_path, election):
    (tmp_path / "s.csv").write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError, match="--election"):
        call_command("import_stations", str(tmp_path / "s.csv"))


def test_command_has_no_region_limit_and_the_same_file_makes_other_stations_in_another_election(tmp_path, election):
    ElectionFactory(slug="maslikhat-2027")
    _run(tmp_path, CSV, "president-2026")
    assert _run(tmp_path, CSV, "maslikhat-2027").strip() == (
        "Stations of maslikhat-2027: 3 created, 0 changed, 0 unchanged."
    )
    assert PollingStation.objects.filter(number="301").count() == 2
    assert set(PollingStation.objects.values_list("region__code", flat=True)) == {"KZ-71", "KZ-35"}


# --- Uniqueness, the assignment's election ---------------------------------------------------------------------------


def test_a_station_number_is_unique_per_election_and_region_only(election):
    other = ElectionFactory(slug="maslikhat-2027")
    StationFactory(election=election, region=region("KZ-35"), number="15")
    StationFactory(election=other, region=region("KZ-35"), number="15")  # another election: another station
    StationFactory(election=election, region=region("KZ-71"), number="15")  # another region
    with pytest.raises(IntegrityError), transaction.atomic():
        StationFactory(election=election, region=region("KZ-35"), number="15")
    assert PollingStation.objects.count() == 3


def test_an_assignment_belongs_to_its_stations_election_and_its_checks_are_unchanged(staff_user, election):
    other = ElectionFactory(slug="maslikhat-2027")
    mine = StationFactory(election=election)
    theirs = StationFactory(election=other)
    assignment = services.assign(
        station=mine, person=certified().person, role="observer", organization=admitted_organization(), by=staff_user
    )
    assert assignment.election == election
    assert list(Assignment.objects.for_election(election)) == [assignment]
    assert not Assignment.objects.for_election(other).exists()
    # The certificate still gates it, whichever election the station is of.
    lapsed = certified(revoked_at=timezone.now(), revoke_reason="Нарушение")
    with pytest.raises(Exception, match="no valid certificate"):
        services.assign(
            station=theirs, person=lapsed.person, role="observer", organization=admitted_organization(), by=staff_user
        )


def test_default_election_is_the_nearest_upcoming_else_the_newest():
    assert selectors.default_election() is None
    today = timezone.localdate()
    past = ElectionFactory(slug="past", election_day=today - timedelta(days=300))
    assert selectors.default_election() == past
    undated = ElectionFactory(slug="undated")
    assert selectors.default_election() == undated  # no upcoming election: the newest
    ElectionFactory(slug="later", election_day=today + timedelta(days=400))
    soon = ElectionFactory(slug="soon", election_day=today + timedelta(days=30))
    assert selectors.default_election() == soon


# --- The web import -------------------------------------------------------------------------------------------------


def _post(client, content: str, election: Election | None = None):
    data = {"file": SimpleUploadedFile("stations.csv", content.encode())}
    if election is not None:
        data["election"] = str(election.pk)
    return client.post(reverse("events:stations"), data)


def test_web_import_into_the_chosen_election_with_voters(client_for, staff_user, election):
    later = ElectionFactory(slug="maslikhat-2027", election_day=timezone.localdate() + timedelta(days=400))
    client = client_for(staff_user)
    page = client.get(reverse("events:stations")).content.decode()
    assert f'<option value="{election.pk}" selected>' in page  # the nearest election is proposed
    response = _post(client, CSV, later)
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert later.name in preview and "1204" in preview
    upload = station_import.stored_upload(response["Location"].rstrip("/").split("/")[-1], by=staff_user)
    assert upload is not None and upload.election_id == later.pk
    plan = station_import.preview(upload, by=staff_user)
    client.post(
        reverse("events:station_import_confirm", args=[upload.token]), {"sha256": upload.sha256, "digest": plan.digest}
    )
    assert set(PollingStation.objects.values_list("election__slug", "number", "voters")) == {
        ("maslikhat-2027", "301", 1204),
        ("maslikhat-2027", "302", 987),
        ("maslikhat-2027", "15", 0),
    }


def test_web_preview_refuses_bad_voters_with_the_line_and_shows_voter_changes(client_for, staff_user, election):
    StationFactory(election=election, region=region("KZ-71"), number="302", address="Астана, пр. Абая, 10", voters=900)
    client = client_for(staff_user)
    response = _post(client, CSV + "16,KZ-35,x,-1\n", election)
    upload = station_import.stored_upload(response["Location"].rstrip("/").split("/")[-1], by=staff_user)
    assert upload is not None
    plan = station_import.preview(upload, by=staff_user)
    outcomes = {line.line: (line.status, line.reason) for line in plan.lines}
    assert outcomes[3] == ("change", "")  # the same address, other voters
    assert outcomes[5][0] == "refused" and "whole number" in outcomes[5][1] and "-1" in outcomes[5][1]
    assert not plan.can_apply
    page = client.get(response["Location"]).content.decode()
    assert "<del>900</del> → 987" in page and "table-danger" in page
    assert PollingStation.objects.get(number="302").voters == 900


def test_same_number_in_another_election_is_a_new_station_in_the_preview(staff_user, election):
    other = ElectionFactory(slug="maslikhat-2027")
    StationFactory(election=other, region=region("KZ-35"), number="15", address="Караганда, ул. Ерубаева, 3")
    upload = station_import.store_upload(content=CSV.encode(), filename="s.csv", by=staff_user, election=election)
    assert [line.status for line in station_import.preview(upload, by=staff_user).lines] == ["new", "new", "new"]


def test_coordinator_imports_only_their_region_into_the_election(client_for, coordinator, election):
    client = client_for(coordinator)
    response = _post(client, CSV, election)
    upload = station_import.stored_upload(response["Location"].rstrip("/").split("/")[-1], by=coordinator)
    assert upload is not None
    plan = station_import.preview(upload, by=coordinator)
    assert [line.status for line in plan.lines] == ["refused", "refused", "new"]
    assert "Outside your region" in plan.lines[0].reason


def test_web_import_with_no_election_at_all_is_refused(client_for, staff_user):
    page = client_for(staff_user).post(
        reverse("events:stations"), {"file": SimpleUploadedFile("s.csv", CSV.encode())}, follow=True
    )
    assert "There is no election yet" in page.content.decode()
    assert not PollingStation.objects.exists()


def test_the_import_form_refuses_an_unknown_election(client_for, staff_user, election):
    client = client_for(staff_user)
    response = client.post(
        reverse("events:stations"), {"file": SimpleUploadedFile("s.csv", CSV.encode()), "election": "999999"}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("user", ["trainer", "auditor", "nobody", "finance_officer"])
def test_roles_without_the_add_permission_cannot_import(client_for, request, election, user):
    client = client_for(request.getfixturevalue(user))
    response = _post(client, CSV, election)
    assert response.status_code in (302, 403)
    if response.status_code == 302:  # sent to the login page (no staff role), never to a preview
        assert "/import/" not in response["Location"]
    assert not PollingStation.objects.exists()


def test_a_stranger_is_sent_to_log_in(client, election):
    response = _post(client, CSV, election)
    assert response.status_code == 302 and "login" in response["Location"]
    assert not PollingStation.objects.exists()


# --- Lists, filters and exports --------------------------------------------------------------------------------------


def test_station_list_shows_the_default_election_unless_another_or_all_is_asked(client_for, staff_user, election):
    other = ElectionFactory(slug="past-2025", election_day=timezone.localdate() - timedelta(days=300))
    StationFactory(election=election, address="Караганда, текущие выборы")
    StationFactory(election=other, address="Караганда, прошлые выборы")
    client = client_for(staff_user)
    page = client.get(reverse("events:stations")).content.decode()
    assert "текущие выборы" in page and "прошлые выборы" not in page
    page = client.get(reverse("events:stations"), {"election": other.pk}).content.decode()
    assert "прошлые выборы" in page and "текущие выборы" not in page
    page = client.get(reverse("events:stations"), {"election": ""}).content.decode()
    assert "прошлые выборы" in page and "текущие выборы" in page
    rows = client.get(reverse("events:stations"), {"export": "csv", "election": other.pk}).content.decode()
    assert "прошлые выборы" in rows and "past-2025" in rows and "текущие выборы" not in rows


def test_coordinator_station_list_of_an_election_keeps_to_their_region(client_for, coordinator, election):
    StationFactory(election=election, region=region("KZ-35"), address="Караганда, школа")
    StationFactory(election=election, region=region("KZ-79"), address="Шымкент, школа")
    page = client_for(coordinator).get(reverse("events:stations"), {"election": election.pk}).content.decode()
    assert "Караганда, школа" in page and "Шымкент, школа" not in page


def test_assignments_and_coverage_filter_by_election(client_for, staff_user, election):
    other = ElectionFactory(slug="past-2025", election_day=timezone.localdate() - timedelta(days=300))
    for target, name in ((election, "Текущий Наблюдатель"), (other, "Прошлый Наблюдатель")):
        cert = certified()
        cert.person.full_name = name
        cert.person.save()
        services.assign(
            station=StationFactory(election=target),
            person=cert.person,
            role="observer",
            organization=admitted_organization(),
            by=staff_user,
        )
    client = client_for(staff_user)
    page = client.get(reverse("events:assignments"), {"election": other.pk}).content.decode()
    assert "Прошлый Наблюдатель" in page and "Текущий Наблюдатель" not in page
    rows = client.get(reverse("events:coverage"), {"export": "csv"}).content.decode().splitlines()
    assert rows[1].split(",")[2] == "1"  # one station of the default election, not two
    rows = client.get(reverse("events:coverage"), {"export": "csv", "election": other.pk}).content.decode()
    assert rows.splitlines()[1].split(",")[2] == "1"


def test_training_session_may_name_its_election(client_for, staff_user, election):
    from events.models import Course

    course = Course.objects.create(kind="observer", name="Курс", pass_mark=70)
    starts = timezone.localtime() + timedelta(days=5)
    response = client_for(staff_user).post(
        reverse("events:session_create"),
        {
            "course": course.pk,
            "region": region("KZ-35").pk,
            "election": election.pk,
            "place": "Караганда",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": 20,
        },
    )
    assert response.status_code == 302
    assert list(election.training_sessions.values_list("place", flat=True)) == ["Караганда"]


# --- The data migration -----------------------------------------------------------------------------------------------


def _migrate(target: str) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("events", target)])


@pytest.mark.django_db(transaction=True)
def test_the_migration_puts_existing_stations_on_the_current_election_and_refuses_without_one():
    latest = "0014_station_election_required"
    _migrate("0012_station_election_added")
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO events_pollingstation (number, region_id, address) "
                "SELECT '7', id, 'Караганда, ул. Абая, 1' FROM coalition_region WHERE code = 'KZ-35'"
            )
        # Stations but no election: nothing is guessed, nothing changes, the operator is told what to do.
        with pytest.raises(RuntimeError, match="load_election"):
            _migrate(latest)
        with connection.cursor() as cursor:
            cursor.execute("SELECT election_id FROM events_pollingstation")
            assert cursor.fetchall() == [(None,)]
        today = timezone.localdate()
        ElectionFactory(slug="old", election_day=today - timedelta(days=500))
        current = ElectionFactory(slug="current", election_day=today + timedelta(days=30))
        ElectionFactory(slug="later", election_day=today + timedelta(days=700))
        _migrate(latest)
    finally:  # whatever happened above, the schema is left as the other tests expect it
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM events_pollingstation WHERE election_id IS NULL")
        _migrate(latest)
    station = PollingStation.objects.get()
    assert station.election == current and station.voters is None
