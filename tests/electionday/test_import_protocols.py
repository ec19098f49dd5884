"""python manage.py import_protocols FILE.csv --election SLUG --source observer|official (the exact interface)."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from coalition.models import AuditEntry
from electionday.models import Protocol
from tests.electionday.protocol_helpers import SLUG, iin, observer_at, station, the_election

pytestmark = pytest.mark.django_db

HEADER = "station,client_id,reporter,voters,received,issued,cancelled,in_boxes,invalid,against_all,c_akhmetov,c_bekova"
GOOD = "1000,800,600,200,590,10,30,300,250"


@pytest.fixture
def election():
    return the_election()


@pytest.fixture
def precinct(election):
    return station(election, "101")


def _run(tmp_path, lines: list[str], *, source: str = "observer", header: str = HEADER) -> tuple[str, str, int]:
    path = tmp_path / "protocols.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        with translation.override("en"):  # the messages' source language (an operator's shell speaks Russian)
            call_command("import_protocols", str(path), "--election", SLUG, "--source", source, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        code = 1
    return out.getvalue(), err.getvalue(), code


def test_observer_rows_are_stored_once_and_a_later_row_replaces(tmp_path, precinct):
    reporter, other = iin(), iin()
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assignment = observer_at(precinct, person_iin=reporter)
    rows = [
        f"101,{first},{reporter},{GOOD}",
        f"101,{first},{reporter},{GOOD}",  # the same UUID again: a duplicate
        f"101,{second},{reporter},1000,800,600,200,590,11,29,300,250",  # the same reporter later: replaces
        f"101,{third},{other},{GOOD}",  # a partner group's observer, unknown to us
    ]
    out, err, code = _run(tmp_path, rows)
    assert code == 0, err
    assert "stored: 2, duplicate: 1, replaced: 1, unchanged: 0, refused: 0" in out
    latest = Protocol.objects.get(client_id=second)
    assert Protocol.objects.get(client_id=first).replaced_by == latest
    assert latest.assignment == assignment and latest.source == "import"  # linked by the IIN
    assert Protocol.objects.get(client_id=third).assignment is None
    # The whole file again: every row a duplicate, nothing new.
    out, err, code = _run(tmp_path, rows)
    assert code == 0 and "stored: 0, duplicate: 4" in out and Protocol.objects.count() == 3


def test_bad_rows_are_refused_with_their_line_numbers_and_the_rest_is_stored(tmp_path, election, precinct):
    reporter = iin()
    rows = [
        f"101,{uuid.uuid4()},{reporter},{GOOD}",  # line 2: fine
        f"101,{uuid.uuid4()},{iin()},1000,-800,600,200,590,10,30,300,250",  # line 3: negative
        f"101,{uuid.uuid4()},{iin()},1000,800,600.5,200,590,10,30,300,250",  # line 4: not an integer
        f"999,{uuid.uuid4()},{iin()},{GOOD}",  # line 5: unknown station
        f"101,,{iin()},{GOOD}",  # line 6: no client id
        f"101,{uuid.uuid4()},12345,{GOOD}",  # line 7: not an IIN
        f"101,{uuid.uuid4()},{iin()},1000,800,600,200,590,10,30,300",  # line 8: a cell short
        f"101,{uuid.uuid4()},{iin()},1000,800,600,200,590,10,30,300,1e3",  # line 9: exponent
        f"101,not-a-uuid,{iin()},{GOOD}",  # line 10
    ]
    out, err, code = _run(tmp_path, rows)
    assert code == 1
    assert "stored: 1, duplicate: 0, replaced: 0, unchanged: 0, refused: 8" in out
    refused = [line.split(":")[0] for line in err.splitlines() if line.startswith("line ")]
    assert refused == [f"line {n}" for n in range(3, 11)]
    assert "line 3: received:" in err and "line 4: issued:" in err and "line 5: Unknown polling station: 999" in err
    assert "line 9: c_bekova:" in err
    assert Protocol.objects.count() == 1


@pytest.mark.parametrize(
    "header,message",
    [
        (HEADER.replace(",c_bekova", ""), "missing candidate columns: c_bekova"),
        (HEADER + ",c_nobody", "unknown columns: c_nobody"),
        (HEADER.replace("station,client_id", "client_id,station"), "The header must start with"),
    ],
)
def test_a_file_whose_columns_do_not_fit_the_election_is_refused_whole(tmp_path, precinct, header, message):
    _out, err, code = _run(tmp_path, [f"101,{uuid.uuid4()},{iin()},{GOOD}"], header=header)
    assert code == 1 and message in err and "nothing was imported" in err
    assert not Protocol.objects.exists()


def test_official_rows_reimported_unchanged_and_changed_with_audit(tmp_path, election, precinct):
    station(election, "102")
    rows = ["101,,,1000,800,600,200,590,10,30,300,250", "102,,,900,800,600,200,590,10,30,300,250"]
    out, err, code = _run(tmp_path, rows, source="official")
    assert code == 0 and "stored: 2" in out, err
    out, err, code = _run(tmp_path, rows, source="official")
    assert code == 0 and "stored: 0, duplicate: 0, replaced: 0, unchanged: 2" in out, err
    assert Protocol.objects.count() == 2
    rows[0] = "101,,,1000,800,600,200,590,10,30,299,251"
    out, err, code = _run(tmp_path, rows, source="official")
    assert code == 0 and "replaced: 1, unchanged: 1" in out, err
    latest = Protocol.objects.get(station=precinct, replaced_by__isnull=True)
    entry = AuditEntry.objects.filter(action="electionday.protocol_recorded", object_id=str(latest.pk)).get()
    assert entry.data["changed"] == ["c_akhmetov", "c_bekova"] and entry.data["replaces"] is not None
    assert Protocol.objects.filter(station=precinct).count() == 2


def test_a_number_repeated_across_regions_needs_the_region(tmp_path, election, precinct):
    station(election, "101", region_code="KZ-79")
    _out, err, code = _run(tmp_path, ["101,,,1000,800,600,200,590,10,30,300,250"], source="official")
    assert code == 1 and "line 2: Station number 101 exists in several regions" in err
    _out, err, code = _run(tmp_path, ["KZ-79/101,,,1000,800,600,200,590,10,30,300,250"], source="official")
    assert code == 0 and Protocol.objects.get().station.region.code == "KZ-79"


def test_stations_of_another_election_are_unknown(tmp_path, election):
    other = the_election("local-2027")
    station(other, "101")
    _out, err, code = _run(tmp_path, ["101,,,1000,800,600,200,590,10,30,300,250"], source="official")
    assert code == 1 and "Unknown polling station: 101" in err


def test_an_unknown_election_is_refused(tmp_path, precinct):
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="No election"):
        call_command("import_protocols", str(path), "--election", "nope", "--source", "official")
