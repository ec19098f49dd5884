"""The one spreadsheet helper: formula neutralising, typed XLSX cells, CSV with a BOM."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from coalition import spreadsheets
from coalition.spreadsheets import FORMULA_PREFIXES, is_plain_number, looks_like_formula, neutralise


@pytest.mark.parametrize(
    "value", ["=SUM(A1:A9)", "+7 701", "+7", "@cmd", "\t=1", "\r=1", "-", "-1e5", "--1", "-1.", "-.5", "=cmd|x!A0"]
)
def test_formula_like_text_gets_a_leading_apostrophe(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["-1", "-1500.00", "42", "0.5", "Союз", "", "a=1", " =1", "'=1"])
def test_plain_numbers_and_plain_text_are_left_alone(value):
    assert neutralise(value) == value


def test_non_text_values_are_left_alone():
    today = datetime.date(2026, 11, 27)
    assert [neutralise(v) for v in (5, Decimal("-1.50"), today, None)] == [5, Decimal("-1.50"), today, None]


def test_lazy_translations_are_text():
    title = gettext_lazy("Title")
    assert neutralise(title) == str(title) and type(neutralise(title)) is str


def test_only_ascii_digits_make_a_plain_number():
    assert is_plain_number("-12") and not is_plain_number("-١٢") and not is_plain_number("-1\n")
    assert looks_like_formula("-١٢")


def _read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _read_xlsx(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_csv_has_a_bom_commas_and_fixed_date_forms():
    moment = timezone.make_aware(datetime.datetime(2026, 11, 27, 9, 30), timezone.get_default_timezone())
    content = spreadsheets.csv_bytes([["Имя", datetime.date(2026, 1, 2), moment, Decimal("1500.00"), None, 3]])
    assert content.decode("utf-8-sig") == "Имя,2026-01-02,2026-11-27 09:30,1500.00,,3\r\n"
    assert _read_csv(spreadsheets.csv_bytes([[moment]], datetime_format="%d.%m.%Y %H:%M")) == [["27.11.2026 09:30"]]


def test_xlsx_holds_numbers_and_dates_as_typed_values_and_times_in_local_time():
    moment = datetime.datetime(2026, 11, 27, 4, 30, tzinfo=datetime.UTC)  # 09:30 in Almaty (UTC+5)
    content = spreadsheets.xlsx_bytes(
        [["=1", "-1", Decimal("-1500.00"), 7, datetime.date(2026, 1, 2), moment, None, True]], title="a/b:c"
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "a b c"
    row = next(sheet.iter_rows(values_only=True))
    assert row[:4] == ("'=1", "-1", -1500, 7)
    assert row[4] == datetime.datetime(2026, 1, 2) and row[5] == datetime.datetime(2026, 11, 27, 9, 30)
    assert row[6] is None and row[7] is True
    cells = next(sheet.iter_rows())
    assert cells[1].data_type == "s" and cells[2].data_type == "n" and cells[4].is_date


def test_xlsx_drops_characters_xml_cannot_hold_without_letting_a_formula_through():
    row = _read_xlsx(spreadsheets.xlsx_bytes([["\x01=cmd|x", "a\x00b"]]))[0]
    assert row == ("'=cmd|x", "ab")


def test_non_finite_numbers_are_written_as_text():
    row = _read_xlsx(spreadsheets.xlsx_bytes([[Decimal("NaN"), float("inf")]]))[0]
    assert row == ("NaN", "inf")


def test_responses_are_attachments_with_a_safe_name():
    response = spreadsheets.response("csv", [["a"]], 'x"; evil')
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x___evil.csv"'
    response = spreadsheets.response("xlsx", [["a"]], "people-2026-11-27", title="People")
    assert response["Content-Type"] == spreadsheets.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="people-2026-11-27.xlsx"'
    with pytest.raises(ValueError):
        spreadsheets.response("pdf", [], "x")


def _safe(cell) -> bool:
    return not isinstance(cell, str) or not cell.startswith(FORMULA_PREFIXES) or is_plain_number(cell)


cells = st.one_of(
    st.text(alphabet=st.sampled_from("=+-@\t\r\n\x00\x01'\" ;,.0123456789a١Я"), max_size=12),
    st.text(max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.integers(),
    st.none(),
    st.dates(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a busy shared machine
@given(st.lists(st.lists(cells, max_size=6), max_size=5))
def test_no_exported_cell_starts_with_a_formula_character_unless_a_plain_number(rows):
    csv_rows = _read_csv(spreadsheets.csv_bytes(rows))
    assert all(_safe(cell) for row in csv_rows for cell in row)
    xlsx_rows = _read_xlsx(spreadsheets.xlsx_bytes(rows))
    assert all(_safe(cell) for row in xlsx_rows for cell in row)
    # Text keeps its content: the apostrophe is the only change, besides what XML cannot hold.
    texts = [cell for row in rows for cell in row if isinstance(cell, str) and "\r" not in cell]
    flat = [cell for row in csv_rows for cell in row]
    for text in texts:
        assert text in flat or "'" + text in flat
