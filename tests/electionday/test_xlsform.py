"""XLSForm: our versions export as workbooks pyxform converts to XForms, and import gives the same questions back;
forms from other tools are read, with what we cannot ask refused by its row number."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from lxml import etree
from openpyxl import Workbook, load_workbook

from electionday import xlsform
from electionday.checklists import clean_definition
from electionday.services import checklists
from tests.electionday.checklist_helpers import QUESTIONS, TITLE, published
from tests.events.factories import stations_election

_, CLEAN = clean_definition(TITLE, QUESTIONS)


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    """Assert on the English source strings whatever catalogues come later; keep stored photos out of the tree."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def _workbook(survey: list[list[str]], choices: list[list[str]] | None = None, settings=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices:
        choice_sheet = book.create_sheet("choices")
        for row in choices:
            choice_sheet.append(row)
    if settings:
        settings_sheet = book.create_sheet("settings")
        for row in settings:
            settings_sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_export_then_import_gives_the_same_questions():
    content = xlsform.export(code="opening", number=3, title=TITLE, questions=CLEAN)
    form = xlsform.read(content)
    assert form.questions == CLEAN
    assert (form.title, form.form_id, form.warnings) == ({"ru": TITLE["ru"]}, "opening", [])


def test_export_has_the_standard_sheets_with_a_label_column_per_language():
    book = load_workbook(io.BytesIO(xlsform.export(code="opening", number=3, title=TITLE, questions=CLEAN)))
    assert book.sheetnames == ["survey", "choices", "settings"]
    survey = [[cell.value for cell in row] for row in book["survey"].iter_rows()]
    assert survey[0][:6] == [
        "type",
        "name",
        "label::Russian (ru)",
        "label::Kazakh (kk)",
        "label::English (en)",
        "required",
    ]
    types = {row[1]: row[0] for row in survey[1:]}
    assert types == {
        "arrived_at": "time",
        "admitted": "select_one yes_no",
        "voters": "integer",
        "queue": "select_one queue",
        "notes": "text",
        "photo": "image",
    }
    choices = {(row[0].value, row[1].value) for row in book["choices"].iter_rows(min_row=2)}
    assert choices == {("yes_no", "yes"), ("yes_no", "no"), ("queue", "none"), ("queue", "long")}
    settings = [[cell.value for cell in row] for row in book["settings"].iter_rows()]
    assert settings[0][:3] == ["form_title", "form_id", "version"] and settings[1][:3] == ["Открытие", "opening", "3"]


def test_pyxform_converts_our_export_to_an_xform():
    xml = xlsform.xform(xlsform.export(code="opening", number=3, title=TITLE, questions=CLEAN))
    root = etree.fromstring(xml.encode())
    ns = {"xf": "http://www.w3.org/2002/xforms", "h": "http://www.w3.org/1999/xhtml"}
    instance = root.find(".//xf:instance/xf:data", ns)
    assert instance is not None and (instance.get("id"), instance.get("version")) == ("opening", "3")
    binds = {bind.get("nodeset"): bind.get("type") for bind in root.iterfind(".//xf:bind", ns)}
    assert binds["/data/voters"] == "int" and binds["/data/arrived_at"] == "time" and binds["/data/photo"] == "binary"
    languages = {t.get("lang") for t in root.iterfind(".//xf:itext/xf:translation", ns)}
    assert languages == {"Russian (ru)", "Kazakh (kk)", "English (en)"}


def test_text_a_spreadsheet_would_run_is_neutralised_and_comes_back_unchanged():
    questions = [{**CLEAN[4], "label": {"ru": '=HYPERLINK("http://x")'}}]
    content = xlsform.export(code="x", number=1, title=TITLE, questions=questions)
    cell = load_workbook(io.BytesIO(content))["survey"]["C2"].value
    assert cell.startswith("'=")
    assert xlsform.read(content).questions == questions


def test_a_form_from_another_tool_is_read_with_default_labels_groups_and_metadata():
    content = _workbook(
        [
            ["type", "name", "label", "label::English", "required", "relevant"],
            ["start", "start", None, None, None, None],
            ["begin group", "g", "Группа", None, None, None],
            ["select one yn", "present", "Присутствуете?", "Present?", "TRUE", None],
            ["int", "count", "Сколько?", "How many?", "false", "${present} = '1'"],
            ["select_one colour", "colour", "Цвет", None, None, None],
            ["end group", None, None, None, None, None],
        ],
        choices=[
            ["list_name", "name", "label"],
            ["yn", "yes", "Да"],
            ["yn", "no", "Нет"],
            ["colour", "1", "Красный"],
            ["colour", "2", "Синий"],
        ],
        settings=[["form_title", "form_id"], ["Чужая форма", "foreign"]],
    )
    form = xlsform.read(content)
    assert [(q["name"], q["type"], q["required"]) for q in form.questions] == [
        ("present", "yes_no", True),
        ("count", "number", False),
        ("colour", "choice", False),
    ]
    assert form.questions[1]["label"] == {"ru": "Сколько?", "en": "How many?"}
    assert form.questions[2]["choices"] == [
        {"value": "1", "label": {"ru": "Красный"}},
        {"value": "2", "label": {"ru": "Синий"}},
    ]
    assert form.title == {"ru": "Чужая форма"} and form.form_id == "foreign"
    warned = " ".join(form.warnings)
    assert "Row 2" in warned and "Row 3" in warned and "Row 5" in warned  # metadata, group, condition


@pytest.mark.parametrize("kind", ["geopoint", "select_multiple colour", "date", "decimal", "note", "begin repeat"])
def test_unsupported_type_is_refused_with_its_row_number(kind):
    rows = [["type", "name", "label"], ["text", "fine", "Хорошо"], [kind, "bad", "Плохо"]]
    if kind == "begin repeat":
        rows.append(["end repeat", None, None])
    content = _workbook(rows, choices=[["list_name", "name", "label"], ["colour", "red", "Красный"]])
    with pytest.raises(ValidationError) as exc:
        xlsform.read(content)
    assert any(message.startswith("Row 3:") for message in exc.value.message_dict["file"])


def test_a_file_that_is_not_an_xlsform_is_refused():
    with pytest.raises(ValidationError) as exc:
        xlsform.read(b"PK\x03\x04 not really a zip")
    assert exc.value.message_dict["file"]
    with pytest.raises(ValidationError):  # pyxform itself refuses: a select_one of a list that does not exist
        xlsform.read(_workbook([["type", "name", "label"], ["select_one missing", "q", "Вопрос"]]))


@pytest.mark.django_db
def test_importing_into_a_published_checklist_makes_a_new_draft_version(staff_user):
    version = published(stations_election(), by=staff_user)
    foreign = _workbook([["type", "name", "label::Russian (ru)"], ["integer", "queue_length", "Длина очереди"]])
    draft, warnings = checklists.import_xlsform(checklist=version.checklist, content=foreign, by=staff_user)
    assert (draft.number, draft.published_at, warnings) == (2, None, [])
    assert draft.questions == [
        {"name": "queue_length", "type": "number", "label": {"ru": "Длина очереди"}, "required": False, "choices": []}
    ]
    assert draft.title == TITLE  # no form_title: the last version's title is kept
    exported = checklists.export_xlsform(version)
    assert xlsform.read(exported).questions == version.questions
