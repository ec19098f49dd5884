"""Checklists as data: defining and publishing versions, and recording the answers from the stations.

A checklist has versions; the newest may be a draft, which staff edit until they publish it. A published version
never changes (a database trigger refuses it even from raw SQL): editing it makes version n+1, a draft copying the
last, and the answers stored keep the version they were given against. ``record_submission`` stores one set of
answers exactly once per ``client_id``, however many times a phone sends it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit
from coalition.models import Election
from electionday import xlsform
from electionday.checklists import Question, clean_answers, clean_definition
from electionday.models import Checklist, ChecklistVersion, QuestionType, Source, Submission
from electionday.services import attachments
from events.models import Assignment, PollingStation

PHOTO_TYPES = {"image/jpeg", "image/png"}


# --- Definitions and versions -------------------------------------------------------------------------------------


def latest_version(checklist: Checklist) -> ChecklistVersion | None:
    return checklist.versions.order_by("-number").first()


def published_for(election: Election) -> list[ChecklistVersion]:
    """Return the latest published version of each of the election's checklists, in the checklists' order."""
    return list(
        ChecklistVersion.objects.filter(checklist__election=election, published_at__isnull=False)
        .select_related("checklist")
        .order_by("checklist__position", "checklist__code", "-number")
        .distinct("checklist__position", "checklist__code")
    )


def create_checklist(
    *,
    election: Election,
    code: str,
    kind: str,
    due_at: time | None,
    position: int,
    title: dict[str, str],
    questions: list[Question] | None = None,
    by: User | None,
) -> ChecklistVersion:
    """Create a checklist with its first version, a draft; return that version."""
    title, cleaned = clean_definition(title, questions or [])
    if kind not in Checklist.Kind.values:
        raise ValidationError({"kind": [_("Choose a kind from the list.")]})
    with transaction.atomic():
        if Checklist.objects.filter(election=election, code=code).exists():
            raise ValidationError({"code": [_("This election already has a checklist with this code.")]})
        try:
            with transaction.atomic():
                checklist = Checklist.objects.create(
                    election=election, code=code, kind=kind, due_at=due_at, position=position
                )
        except IntegrityError as exc:  # made at the same moment by someone else
            raise ValidationError({"code": [_("This election already has a checklist with this code.")]}) from exc
        version = ChecklistVersion.objects.create(
            checklist=checklist, number=1, title=title, questions=cleaned, created_by=by
        )
        audit.record(
            actor=by,
            action="electionday.checklist.create",
            obj=checklist,
            data={"election": election.slug, "code": code, "kind": kind},
        )
    return version


def _locked_draft(checklist: Checklist, by: User | None) -> tuple[ChecklistVersion, bool]:
    """Return the checklist's draft (locked), making one as a copy of the last version if there is none."""
    Checklist.objects.select_for_update().get(pk=checklist.pk)  # one editor at a time makes n+1
    last = ChecklistVersion.objects.select_for_update().filter(checklist=checklist).order_by("-number").first()
    if last is not None and last.published_at is None:
        return last, False
    number = (checklist.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    draft = ChecklistVersion.objects.create(
        checklist=checklist,
        number=number,
        title=dict(last.title) if last else {},
        questions=list(last.questions) if last else [],
        created_by=by,
    )
    return draft, True


def new_draft(*, checklist: Checklist, by: User | None) -> ChecklistVersion:
    """Return the checklist's draft, making version n+1 as a copy of the last published one when there is none."""
    with transaction.atomic():
        draft, created = _locked_draft(checklist, by)
        if created:
            audit.record(
                actor=by,
                action="electionday.checklist.new_version",
                obj=draft,
                data={"checklist": checklist.code, "number": draft.number},
            )
    return draft


def save_draft(
    *, version: ChecklistVersion, title: dict[str, str], questions: list[Question], by: User | None
) -> ChecklistVersion:
    """Replace a draft's title and questions; a published version is refused (edit the checklist instead)."""
    title, cleaned = clean_definition(title, questions)
    with transaction.atomic():
        locked = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
        if locked.published_at is not None:
            raise ValidationError(
                _("Version %(number)d is published and never changes: edit the checklist to make a new version.")
                % {"number": locked.number}
            )
        locked.title, locked.questions = title, cleaned
        locked.save(update_fields=["title", "questions"])
        audit.record(
            actor=by,
            action="electionday.checklist.save_draft",
            obj=locked,
            data={"checklist": locked.checklist.code, "number": locked.number, "questions": len(cleaned)},
        )
    return locked


def edit(
    *, checklist: Checklist, title: dict[str, str], questions: list[Question], by: User | None
) -> ChecklistVersion:
    """Save an edit of the checklist: into its draft, or into a new version n+1 when the last one is published."""
    clean_definition(title, questions)  # refuse before a new version is made
    with transaction.atomic():
        draft = new_draft(checklist=checklist, by=by)
        return save_draft(version=draft, title=title, questions=questions, by=by)


def publish(*, version: ChecklistVersion, by: User | None) -> ChecklistVersion:
    """Publish a draft: from now on the phones get it and it never changes."""
    with transaction.atomic():
        locked = ChecklistVersion.objects.select_for_update().select_related("checklist").get(pk=version.pk)
        if locked.published_at is not None:
            raise ValidationError(_("This version is already published."))
        newer = ChecklistVersion.objects.filter(checklist=locked.checklist, number__gt=locked.number).exists()
        if newer:
            raise ValidationError(_("A newer version exists: publish that one."))
        clean_definition(locked.title, locked.questions)
        if not locked.questions:
            raise ValidationError(_("A form without questions cannot be published."))
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at"])
        audit.record(
            actor=by,
            action="electionday.checklist.publish",
            obj=locked,
            data={"checklist": locked.checklist.code, "number": locked.number},
        )
    return locked


def import_xlsform(*, checklist: Checklist, content: bytes, by: User | None) -> tuple[ChecklistVersion, list[str]]:
    """Put an XLSForm's questions into the checklist's draft (version n+1 when the last is published).

    The title comes from the form's ``form_title`` (as the Russian title); the other languages keep the last
    version's. Return the draft and the warnings (rows left out).
    """
    form = xlsform.read(content)
    last = latest_version(checklist)
    title = dict(last.title) if last else {}
    title.update(form.title)
    with transaction.atomic():
        draft = edit(checklist=checklist, title=title, questions=form.questions, by=by)
        audit.record(
            actor=by,
            action="electionday.checklist.import_xlsform",
            obj=draft,
            data={"checklist": checklist.code, "number": draft.number, "warnings": len(form.warnings)},
        )
    return draft, form.warnings


def export_xlsform(version: ChecklistVersion) -> bytes:
    """Return the version as an XLSForm workbook."""
    return xlsform.export(
        code=version.checklist.code, number=version.number, title=version.title, questions=version.questions
    )


# --- Answers ------------------------------------------------------------------------------------------------------


def _check_submission(
    *,
    station: PollingStation,
    assignment: Assignment | None,
    version: ChecklistVersion,
    photos: dict[str, tuple[bytes, str]],
    filled_at: datetime,
    source: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if version.published_at is None:
        errors["version"] = [_("This version of the form is not published.")]
    elif version.checklist.election_id != station.election_id:
        errors["version"] = [_("This form belongs to another election.")]
    if assignment is not None and assignment.station_id != station.pk:
        errors["assignment"] = [_("The assignment is not at this station.")]
    if source not in Source.values:
        errors["source"] = [_("Unknown source.")]
    if not isinstance(filled_at, datetime) or timezone.is_naive(filled_at):
        errors["filled_at"] = [_("Give the time with its time zone.")]
    elif filled_at > timezone.now() + timedelta(minutes=10):  # a phone's clock may run a little fast
        errors["filled_at"] = [_("The time is in the future.")]
    for name, (content, content_type) in photos.items():
        if content_type not in PHOTO_TYPES or not content:
            errors[name] = [_("Only checked photos can be attached.")]
    if errors:
        raise ValidationError(errors)


def record_submission(
    *,
    station: PollingStation,
    assignment: Assignment | None,
    client_id: uuid.UUID | str,
    version: ChecklistVersion,
    answers: dict[str, Any],
    photos: dict[str, tuple[bytes, str]],
    filled_at: datetime,
    source: str,
    entered_by: User | None = None,
) -> tuple[Submission, bool]:
    """Store the answers once per ``client_id`` and return them with whether they are new.

    The version must be published and of the station's election; the answers must fit its questions (a
    ValidationError names each question that does not). ``photos`` maps a photo question's name to
    ``(bytes, content type)`` already checked by ``attachments.read_upload``. The same ``client_id`` again returns
    the stored answers and stores nothing (the same id from another station is refused).
    """
    try:
        client_id = uuid.UUID(str(client_id))
    except ValueError as exc:
        raise ValidationError({"client_id": [_("Not a valid UUID.")]}) from exc
    existing = Submission.objects.filter(client_id=client_id).first()
    if existing is not None:
        return _same_station(existing, station), False
    _check_submission(
        station=station, assignment=assignment, version=version, photos=photos, filled_at=filled_at, source=source
    )
    cleaned = clean_answers(version.questions, answers, photos.keys())
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a concurrent copy of the same answers loses the race here
                submission = Submission.objects.create(
                    client_id=client_id,
                    version=version,
                    station=station,
                    assignment=assignment,
                    answers=cleaned,
                    filled_at=filled_at,
                    source=source,
                    entered_by=entered_by,
                )
        except IntegrityError:
            return _same_station(Submission.objects.get(client_id=client_id), station), False
        for name, (content, content_type) in photos.items():
            attachments.store(parent=submission, content=content, content_type=content_type, question=name)
        audit.record(
            actor=entered_by,
            action="electionday.submission_recorded",
            obj=submission,
            data={
                "station": station.pk,
                "assignment": assignment.pk if assignment is not None else None,
                "checklist": version.checklist.code,
                "version": version.number,
                "source": source,
                "photos": len(photos),
            },
        )
    return submission, True


def _same_station(submission: Submission, station: PollingStation) -> Submission:
    if submission.station_id != station.pk:
        raise ValidationError({"client_id": [_("This id belongs to other answers.")]})
    return submission


# --- The default checklists of an election ------------------------------------------------------------------------


def _q(name: str, kind: str, en: str, ru: str, kk: str, *, required: bool = True) -> Question:
    return {"name": name, "type": kind, "label": {"ru": ru, "kk": kk, "en": en}, "required": required, "choices": []}


_NOTES = _q("notes", QuestionType.TEXT, "Notes", "Примечания", "Ескертпелер", required=False)

DEFAULT_CHECKLISTS: list[dict[str, Any]] = [
    {
        "code": "opening",
        "kind": Checklist.Kind.OPENING,
        "due_at": None,  # the election's polls_open
        "title": {"en": "Arrival and opening", "ru": "Прибытие и открытие участка", "kk": "Келу және учаскенің ашылуы"},
        "questions": [
            _q(
                "arrived_at",
                QuestionType.TIME,
                "What time did you arrive at the polling station?",
                "Во сколько вы прибыли на избирательный участок?",
                "Сайлау учаскесіне сағат нешеде келдіңіз?",
            ),
            _q(
                "admitted",
                QuestionType.YES_NO,
                "Were you admitted to the polling station?",
                "Вас допустили на избирательный участок?",
                "Сізді сайлау учаскесіне кіргізді ме?",
            ),
            _q(
                "boxes_sealed",
                QuestionType.YES_NO,
                "Were the ballot boxes shown to be empty and sealed before voting began?",
                "Перед началом голосования урны были предъявлены пустыми и опечатаны?",
                "Дауыс беру басталар алдында сайлау жәшіктерінің бос екені көрсетіліп, олар мөрленді ме?",
            ),
            _q(
                "voter_lists",
                QuestionType.YES_NO,
                "Were the voter lists at the polling station?",
                "Списки избирателей находились на участке?",
                "Сайлаушылар тізімдері учаскеде болды ма?",
            ),
            _q(
                "can_observe",
                QuestionType.YES_NO,
                "Are you allowed to see the voter lists, the ballot boxes and the issuing of ballots?",
                "Вам обеспечена возможность видеть списки избирателей, урны и выдачу бюллетеней?",
                "Сізге сайлаушылар тізімдерін, сайлау жәшіктерін және бюллетеньдердің берілуін көруге мүмкіндік "
                "берілді ме?",
            ),
            _q(
                "photo",
                QuestionType.PHOTO,
                "Photo of the polling station (optional)",
                "Фото избирательного участка (необязательно)",
                "Сайлау учаскесінің фотосуреті (міндетті емес)",
                required=False,
            ),
            _NOTES,
        ],
    },
    *[
        {
            "code": f"turnout-{hour:02d}00",
            "kind": Checklist.Kind.TURNOUT,
            "due_at": time(hour, 0),
            "title": {
                "en": f"Turnout at {hour:02d}:00",
                "ru": f"Явка на {hour:02d}:00",
                "kk": f"Сағат {hour:02d}:00-дегі сайлаушылардың келуі",
            },
            "questions": [
                _q(
                    "ballots_issued",
                    QuestionType.NUMBER,
                    "Voters who have received ballots so far",
                    "Число избирателей, получивших бюллетени к этому часу",
                    "Осы сағатқа дейін бюллетень алған сайлаушылар саны",
                ),
                _NOTES,
            ],
        }
        for hour in (10, 12, 14, 16, 18)
    ],
    {
        "code": "closing",
        "kind": Checklist.Kind.CLOSING,
        "due_at": None,
        "title": {
            "en": "Closing and count",
            "ru": "Закрытие участка и подсчёт голосов",
            "kk": "Учаскенің жабылуы және дауыстарды санау",
        },
        "questions": [
            _q(
                "closed_on_time",
                QuestionType.YES_NO,
                "Did voting close on time?",
                "Голосование закончилось вовремя?",
                "Дауыс беру белгіленген уақытта аяқталды ма?",
            ),
            _q(
                "unused_cancelled",
                QuestionType.YES_NO,
                "Were the unused ballots counted and cancelled before the ballot boxes were opened?",
                "Неиспользованные бюллетени были подсчитаны и погашены до вскрытия урн?",
                "Пайдаланылмаған бюллетеньдер сайлау жәшіктері ашылғанға дейін саналып, жойылды ма?",
            ),
            _q(
                "marks_visible",
                QuestionType.YES_NO,
                "During the count, could you see the mark on every ballot?",
                "При подсчёте вам была видна отметка в каждом бюллетене?",
                "Дауыстарды санау кезінде әр бюллетеньдегі белгіні көре алдыңыз ба?",
            ),
            _q(
                "protocol_copy",
                QuestionType.YES_NO,
                "Did you receive a certified copy of the protocol?",
                "Вы получили заверенную копию протокола?",
                "Хаттаманың куәландырылған көшірмесін алдыңыз ба?",
            ),
            _NOTES,
        ],
    },
]


def seed_default_checklists(election: Election, *, by: User | None = None) -> int:
    """Give the election the default checklists, published (idempotent: a code it already has is left alone).

    Return how many were created.
    """
    created = 0
    for position, definition in enumerate(DEFAULT_CHECKLISTS, start=1):
        with transaction.atomic():
            if Checklist.objects.filter(election=election, code=definition["code"]).exists():
                continue
            due_at = definition["due_at"]
            if definition["kind"] == Checklist.Kind.OPENING:
                due_at = election.polls_open
            version = create_checklist(
                election=election,
                code=definition["code"],
                kind=definition["kind"],
                due_at=due_at,
                position=position * 10,
                title=definition["title"],
                questions=definition["questions"],
                by=by,
            )
            publish(version=version, by=by)
            created += 1
    return created
