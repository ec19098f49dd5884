"""Checklists as XLSForm workbooks (https://xlsform.org), so forms move between us and other observer tools.

Export writes the three sheets of the standard (survey, choices, settings) with a label column per language; import
reads a workbook with pyxform (the XLSForm reference implementation), which must convert it to an XForm without
errors, and maps its rows back to our question types, refusing what we cannot ask, with the row number.

| ours | XLSForm |
|---|---|
| yes_no | select_one yes_no (values yes, no) |
| number | integer (constraint . >= 0) |
| choice | select_one <list> |
| text | text |
| photo | image |
| time | time |
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from coalition.spreadsheets import FORMULA_PREFIXES, xlsx_sheets_bytes
from electionday.checklists import LANGUAGES, Question, clean_definition
from electionday.models import QuestionType

LANGUAGE_NAMES = {"ru": "Russian", "kk": "Kazakh", "en": "English"}
LABEL_COLUMNS = [f"label::{LANGUAGE_NAMES[code]} ({code})" for code in LANGUAGES]
YES_NO_LIST = "yes_no"
YES_NO_LABELS = {
    "yes": {"ru": "Да", "kk": "Иә", "en": "Yes"},
    "no": {"ru": "Нет", "kk": "Жоқ", "en": "No"},
}
SIMPLE_TYPES = {
    QuestionType.NUMBER: "integer",
    QuestionType.TEXT: "text",
    QuestionType.PHOTO: "image",
    QuestionType.TIME: "time",
}
FROM_SIMPLE = {
    "integer": QuestionType.NUMBER,
    "int": QuestionType.NUMBER,
    "text": QuestionType.TEXT,
    "string": QuestionType.TEXT,
    "image": QuestionType.PHOTO,
    "photo": QuestionType.PHOTO,
    "time": QuestionType.TIME,
}
SELECT_ONE = re.compile(r"(?:select_one|select one|select1|select one from|add select one prompt using)\s+(\S+)")
# Rows that describe the form or the phone, not a question: skipped with a warning.
METADATA = {
    "start",
    "end",
    "today",
    "deviceid",
    "phonenumber",
    "username",
    "email",
    "simserial",
    "subscriberid",
    "audit",
    "start-geopoint",
}
GROUP_ROWS = {"begin group", "end group", "begin_group", "end_group"}
TRUE = {"yes", "true", "true()", "1"}
MAX_FILE_BYTES = 2 * 1024 * 1024
LANGUAGE_ALIASES = {
    "ru": "ru",
    "russian": "ru",
    "русский": "ru",
    "kk": "kk",
    "kazakh": "kk",
    "қазақ": "kk",
    "қазақша": "kk",
    "казахский": "kk",
    "en": "en",
    "english": "en",
}


def _list_name(question: Question) -> str:
    return question["name"] if question["name"] != YES_NO_LIST else f"{YES_NO_LIST}_choice"


def _labels(label: dict[str, str]) -> list[str]:
    return [label.get(code, "") for code in LANGUAGES]


def export(*, code: str, number: int, title: dict[str, str], questions: list[Question]) -> bytes:
    """Return the version as an XLSForm workbook (XLSX bytes)."""
    survey: list[list[Any]] = [["type", "name", *LABEL_COLUMNS, "required", "constraint"]]
    choices: list[list[Any]] = [["list_name", "name", *LABEL_COLUMNS]]
    yes_no_used = False
    for question in questions:
        kind = question["type"]
        constraint = ""
        if kind == QuestionType.YES_NO:
            xls_type = f"select_one {YES_NO_LIST}"
            yes_no_used = True
        elif kind == QuestionType.CHOICE:
            xls_type = f"select_one {_list_name(question)}"
            for choice in question["choices"]:
                choices.append([_list_name(question), choice["value"], *_labels(choice["label"])])
        else:
            xls_type = SIMPLE_TYPES[QuestionType(kind)]
            if kind == QuestionType.NUMBER:
                constraint = ". >= 0"
        required = "yes" if question.get("required") else ""
        survey.append([xls_type, question["name"], *_labels(question["label"]), required, constraint])
    if yes_no_used:
        for value, label in YES_NO_LABELS.items():
            choices.append([YES_NO_LIST, value, *_labels(label)])
    settings = [
        ["form_title", "form_id", "version", "default_language"],
        [title.get("ru", code), code, str(number), LABEL_COLUMNS[0].removeprefix("label::")],
    ]
    return xlsx_sheets_bytes([("survey", survey), ("choices", choices), ("settings", settings)])


@dataclass
class ImportedForm:
    """What an XLSForm workbook defines, in our terms, with what was left out on the way."""

    title: dict[str, str]
    questions: list[Question]
    form_id: str = ""
    warnings: list[str] = field(default_factory=list)


def _text(value: object) -> str:
    """Return a cell's text, without the apostrophe our export puts before text a spreadsheet would run."""
    text = str(value or "").strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def _label_language(column: str) -> str | None:
    """Return the language code of a ``label``/``label::Language (code)`` column ("" for the default), else None."""
    match = re.fullmatch(r"label(?:\s*::\s*(.+))?", column.strip(), re.IGNORECASE)
    if match is None:
        return None
    language = (match.group(1) or "").strip()
    if not language or language.lower() == "default":
        return ""
    code = re.search(r"\(([^()]+)\)\s*$", language)
    key = (code.group(1) if code else language).strip().lower()
    return LANGUAGE_ALIASES.get(key, "?" + key)


