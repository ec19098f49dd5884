"""The API's request and response shapes (Pydantic, through django-ninja): one definition gives the validation and
the OpenAPI schema at /api/v1/openapi.json."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

# A count from the protocol: a JSON integer, never negative (5.0, "5" and true are refused, not converted).
NonNegativeInt = Annotated[int, Field(ge=0, strict=True)]

# --- Reading ----------------------------------------------------------------------------------------------------


class PersonOut(Schema):
    name: str


class RegionOut(Schema):
    code: str
    name: str


class StationOut(Schema):
    id: int
    number: str
    address: str
    region: RegionOut


class PollsOut(Schema):
    opens: str = Field(examples=["07:00"])
    closes: str = Field(examples=["20:00"])


class CandidateOut(Schema):
    code: str
    name: str


class ElectionOut(Schema):
    slug: str
    name: str
    election_day: date | None
    polls: PollsOut
    candidates: list[CandidateOut]


class AssignmentOut(Schema):
    id: int
    role: Literal["observer", "proxy"]
    station: StationOut
    election: ElectionOut


class MeOut(Schema):
    person: PersonOut
    language: str = Field(examples=["ru"])
    assignments: list[AssignmentOut]


class ChoiceOut(Schema):
    value: str
    label: dict[str, str] | str


class QuestionOut(Schema):
    name: str
    type: str
    label: dict[str, str]
    required: bool = False
    choices: list[ChoiceOut] = []


class ChecklistOut(Schema):
    checklist: str
    kind: str
    due_at: str | None = Field(examples=["10:00"])
    version: int
    title: dict[str, str]
    questions: list[QuestionOut]


class LabelOut(Schema):
    code: str
    label: str


# --- Writing (the JSON in the multipart field ``data``) ---------------------------------------------------------


class SubmissionIn(Schema):
    client_id: uuid.UUID
    assignment: int
    checklist: str
    version: int
    filled_at: datetime
    answers: dict[str, Any] = {}


class IncidentIn(Schema):
    client_id: uuid.UUID
    assignment: int
    category: str
    severity: str
    occurred_at: datetime
    text: str = ""


class ProtocolIn(Schema):
    client_id: uuid.UUID
    assignment: int
    filled_at: datetime
    voters: NonNegativeInt
    received: NonNegativeInt
    issued: NonNegativeInt
    cancelled: NonNegativeInt
    in_boxes: NonNegativeInt
    invalid: NonNegativeInt
    against_all: NonNegativeInt
    votes: dict[str, NonNegativeInt]


class StoredOut(Schema):
    client_id: uuid.UUID
    id: int
    status: Literal["stored", "duplicate"]


class ProtocolStoredOut(StoredOut):
    failed_checks: list[str]


class ErrorsOut(Schema):
    errors: dict[str, list[str]]


class DetailOut(Schema):
    detail: str
