"""Every spreadsheet export neutralises cells a spreadsheet would run as a formula (CSV/formula injection)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coalition.spreadsheets import looks_like_formula
from donations import services as donation_services
from tests.donations import factories as f
from tests.events.factories import EventFactory, StationFactory
from tests.factories import OrganizationFactory
from tests.fuzz import tally
from tests.fuzz.conftest import rolled_back
from tests.fuzz.strategies import FORMULAS

pytestmark = pytest.mark.django_db

formulas = st.one_of(
    st.sampled_from(FORMULAS),
    st.builds(lambda lead, rest: lead + rest, st.sampled_from("=+-@\t\r"), st.text(min_size=1, max_size=30)),
).filter(lambda value: looks_like_formula(value) and "\x00" not in value)


def _cells(response) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":  # xlsx
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content))
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"a formula cell in {sheet.title}: {cell.value!r}"
                    if isinstance(cell.value, str):
                        cells.append(cell.value)
        return cells
    text = content.decode("utf-8-sig")
    delimiter = ";" if text.count(";") > text.count(",") else ","
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


@pytest.fixture
def data_for_exports(db):
    return f.election()


@given(value=formulas)
def test_every_export_neutralises_formulas(client_for, superuser, data_for_exports, value):
    election = data_for_exports
    client = client_for(superuser)
    with rolled_back():
        OrganizationFactory(name_ru=value, short_name=value[:50], address=value)
        EventFactory(title=value[:200], place=value[:300])
        StationFactory(address=value[:300])
        donation_services.record_donation(election=election, incoming=f.incoming(amount="1000", name=value[:300]))
        exports = {
            "members csv": "/staff/members/export/csv/",
            "members xlsx": "/staff/members/export/xlsx/",
            "events csv": "/events/?export=csv",
            "events xlsx": "/events/?export=xlsx",
            "stations csv": "/events/stations/?export=csv",
            "stations xlsx": "/events/stations/?export=xlsx",
            "disclosure csv": f"/donations/{election.slug}/disclosure.csv",
            "compliance csv": f"/donations/{election.slug}/reports/compliance.csv",
            "compliance xlsx": f"/donations/{election.slug}/reports/compliance.xlsx",
        }
        for name, url in exports.items():
            response = tally.run(f"export: {name}", lambda url=url: client.get(url))
            assert response.status_code == 200, (name, response.status_code)
            dangerous = [cell for cell in _cells(response) if looks_like_formula(cell)]
            assert not dangerous, (name, dangerous)
