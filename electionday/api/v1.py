"""Version 1 of the election-day API: what the observer's app reads and sends (docs/election-day.md, "The API").

Observers authenticate with their device token and see only their own assignment; staff may read (GET) with their
session, scoped to their region. Reports are multipart: a JSON field ``data`` and the files. Each carries the
phone's ``client_id``: the same report again answers 200 "duplicate" and stores nothing.
"""

from __future__ import annotations

from datetime import time
from typing import Any, TypeVar

import pydantic
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile as DjangoUploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, NinjaAPI, Status, UploadedFile
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger

from coalition.access import require_region, staff_required
from coalition.models import user_language
from electionday.api import schemas
from electionday.api.auth import DeviceToken, PerCaller, StaffSession, device_of, staff_of
from electionday.models import ChecklistVersion, Incident, IncidentCategory, Protocol, Severity, Source, Submission
from electionday.services import attachments, checklists, incidents, protocols
from events.models import Assignment

DESCRIPTION = """
The observer's app reads its assignment and forms here and sends its reports here.

**Authentication.** An observer's phone sends `Authorization: Bearer <device token>` (the token it received when
it opened its one-time sign-in link). Staff may read (GET) with their signed-in session, limited to their region.
A revoked device, an ended assignment or a revoked or expired certificate answers 401 at once.

**Reports** are `multipart/form-data`: the field `data` holds the JSON described below, the files go alongside.
Each report carries the phone's `client_id` (a UUID): sending it again answers 200 with `"status": "duplicate"`
and stores nothing. 422 answers `{"errors": {field: [messages]}}`; 403 means the station is not the device's.
"""

api = NinjaAPI(
    title="Coalition HQ: election day",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_decorator=staff_required,
    auth=[DeviceToken(), StaffSession()],
    throttle=[PerCaller()],
)

_ReadOnly = [DeviceToken(), StaffSession()]
_DeviceOnly = [DeviceToken()]
_ERRORS: dict[int, Any] = {401: schemas.DetailOut, 403: schemas.DetailOut, 422: schemas.ErrorsOut}


class Refused(Exception):
    """Bad input, answered 422 with ``{"errors": {field: [messages]}}``."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@api.exception_handler(Refused)
def _refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return api.create_response(request, {"errors": exc.errors}, status=422)


@api.exception_handler(DjangoValidationError)
def _service_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(NinjaValidationError)
def _malformed(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"errors": _by_field(exc.errors)}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not allowed.")}, status=403)


def _by_field(errors: Any) -> dict[str, list[str]]:
    """Pydantic's error list as ``{field: [messages]}`` (the field is the last name in the error's location)."""
    result: dict[str, list[str]] = {}
    for error in errors:
        names = [str(part) for part in error.get("loc", ()) if part not in ("body", "form", "query", "file")]
        result.setdefault(".".join(names) or "__all__", []).append(str(error.get("msg", "")))
    return result


_In = TypeVar("_In", bound=pydantic.BaseModel)


def _parse(model: type[_In], data: str) -> _In:
    try:
        return model.model_validate_json(data)
    except pydantic.ValidationError as exc:
        raise Refused(_by_field(exc.errors())) from None


# --- Who reads what ---------------------------------------------------------------------------------------------


def _assignments() -> Any:
    return Assignment.objects.select_related("person", "station__region", "station__election")


def _readable(request: HttpRequest, assignment_id: int) -> Assignment:
    """The assignment ``request`` may read: the device's own, or (staff) one of their region."""
    device = device_of(request)
    if device is not None:
        if device.assignment_id != assignment_id:
            raise HttpError(403, _("This is not your assignment."))
        return device.assignment
    user = staff_of(request)
    if user is None or not user.has_perm("electionday.view_checklist"):
        raise HttpError(403, _("Not allowed."))
    assignment = get_object_or_404(_assignments(), pk=assignment_id)
    require_region(user, assignment.station.region)
    return assignment


def _own(request: HttpRequest, assignment_id: int) -> Assignment:
    """The device's assignment, which a report must name (403 for any other: another station's)."""
    device = device_of(request)
    if device is None or device.assignment_id != assignment_id:
        raise HttpError(403, _("You report only for your own polling station."))
    return device.assignment


