"""`make bench` end to end at a tiny scale: every benchmark runs against its floor and the table has every row.

No target is asserted here (the figures of a 1/1000 data set on a shared machine mean little); the full run is
`make bench SCALE=1` (docs/performance.md).
"""

import io
import shutil

import pytest
from django.test import override_settings

from bench import run

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@override_settings(ROOT_URLCONF="bench.urls")
def test_bench_prints_every_row():
    out = io.StringIO()
    # /join/ runs under wrk (Debian's package, which `make test` installs when it runs as root).
    has_wrk = shutil.which("wrk") is not None
    only = None if has_wrk else {"pages", "report", "import", "reminders"}
    report = run.run(0.001, out=out, page_requests=3, reminders=40, join_requests=200, only=only)
    text = out.getvalue()

    names = [name for name, _path in run.staff_pages()]
    whats = [row.what for row in report.rows]
    # Each of the import and /join/ also prints its issue #10 floor, labelled as history (issue #22 item 9).
    assert len(report.rows) == len(names) + (6 if has_wrk else 4), whats
    for name in names:
        assert any(what.startswith(f"{name} p95") for what in whats), name
    for start in ("compliance report", "statement import", "reminders delivered", "/join/ GET+POST")[
        : 4 if has_wrk else 3
    ]:
        assert any(what.startswith(start) for what in whats), start
    table = text[text.index("\nbenchmark ") :]
    for row in report.rows:
        assert row.what in table
        assert row.ratio is not None and row.ratio > 0
    assert "PASS" in table or "FAIL" in table
    imported = next(row for row in report.rows if row.what.startswith("statement import"))
    assert "COPY of its" in imported.floor and imported.passed is not None, imported
    assert any(row.what.startswith("history: statement import") and row.passed is None for row in report.rows)
    if has_wrk:
        join = next(row for row in report.rows if row.what.startswith("/join/"))
        assert ", 0 errors" in join.project and ", 0 errors" in join.floor, join  # every answer as expected
        assert "hand-written SQL" in join.floor, join
        history = next(row for row in report.rows if row.what.startswith("history: /join/"))
        assert ", 0 errors" in history.floor and history.passed is None, history


def test_election_night_burst_loses_and_duplicates_nothing(settings):
    """`make bench-election` at a smoke size: the day and the 20:00 burst against gunicorn, every report sent twice;
    the server's rows match the client's log exactly and every answer is 201 stored or 200 duplicate."""
    from bench import electionday

    out = io.StringIO()
    night = electionday.evening(0.002, out=out, concurrency=8, submissions=80)
    text = electionday.render(night)
    print(out.getvalue(), text)

    assert night.day.reports == 80 and night.day.requests == 160
    assert night.burst.reports == 2 * 2 * 20 and night.burst.requests == 2 * night.burst.reports
    for phase in (night.day, night.burst):
        assert phase.errors == 0, phase.statuses
        assert set(phase.statuses) <= {"200", "201"}, phase.statuses
        assert phase.statuses["201"] == phase.reports  # each report stored once, its copy answered "duplicate"
        assert not phase.unsettled
    assert night.ledger.expected == night.ledger.found == night.day.reports + night.burst.reports
    assert night.ledger.clean, night.ledger
    assert "lost 0, duplicated 0" in text and "20:00 burst:" in text
    assert night.results is not None and night.results.floor_s > 0
    if night.results.ratio is not None:  # results_report is there: it must say what the SQL floor says
        assert night.results.same_totals, night.results.notes
