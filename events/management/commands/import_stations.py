"""``manage.py import_stations FILE.csv --election SLUG``: an election's polling stations from a CSV file (issue #18).

Header ``number,region,address,voters`` (``voters`` may be left out, as in files for the staff page's older header;
the region is its ISO code, e.g. KZ-35). The same reading and rules as the staff page's import, with no region limit:
a file with a refused line is refused whole, each refused line named by its line number, and the command exits with
a non-zero status; otherwise it prints one line: how many stations were created, changed and left unchanged.
Running it again with the same file changes nothing and says so.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coalition.models import Election
from events.services import station_import


class Command(BaseCommand):
    help = "Import an election's polling stations from a CSV file (header number,region,address,voters)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8, header number,region,address,voters")
        parser.add_argument("--election", required=True, help="the election's slug (see load_election)")

    def handle(self, *args: Any, file: str, election: str, **options: Any) -> None:
        target = Election.objects.filter(slug=election).first()
        if target is None:
            raise CommandError(f"No election with the slug {election!r}: load it first (load_election FILE.json).")
        try:
            content = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from exc
        try:
            totals = station_import.import_stations(content=content, filename=Path(file).name, election=target, by=None)
        except station_import.StationImportError as exc:
            raise CommandError("The file was refused; nothing was imported.\n" + "\n".join(exc.messages)) from exc
        except station_import.ImportRefused as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if totals["new"] + totals["change"] == 0:
            self.stdout.write(f"Stations of {target.slug}: nothing to change, {totals['unchanged']} unchanged.")
            return
        self.stdout.write(
            f"Stations of {target.slug}: {totals['new']} created, {totals['change']} changed, "
            f"{totals['unchanged']} unchanged."
        )