def _row_label(row: dict[str, Any]) -> dict[str, str]:
    """Return a row's labels by our language codes; the default (or any other language) fills a missing Russian."""
    label: dict[str, str] = {}
    fallback = ""
    for column, value in row.items():
        language = _label_language(str(column))
        text = _text(value)
        if language is None or not text:
            continue
        if language in LANGUAGES:
            label[language] = text
        elif not fallback or language == "":
            fallback = text
    if "ru" not in label and (fallback or label):
        label["ru"] = fallback or next(iter(label.values()))
    return label


def _required(row: dict[str, Any]) -> bool:
    return _text(row.get("required")).lower() in TRUE


def read(content: bytes) -> ImportedForm:
    """Return the form an XLSForm workbook (XLSX) defines, or raise ValidationError({"file": [messages]})."""
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError({"file": [_("The file is too large.")]})
    try:
        convert(xlsform=io.BytesIO(content), file_type=".xlsx", warnings=[])
        workbook = get_xlsform(xlsform=io.BytesIO(content), file_type=".xlsx")
    except PyXFormError as exc:
        raise ValidationError({"file": [_("Not a valid XLSForm: %(error)s") % {"error": str(exc)[:500]}]}) from exc
    except Exception as exc:
        raise ValidationError({"file": [_("The file could not be read as an XLSX workbook.")]}) from exc

    lists: dict[str, list[dict[str, Any]]] = {}
    for row in workbook.choices or []:
        list_name = _text(row.get("list_name") or row.get("list name"))
        if list_name and _text(row.get("name")):
            lists.setdefault(list_name, []).append({"value": _text(row.get("name")), "label": _row_label(row)})

    errors: list[str] = []
    warnings: list[str] = []
    questions: list[Question] = []
    for index, row in enumerate(workbook.survey or []):
        number = index + 2  # the header is row 1
        raw_type = re.sub(r"\s+", " ", _text(row.get("type"))).lower()
        name = _text(row.get("name"))
        if not raw_type:
            continue
        if raw_type in METADATA:
            warnings.append(_("Row %(row)d: %(type)s is not a question; left out.") % {"row": number, "type": raw_type})
            continue
        if raw_type in GROUP_ROWS:
            warnings.append(_("Row %(row)d: groups are not kept; their questions are.") % {"row": number})
            continue
        question: Question = {"name": name, "label": _row_label(row), "required": _required(row), "choices": []}
        select = SELECT_ONE.fullmatch(raw_type)
        if select is not None:
            options = lists.get(select.group(1), [])
            if {option["value"] for option in options} == {"yes", "no"} and len(options) == 2:
                question["type"] = QuestionType.YES_NO.value
            else:
                question["type"] = QuestionType.CHOICE.value
                question["choices"] = options
        elif raw_type in FROM_SIMPLE:
            question["type"] = FROM_SIMPLE[raw_type].value
        else:
            errors.append(
                _("Row %(row)d: the type %(type)s is not supported (yes/no, number, choice, text, photo, time).")
                % {"row": number, "type": raw_type}
            )
            continue
        if _text(row.get("relevant")) or _text(row.get("calculation")):
            warnings.append(_("Row %(row)d: conditions and calculations are not kept.") % {"row": number})
        questions.append(question)
    if errors:
        raise ValidationError({"file": errors})

    settings = (workbook.settings or [{}])[0] if workbook.settings else {}
    form_title = _text(settings.get("form_title") or settings.get("title"))
    title = {"ru": form_title} if form_title else {}
    try:
        title, questions = clean_definition(title or {"ru": "?"}, questions)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    if not form_title:
        title = {}
    return ImportedForm(title=title, questions=questions, form_id=_text(settings.get("form_id")), warnings=warnings)


def xform(content: bytes) -> str:
    """Return the XForm (XML) pyxform makes of an XLSForm workbook; raise PyXFormError when it cannot."""
    return convert(xlsform=io.BytesIO(content), file_type=".xlsx", warnings=[]).xform