def _hhmm(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _assignment_out(assignment: Assignment) -> dict[str, Any]:
    station = assignment.station
    election = station.election
    return {
        "id": assignment.pk,
        "role": assignment.role,
        "station": {
            "id": station.pk,
            "number": station.number,
            "address": station.address,
            "region": {"code": station.region.code, "name": station.region.name},
        },
        "election": {
            "slug": election.slug,
            "name": election.name,
            "election_day": election.election_day,
            "polls": {"opens": _hhmm(election.polls_open), "closes": _hhmm(election.polls_close)},
            "candidates": [{"code": c.code, "name": c.name} for c in election.candidates.order_by("position")],
        },
    }


# --- Reading ----------------------------------------------------------------------------------------------------


@api.get("/me", response={200: schemas.MeOut, 401: schemas.DetailOut}, auth=_ReadOnly, url_name="me")
def me(request: HttpRequest) -> dict[str, Any]:
    """Who is signed in, and their assignment (a staff session has none)."""
    device = device_of(request)
    if device is not None:
        person = device.assignment.person
        return {
            "person": {"name": person.full_name},
            "language": person.language or "ru",
            "assignments": [_assignment_out(device.assignment)],
        }
    user = staff_of(request)
    if user is None:  # the auth classes let in a device or a staff user only
        raise HttpError(401, _("Sign in first."))
    return {
        "person": {"name": user.get_full_name() or user.get_username()},
        "language": user_language(user),
        "assignments": [],
    }


@api.get("/checklists", response={200: list[schemas.ChecklistOut], **_ERRORS}, auth=_ReadOnly, url_name="checklists")
def checklist_list(request: HttpRequest, assignment: int) -> list[dict[str, Any]]:
    """The published forms of the assignment's election, latest version of each, in order."""
    station = _readable(request, assignment).station
    return [
        {
            "checklist": version.checklist.code,
            "kind": version.checklist.kind,
            "due_at": _hhmm(version.checklist.due_at),
            "version": version.number,
            "title": version.title,
            "questions": version.questions,
        }
        for version in checklists.published_for(station.election)
    ]


@api.get(
    "/incident-categories",
    response={200: list[schemas.LabelOut], 401: schemas.DetailOut},
    auth=_ReadOnly,
    url_name="incident_categories",
)
def incident_categories(request: HttpRequest) -> list[dict[str, str]]:
    """The categories of violations, labelled in the request's language."""
    return [{"code": code, "label": str(label)} for code, label in IncidentCategory.choices]


@api.get(
    "/severities", response={200: list[schemas.LabelOut], 401: schemas.DetailOut}, auth=_ReadOnly, url_name="severities"
)
def severities(request: HttpRequest) -> list[dict[str, str]]:
    """The severities of an incident (critical alerts the region's coordinator and HQ at once)."""
    return [{"code": code, "label": str(label)} for code, label in Severity.choices]


# --- Reporting --------------------------------------------------------------------------------------------------


def _read(upload: DjangoUploadedFile, field: str, *, allow_video: bool = False) -> tuple[bytes, str]:
    try:
        return attachments.read_upload(upload, allow_video=allow_video)
    except attachments.AttachmentRejected as exc:
        raise Refused({field: [str(exc)]}) from None


def _stored(obj: Any, created: bool, **extra: Any) -> Status[dict[str, Any]]:
    body = {"client_id": obj.client_id, "id": obj.pk, "status": "stored" if created else "duplicate", **extra}
    return Status(201 if created else 200, body)


_STORED = {200: schemas.StoredOut, 201: schemas.StoredOut, **_ERRORS}


def _already(model: type[Submission] | type[Incident] | type[Protocol], client_id: Any, station: Any) -> Any:
    """Return the report this station already stored under ``client_id``, or None.

    A phone resends what it is not sure arrived: answering a resend before its photos are read and re-encoded (the
    costly part) halves the evening burst's work. A client id of another station falls through to the service,
    which refuses it.
    """
    return model.objects.filter(client_id=client_id, station=station).first()


# The photo questions' files have the question's name: the schema lists them as any further binary field.
_PHOTO_FIELDS = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {"data": {"type": "string", "description": "The JSON of the answers."}},
                    "additionalProperties": {"type": "string", "format": "binary"},
                }
            }
        }
    }
}


