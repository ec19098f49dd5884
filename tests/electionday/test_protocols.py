"""Recording the precinct protocol (electionday.services.protocols): exactly once, replacement, conflicts, official
protocols, staff review."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from coalition.models import AuditEntry
from electionday.models import Attachment, Protocol, ProtocolVote, Source
from electionday.services import protocols
from electionday.services.protocols import record_protocol
from tests.electionday.protocol_helpers import balanced, iin, jpeg, observer_at, record, station, the_election

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def election():
    return the_election()


@pytest.fixture
def precinct(election):
    return station(election)


def test_an_observer_protocol_is_stored_with_votes_photo_checks_and_its_assignment(precinct):
    reporter = iin()
    assignment = observer_at(precinct, person_iin=reporter)
    protocol, created = record(precinct, reporter_iin=reporter, invalid=11)
    assert created
    assert protocol.assignment == assignment  # linked by the IIN, though the phone did not name it
    assert protocol.failed_checks == ["boxes_balance"]  # stored anyway: the commission's error is evidence
    assert {v.candidate.code: v.votes for v in protocol.votes.select_related("candidate")} == {
        "akhmetov": 300,
        "bekova": 250,
    }
    photo = Attachment.objects.get(protocol=protocol)
    assert photo.content_type == "image/jpeg" and photo.station_id == precinct.pk
    assert AuditEntry.objects.filter(action="electionday.protocol_recorded", object_id=str(protocol.pk)).count() == 1


def test_a_protocol_from_an_assigned_phone_takes_the_persons_iin(precinct):
    reporter = iin()
    assignment = observer_at(precinct, person_iin=reporter)
    protocol, _created = record(precinct, assignment=assignment)
    assert protocol.reporter_iin == reporter and protocol.assignment == assignment


def test_a_person_without_an_iin_reports_under_their_assignment(precinct):
    assignment = observer_at(precinct)
    first, _ = record(precinct, assignment=assignment)
    second, _ = record(precinct, assignment=assignment, invalid=12, against_all=28)
    assert first.reporter_iin == f"a{assignment.pk}"
    first.refresh_from_db()
    assert first.replaced_by == second


def test_a_wrong_reporter_iin_is_refused(precinct):
    assignment = observer_at(precinct, person_iin=iin())
    with pytest.raises(ValidationError) as refused:
        record(precinct, assignment=assignment, reporter_iin=iin())
    assert "reporter_iin" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(precinct, reporter_iin="123456789012")
    assert "reporter_iin" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        record(precinct)  # no IIN, no assignment
    assert "reporter_iin" in refused.value.message_dict
    assert not Protocol.objects.exists()


def test_the_same_client_id_ten_times_is_one_protocol(precinct):
    reporter, key = iin(), uuid.uuid4()
    results = [record(precinct, reporter_iin=reporter, client_id=key) for _ in range(10)]
    assert [created for _p, created in results] == [True] + [False] * 9
    assert {p.pk for p, _c in results} == {results[0][0].pk}
    assert Protocol.objects.count() == 1 and ProtocolVote.objects.count() == 2 and Attachment.objects.count() == 1


def test_a_client_id_of_another_station_is_refused(election, precinct):
    key = uuid.uuid4()
    record(precinct, reporter_iin=iin(), client_id=key)
    with pytest.raises(ValidationError) as refused:
        record(station(election, "102"), reporter_iin=iin(), client_id=key)
    assert "client_id" in refused.value.message_dict


def test_a_later_protocol_of_the_same_reporter_replaces_the_earlier_and_keeps_it(precinct):
    reporter = iin()
    first, _ = record(precinct, reporter_iin=reporter)
    second, created = record(precinct, reporter_iin=reporter, in_boxes=600, invalid=20)
    assert created
    first.refresh_from_db()
    assert first.replaced_by == second and second.replaced_by is None
    assert [p.pk for p in protocols.history(precinct)] == [second.pk, first.pk]
    assert [p.pk for p in protocols.chain(second)] == [second.pk, first.pk]
    # Re-sending the first one (its UUID) changes nothing: it stays replaced.
    again, created_again = record(precinct, reporter_iin=reporter, client_id=first.client_id)
    assert not created_again and again.pk == first.pk
    assert Protocol.objects.filter(replaced_by__isnull=True).get() == second


def test_two_reporters_who_differ_are_a_conflict_and_agreement_is_not(election, precinct):
    one, two = iin(), iin()
    record(precinct, reporter_iin=one)
    record(precinct, reporter_iin=two)
    assert protocols.conflicts(election) == []
    record(precinct, reporter_iin=two, akhmetov=299, against_all=31)  # a later copy that differs on two lines
    found = protocols.conflicts(election)
    assert [c.station for c in found] == [precinct]
    assert found[0].differences == ["against_all", "c_akhmetov"]
    assert len(found[0].protocols) == 2


def test_a_conflict_on_votes_only(election, precinct):
    record(precinct, reporter_iin=iin())
    record(precinct, reporter_iin=iin(), akhmetov=301, bekova=249)
    assert protocols.conflicts(election)[0].differences == ["c_akhmetov", "c_bekova"]


def test_one_reporter_replacing_their_own_protocol_is_no_conflict(election, precinct):
    reporter = iin()
    record(precinct, reporter_iin=reporter)
    record(precinct, reporter_iin=reporter, akhmetov=1)
    assert protocols.conflicts(election) == []


def test_conflicts_are_scoped_to_a_region(election, precinct):
    record(precinct, reporter_iin=iin())
    record(precinct, reporter_iin=iin(), invalid=0)
    from tests.factories import region

    assert len(protocols.conflicts(election, region("KZ-35"))) == 1
    assert protocols.conflicts(election, region("KZ-79")) == []


@pytest.mark.parametrize("source", [Source.DEVICE, Source.STAFF])
def test_an_observer_protocol_from_a_phone_or_staff_needs_the_photo(precinct, source):
    lines, votes = balanced()
    with pytest.raises(ValidationError) as refused:
        record_protocol(
            station=precinct,
            kind="observer",
            client_id=uuid.uuid4(),
            reporter_iin=iin(),
            assignment=None,
            lines=lines,
            votes=votes,
            photo=None,
            filled_at=timezone.now(),
            source=source,
        )
    assert "photo" in refused.value.message_dict
    assert not Protocol.objects.exists()


def test_an_imported_observer_protocol_needs_no_photo(precinct):
    protocol, created = record(precinct, reporter_iin=iin(), source=Source.IMPORT)
    assert created and not protocol.attachments.exists()


@pytest.mark.parametrize(
    "lines,votes,field",
    [
        ({"voters": -1}, {}, "voters"),
        ({"issued": "1.5"}, {}, "issued"),
        ({"received": "1e3"}, {}, "received"),
        ({"invalid": True}, {}, "invalid"),
        ({}, {"akhmetov": "-3"}, "c_akhmetov"),
        ({}, {"bekova": None}, "c_bekova"),
        ({}, {"nobody": 5}, "votes"),
    ],
)
def test_bad_values_are_refused_by_field_and_nothing_is_stored(precinct, lines, votes, field):
    good_lines, good_votes = balanced()
    with pytest.raises(ValidationError) as refused:
        record_protocol(
            station=precinct,
            kind="observer",
            client_id=uuid.uuid4(),
            reporter_iin=iin(),
            assignment=None,
            lines={**good_lines, **lines},
            votes={**good_votes, **votes},
            photo=(jpeg(), "image/jpeg"),
            filled_at=None,
            source=Source.DEVICE,
        )
    assert field in refused.value.message_dict
    assert not Protocol.objects.exists() and not Attachment.objects.exists()


def test_a_missing_candidate_is_refused(precinct):
    lines, votes = balanced()
    del votes["bekova"]
    with pytest.raises(ValidationError) as refused:
        record_protocol(
            station=precinct,
            kind="observer",
            client_id=uuid.uuid4(),
            reporter_iin=iin(),
            assignment=None,
            lines=lines,
            votes=votes,
            photo=(jpeg(), "image/jpeg"),
            filled_at=None,
            source=Source.DEVICE,
        )
    assert "c_bekova" in refused.value.message_dict


def test_an_assignment_at_another_station_is_refused(election, precinct):
    elsewhere = observer_at(station(election, "555"), person_iin=iin())
    with pytest.raises(ValidationError) as refused:
        record(precinct, assignment=elsewhere)
    assert "assignment" in refused.value.message_dict


# --- Official protocols ------------------------------------------------------------------------------------------


def test_official_protocol_is_one_per_station_unchanged_or_replaced_with_audit(precinct):
    first, created = record(precinct, kind="official", source=Source.IMPORT, client_id=None)
    assert created and first.reporter_iin == ""
    same, created_again = record(precinct, kind="official", source=Source.IMPORT, client_id=None)
    assert not created_again and same.pk == first.pk
    assert Protocol.objects.count() == 1
    changed, replaced = record(precinct, kind="official", source=Source.IMPORT, client_id=None, akhmetov=299)
    assert replaced
    first.refresh_from_db()
    assert first.replaced_by == changed
    entry = AuditEntry.objects.filter(action="electionday.protocol_recorded", object_id=str(changed.pk)).get()
    assert entry.data["replaces"] == first.pk and entry.data["changed"] == ["c_akhmetov"]
    assert Protocol.objects.filter(kind="official", replaced_by__isnull=True).count() == 1


def test_an_official_protocol_is_never_a_conflict_with_observers(election, precinct):
    record(precinct, reporter_iin=iin())
    record(precinct, kind="official", source=Source.IMPORT, client_id=None, invalid=0)
    assert protocols.conflicts(election) == []


# --- Staff review -------------------------------------------------------------------------------------------------


def test_verify_marks_the_latest_and_is_audited_once(precinct, staff_user):
    protocol, _ = record(precinct, reporter_iin=iin())
    protocols.verify(protocol=protocol, actor=staff_user)
    protocols.verify(protocol=protocol, actor=staff_user)
    protocol.refresh_from_db()
    assert protocol.review == "verified" and protocol.reviewed_by == staff_user
    assert AuditEntry.objects.filter(action="electionday.protocol_verified").count() == 1


def test_a_correction_is_a_new_row_and_the_original_is_kept(precinct, staff_user):
    reporter = iin()
    original, _ = record(precinct, reporter_iin=reporter, invalid=11)
    lines, votes = balanced()
    corrected, created = protocols.correct(protocol=original, lines=lines, votes=votes, actor=staff_user)
    assert created and corrected.pk != original.pk
    original.refresh_from_db()
    assert original.replaced_by == corrected and original.invalid == 11 and original.review == "unverified"
    assert corrected.source == "staff" and corrected.review == "corrected" and corrected.reviewed_by == staff_user
    assert corrected.reporter_iin == reporter and corrected.failed_checks == []
    entry = AuditEntry.objects.get(action="electionday.protocol_corrected")
    assert entry.data["changed"] == {"invalid": [11, 10]} and entry.data["corrects"] == original.pk
    # The replaced original can be neither verified nor corrected again.
    with pytest.raises(ValidationError):
        protocols.verify(protocol=original, actor=staff_user)
    with pytest.raises(ValidationError):
        protocols.correct(protocol=original, lines=lines, votes=votes, actor=staff_user)
    # The same numbers again change nothing.
    again, created_again = protocols.correct(protocol=corrected, lines=lines, votes=votes, actor=staff_user)
    assert not created_again and again.pk == corrected.pk


def test_the_verification_queue_holds_the_latest_unverified_observer_protocols(election, precinct, staff_user):
    reporter = iin()
    _first, _ = record(precinct, reporter_iin=reporter)
    second, _ = record(precinct, reporter_iin=reporter, invalid=0)
    third, _ = record(precinct, reporter_iin=iin())
    record(precinct, kind="official", source=Source.IMPORT, client_id=None)
    assert list(protocols.verification_queue(election)) == [second, third]
    protocols.verify(protocol=third, actor=staff_user)
    assert list(protocols.verification_queue(election)) == [second]


# --- Concurrency --------------------------------------------------------------------------------------------------


def _in_threads(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the test reports what each thread met
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_protocols_of_one_reporter_leave_exactly_one_latest(election, precinct):
    reporter = iin()
    results = _in_threads(6, lambda i: record(precinct, reporter_iin=reporter, invalid=10 + i, in_boxes=590 + i))
    assert all(isinstance(r, tuple) and r[1] for r in results), results
    rows = Protocol.objects.filter(station=precinct, reporter_iin=reporter)
    assert rows.count() == 6 and rows.filter(replaced_by__isnull=True).count() == 1
    # The replacement chain covers every row once: a line, not a fork.
    assert len(protocols.chain(rows.get(replaced_by__isnull=True))) == 6


@pytest.mark.django_db(transaction=True)
def test_the_same_client_id_sent_concurrently_is_one_protocol(election, precinct):
    reporter, key = iin(), uuid.uuid4()
    results = _in_threads(6, lambda i: record(precinct, reporter_iin=reporter, client_id=key))
    assert sorted(r[1] for r in results) == [False] * 5 + [True], results
    assert Protocol.objects.count() == 1 and Attachment.objects.count() == 1
