"""python manage.py import_protocols FILE.csv --election SLUG --source observer|official (docs/election-day.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coalition.models import Election
from electionday.services import protocols

MAX_FILE_BYTES = 50 * 1024 * 1024  # 10,000 stations × a few reporters is a few MB


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


class Command(BaseCommand):
    help = (
        "Import precinct protocols from a CSV file (UTF-8). Header: station,client_id,reporter,voters,received,"
        "issued,cancelled,in_boxes,invalid,against_all then one column c_<code> per candidate of the election. "
        "A refused row is reported with its line number and stores nothing; the others are stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--election", required=True, help="The election's slug.")
        parser.add_argument("--source", required=True, choices=["observer", "official"])

    def handle(self, *args: Any, file: str, election: str, source: str, **options: Any) -> None:
        target = Election.objects.filter(slug=election).first()
        if target is None:
            raise CommandError(f"No election with the slug {election!r}.")
        path = Path(file)
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise CommandError("The file is not UTF-8 text.") from exc
        try:
            summary = protocols.import_file(election=target, kind=source, rows=_rows(text))
        except protocols.FileRefused as exc:
            raise CommandError(f"The file was refused, nothing was imported: {exc}") from exc
        except csv.Error as exc:  # a broken line stops the reading; the rows before it were stored
            raise CommandError(f"The file is not valid CSV (line {exc}); rows before it were stored.") from exc
        refused = summary.refused
        for line, reason in refused:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(
            f"stored: {summary.stored}, duplicate: {summary.duplicate}, replaced: {summary.replaced}, "
            f"unchanged: {summary.unchanged}, refused: {len(refused)}"
        )
        if refused:
            raise CommandError(f"{len(refused)} row(s) refused; the other rows were stored.")