@api.post("/submissions", response=_STORED, auth=_DeviceOnly, url_name="submissions", openapi_extra=_PHOTO_FIELDS)
def submit_checklist(request: HttpRequest, data: Form[str]) -> Status[dict[str, Any]]:
    """Answers to a checklist. ``data``: client_id, assignment, checklist, version, filled_at, answers; photo
    questions' files are named ``photo:<question name>``."""
    payload = _parse(schemas.SubmissionIn, data)
    assignment = _own(request, payload.assignment)
    station = assignment.station
    version = (
        ChecklistVersion.objects.select_related("checklist")
        .filter(
            checklist__election_id=station.election_id,
            checklist__code=payload.checklist,
            number=payload.version,
            published_at__isnull=False,
        )
        .first()
    )
    if version is None:
        raise Refused({"version": [_("There is no such published form.")]})
    if (stored := _already(Submission, payload.client_id, station)) is not None:
        return _stored(stored, False)
    photos: dict[str, tuple[bytes, str]] = {}
    for name in request.FILES:
        upload = request.FILES.get(name)
        if name.startswith("photo:") and upload is not None:
            photos[name.removeprefix("photo:")] = _read(upload, name)
    submission, created = checklists.record_submission(
        station=station,
        assignment=assignment,
        client_id=payload.client_id,
        version=version,
        answers=payload.answers,
        photos=photos,
        filled_at=payload.filled_at,
        source=Source.DEVICE,
    )
    return _stored(submission, created)


@api.post("/incidents", response=_STORED, auth=_DeviceOnly, url_name="incidents")
def report_incident(
    request: HttpRequest, data: Form[str], photos: File[list[UploadedFile] | None] = None
) -> Status[dict[str, Any]]:
    """An incident. ``data``: client_id, assignment, category, severity, occurred_at, text; files ``photos``
    (any number of photos or videos)."""
    payload = _parse(schemas.IncidentIn, data)
    assignment = _own(request, payload.assignment)
    if (stored := _already(Incident, payload.client_id, assignment.station)) is not None:
        return _stored(stored, False)
    files = [_read(upload, "photos", allow_video=True) for upload in request.FILES.getlist("photos")]
    incident, created = incidents.record_incident(
        station=assignment.station,
        assignment=assignment,
        client_id=payload.client_id,
        category=payload.category,
        severity=payload.severity,
        occurred_at=payload.occurred_at,
        text=payload.text,
        photos=files,
        source=Source.DEVICE,
    )
    return _stored(incident, created)


_LINES = ("voters", "received", "issued", "cancelled", "in_boxes", "invalid", "against_all")


@api.post(
    "/protocols",
    response={200: schemas.ProtocolStoredOut, 201: schemas.ProtocolStoredOut, **_ERRORS},
    auth=_DeviceOnly,
    url_name="protocols",
)
def report_protocol(
    request: HttpRequest, data: Form[str], photo: File[UploadedFile | None] = None
) -> Status[dict[str, Any]]:
    """The precinct commission's final protocol. ``data``: client_id, assignment, filled_at, the lines and
    ``votes`` by candidate code; file ``photo`` (the signed copy, required). Failed control relations are listed
    in ``failed_checks``: the protocol is stored anyway."""
    payload = _parse(schemas.ProtocolIn, data)
    assignment = _own(request, payload.assignment)
    if (stored := _already(Protocol, payload.client_id, assignment.station)) is not None:
        return _stored(stored, False, failed_checks=list(stored.failed_checks))
    upload = request.FILES.get("photo")
    protocol, created = protocols.record_protocol(
        station=assignment.station,
        kind="observer",
        client_id=payload.client_id,
        reporter_iin="",  # the assigned person's, on record (or their assignment when none is)
        assignment=assignment,
        lines={line: getattr(payload, line) for line in _LINES},
        votes=payload.votes,
        photo=_read(upload, "photo") if upload is not None else None,
        filled_at=payload.filled_at,
        source=Source.DEVICE,
    )
    return _stored(protocol, created, failed_checks=list(protocol.failed_checks))
