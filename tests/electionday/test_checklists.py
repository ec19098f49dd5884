"""Checklists as data: definitions and answers checked per type, versions that never change once published, answers
that keep their version, exactly-once answers, and the default checklists of an election."""

from __future__ import annotations

import io
import uuid
from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from coalition.models import AuditEntry
from electionday import demo
from electionday.checklists import clean_answers, clean_definition
from electionday.models import Attachment, Checklist, ChecklistVersion, Source, Submission
from electionday.services import checklists
from tests.electionday.checklist_helpers import QUESTIONS, TITLE, jpeg, observer_at, published, station_in
from tests.events.factories import stations_election
from tests.factories import ElectionFactory

_, CLEAN_QUESTIONS = clean_definition(TITLE, QUESTIONS)


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    """Assert on the English source strings whatever catalogues come later; keep stored photos out of the tree."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# --- Definitions (pure) -------------------------------------------------------------------------------------------


def test_definition_is_returned_in_canonical_form():
    title, questions = clean_definition({"ru": " Открытие ", "de": "ignored"}, QUESTIONS)
    assert title == {"ru": "Открытие"}
    assert [q["name"] for q in questions] == ["arrived_at", "admitted", "voters", "queue", "notes", "photo"]
    assert questions[0] == {
        "name": "arrived_at",
        "type": "time",
        "label": {"ru": "Во сколько вы прибыли?"},
        "required": True,
        "choices": [],
    }
    assert questions[3]["choices"][1] == {"value": "long", "label": {"ru": "Длинная"}}


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ({"name": "Arrived", "type": "time", "label": {"ru": "x"}}, "Latin letter"),
        ({"name": "1st", "type": "time", "label": {"ru": "x"}}, "Latin letter"),
        ({"name": "ok", "type": "date", "label": {"ru": "x"}}, "unknown question type"),
        ({"name": "ok", "type": "text", "label": {"en": "only English"}}, "Russian label is required"),
        ({"name": "ok", "type": "choice", "label": {"ru": "x"}, "choices": []}, "at least one choice"),
        (
            {
                "name": "ok",
                "type": "choice",
                "label": {"ru": "x"},
                "choices": [{"value": "a", "label": {"ru": "A"}}, {"value": "a", "label": {"ru": "B"}}],
            },
            "used twice",
        ),
        (
            {"name": "ok", "type": "choice", "label": {"ru": "x"}, "choices": [{"value": "a b", "label": {"ru": "A"}}]},
            "without spaces",
        ),
        ({"name": "ok", "type": "text", "label": {"ru": "x"}, "choices": [{"value": "a"}]}, "only a choice"),
        ({"name": "ok", "type": "text", "label": {"ru": "x"}, "required": "yes"}, "true or false"),
    ],
)
def test_definition_refuses_unfit_question(question, fragment):
    with pytest.raises(ValidationError) as exc:
        clean_definition(TITLE, [question])
    assert fragment in " ".join(_errors(exc)["questions"])


def test_definition_refuses_duplicate_names_and_a_title_without_russian():
    twice = [{"name": "a", "type": "text", "label": {"ru": "x"}}, {"name": "a", "type": "number", "label": {"ru": "y"}}]
    with pytest.raises(ValidationError) as exc:
        clean_definition({"en": "Opening"}, twice)
    errors = _errors(exc)
    assert "used twice" in " ".join(errors["questions"])
    assert "Russian label is required" in " ".join(errors["title"])


# --- Answers (pure) -----------------------------------------------------------------------------------------------


def test_answers_of_every_type_are_cleaned():
    cleaned = clean_answers(
        CLEAN_QUESTIONS,
        {"arrived_at": "06:45", "admitted": True, "voters": "1200", "queue": "long", "notes": "  всё спокойно  "},
        photos={"photo"},
    )
    assert cleaned == {
        "arrived_at": "06:45",
        "admitted": True,
        "voters": 1200,
        "queue": "long",
        "notes": "всё спокойно",
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("admitted", "yes"),
        ("admitted", 1),
        ("voters", -1),
        ("voters", 1.5),
        ("voters", "12a"),
        ("voters", True),
        ("voters", 10_000_001),
        ("queue", "short"),
        ("notes", 42),
        ("notes", "x" * 2001),
        ("arrived_at", "7:45"),
        ("arrived_at", "24:00"),
        ("arrived_at", "06:45:00"),
    ],
)
def test_answer_that_does_not_fit_its_type_is_refused_under_its_name(name, value):
    answers = {"arrived_at": "06:45", "admitted": True, name: value}
    with pytest.raises(ValidationError) as exc:
        clean_answers(CLEAN_QUESTIONS, answers)
    assert list(_errors(exc)) == [name]


def test_required_questions_must_be_answered_and_unknown_ones_are_refused():
    with pytest.raises(ValidationError) as exc:
        clean_answers(CLEAN_QUESTIONS, {"admitted": None, "smuggled": "x"}, photos={"notes"})
    errors = _errors(exc)
    assert set(errors) == {"arrived_at", "admitted", "smuggled", "notes"}
    assert errors["arrived_at"] == ["This question is required."]


def test_required_photo_needs_a_file_not_a_value():
    questions = [{**CLEAN_QUESTIONS[5], "required": True}]
    with pytest.raises(ValidationError) as exc:
        clean_answers(questions, {"photo": "IMG_0001.jpg"})
    assert list(_errors(exc)) == ["photo"]
    assert clean_answers(questions, {}, photos={"photo"}) == {}


# --- Versions -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_published_version_is_refused_by_the_service(staff_user):
    version = published(by=staff_user)
    with pytest.raises(ValidationError, match="never changes"):
        checklists.save_draft(version=version, title=TITLE, questions=QUESTIONS[:1], by=staff_user)
    version.refresh_from_db()
    assert len(version.questions) == len(QUESTIONS)


@pytest.mark.django_db
def test_published_version_is_refused_by_the_database_trigger():
    version = published()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE electionday_checklistversion SET questions = '[]'::jsonb WHERE id = %s", [version.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        ChecklistVersion.objects.filter(pk=version.pk).delete()
    version.refresh_from_db()
    assert len(version.questions) == len(QUESTIONS)


@pytest.mark.django_db
def test_a_draft_can_be_edited_until_it_is_published(staff_user):
    election = stations_election()
    draft = checklists.create_checklist(
        election=election, code="closing", kind="closing", due_at=None, position=1, title=TITLE, by=staff_user
    )
    with pytest.raises(ValidationError, match="without questions"):
        checklists.publish(version=draft, by=staff_user)
    saved = checklists.save_draft(version=draft, title=TITLE, questions=QUESTIONS[:2], by=staff_user)
    assert (saved.pk, saved.number, len(saved.questions)) == (draft.pk, 1, 2)
    again = checklists.edit(checklist=draft.checklist, title=TITLE, questions=QUESTIONS[:3], by=staff_user)
    assert again.pk == draft.pk  # the draft itself, no new version
    checklists.publish(version=again, by=staff_user)
    with pytest.raises(ValidationError, match="already published"):
        checklists.publish(version=again, by=staff_user)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "electionday.checklist.create",
        "electionday.checklist.save_draft",
        "electionday.checklist.publish",
    } <= actions


@pytest.mark.django_db
def test_editing_a_published_version_makes_a_new_draft_version(staff_user):
    first = published(by=staff_user)
    draft = checklists.edit(checklist=first.checklist, title=TITLE, questions=QUESTIONS[:2], by=staff_user)
    assert (draft.number, draft.published_at, len(draft.questions)) == (2, None, 2)
    first.refresh_from_db()
    assert len(first.questions) == len(QUESTIONS)
    # A copy of the last version when staff start from the page without changing anything yet.
    checklists.publish(version=draft, by=staff_user)
    third = checklists.new_draft(checklist=first.checklist, by=staff_user)
    assert (third.number, len(third.questions)) == (3, 2)
    assert checklists.new_draft(checklist=first.checklist, by=staff_user).pk == third.pk


@pytest.mark.django_db
def test_published_for_gives_the_latest_published_version_of_each_checklist_in_order(staff_user):
    election = stations_election()
    opening = published(election, code="opening")
    closing = checklists.create_checklist(
        election=election,
        code="closing",
        kind="closing",
        due_at=None,
        position=90,
        title=TITLE,
        questions=QUESTIONS,
        by=None,
    )
    checklists.publish(version=closing, by=None)
    second = checklists.edit(checklist=opening.checklist, title=TITLE, questions=QUESTIONS[:2], by=None)
    assert [v.pk for v in checklists.published_for(election)] == [opening.pk, closing.pk]  # the draft is not offered
    checklists.publish(version=second, by=None)
    assert [v.pk for v in checklists.published_for(election)] == [second.pk, closing.pk]
    assert checklists.published_for(ElectionFactory()) == []


# --- Answers recorded ---------------------------------------------------------------------------------------------


def _record(version, station, **extra):
    arguments = {
        "station": station,
        "assignment": None,
        "client_id": uuid.uuid4(),
        "version": version,
        "answers": {"arrived_at": "06:40", "admitted": True, "voters": 1180},
        "photos": {},
        "filled_at": timezone.now() - timedelta(minutes=5),
        "source": Source.DEVICE,
        **extra,
    }
    return checklists.record_submission(**arguments)


@pytest.mark.django_db
def test_same_client_id_ten_times_is_one_submission():
    version, station = published(), station_in()
    assignment = observer_at(station)
    client_id = uuid.uuid4()
    results = [
        _record(
            version, station, assignment=assignment, client_id=str(client_id), photos={"photo": (jpeg(), "image/jpeg")}
        )
        for _ in range(10)
    ]
    assert [created for _, created in results] == [True] + [False] * 9
    assert {submission.pk for submission, _ in results} == {results[0][0].pk}
    assert Submission.objects.filter(client_id=client_id).count() == 1
    assert Attachment.objects.filter(submission=results[0][0], question="photo").count() == 1
    assert AuditEntry.objects.filter(action="electionday.submission_recorded").count() == 1


@pytest.mark.django_db
def test_same_client_id_from_another_station_is_refused():
    version = published()
    client_id = uuid.uuid4()
    _record(version, station_in(), client_id=client_id)
    with pytest.raises(ValidationError) as exc:
        _record(version, station_in(), client_id=client_id)
    assert "client_id" in exc.value.message_dict


@pytest.mark.django_db
def test_answers_are_stored_cleaned_with_their_photo_and_keep_their_version(staff_user):
    version, station = published(), station_in()
    submission, created = _record(
        version,
        station,
        answers={"arrived_at": "06:40", "admitted": False, "voters": "7", "queue": "long"},
        photos={"photo": (jpeg(), "image/jpeg")},
        source=Source.STAFF,
        entered_by=staff_user,
    )
    assert created and submission.answers == {"arrived_at": "06:40", "admitted": False, "voters": 7, "queue": "long"}
    attachment = submission.attachments.get()
    assert (attachment.question, attachment.content_type, attachment.station_id) == ("photo", "image/jpeg", station.pk)
    newer = checklists.edit(checklist=version.checklist, title=TITLE, questions=QUESTIONS[:1], by=staff_user)
    checklists.publish(version=newer, by=staff_user)
    submission.refresh_from_db()
    assert submission.version_id == version.pk and submission.version.number == 1
    assert (submission.source, submission.entered_by) == (Source.STAFF, staff_user)


@pytest.mark.django_db
def test_answers_that_do_not_fit_store_nothing():
    version, station = published(), station_in()
    with pytest.raises(ValidationError) as exc:
        _record(version, station, answers={"arrived_at": "late", "admitted": True, "voters": -3})
    assert set(exc.value.message_dict) == {"arrived_at", "voters"}
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_version_must_be_published_and_of_the_stations_election():
    station = station_in()
    draft = checklists.create_checklist(
        election=station.election,
        code="draft",
        kind="other",
        due_at=None,
        position=1,
        title=TITLE,
        questions=QUESTIONS,
        by=None,
    )
    with pytest.raises(ValidationError) as exc:
        _record(draft, station)
    assert "not published" in exc.value.message_dict["version"][0]
    elsewhere = published(ElectionFactory(slug="local-2027"))
    with pytest.raises(ValidationError) as exc:
        _record(elsewhere, station)
    assert "another election" in exc.value.message_dict["version"][0]
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_assignment_of_another_station_a_future_time_and_a_bad_photo_are_refused():
    version, station = published(), station_in()
    other = observer_at(station_in())
    with pytest.raises(ValidationError) as exc:
        _record(
            version,
            station,
            assignment=other,
            filled_at=timezone.now() + timedelta(hours=2),
            photos={"photo": (b"<html>", "text/html")},
        )
    assert set(exc.value.message_dict) == {"assignment", "filled_at", "photo"}
    with pytest.raises(ValidationError):
        _record(version, station, client_id="not-a-uuid")
    assert not Submission.objects.exists()


# --- Default checklists -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_checklists_are_published_in_three_languages_and_seeded_once():
    election = stations_election()
    assert checklists.seed_default_checklists(election) == 7
    assert checklists.seed_default_checklists(election) == 0
    versions = checklists.published_for(election)
    assert [v.checklist.code for v in versions] == [
        "opening",
        "turnout-1000",
        "turnout-1200",
        "turnout-1400",
        "turnout-1600",
        "turnout-1800",
        "closing",
    ]
    for version in versions:
        assert set(version.title) == {"ru", "kk", "en"}
        assert all(set(q["label"]) == {"ru", "kk", "en"} for q in version.questions)
        clean_definition(version.title, version.questions)  # still fits the rules
    turnout = Checklist.objects.get(election=election, code="turnout-1400")
    assert (turnout.kind, turnout.due_at) == ("turnout", time(14, 0))
    opening = versions[0]
    assert {q["name"]: q["type"] for q in opening.questions}["arrived_at"] == "time"
    assert Checklist.objects.get(election=election, code="opening").due_at == election.polls_open


@pytest.mark.django_db
def test_seed_checklists_command_is_idempotent_and_names_a_missing_election():
    election = stations_election()
    out = io.StringIO()
    call_command("seed_checklists", election=election.slug, stdout=out)
    call_command("seed_checklists", election=election.slug, stdout=out)
    assert "7 created" in out.getvalue() and "0 created, 7 already there" in out.getvalue()
    assert ChecklistVersion.objects.filter(checklist__election=election).count() == 7
    with pytest.raises(CommandError, match="no-such"):
        call_command("seed_checklists", election="no-such")


@pytest.mark.django_db
def test_demo_loads_the_default_checklists_for_the_demo_election():
    election = ElectionFactory(slug=demo.DEMO_ELECTION)
    demo.load(io.StringIO())
    demo.load(io.StringIO())
    assert Checklist.objects.filter(election=election).count() == 7
