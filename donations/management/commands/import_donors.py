from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from donations import services
from donations.parsing import FileRefused


class Command(BaseCommand):
    help = "Upsert the donor registry from a CSV file (UTF-8, header id,kind,name,citizenship,category)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            summary = services.import_donors(content=Path(file).read_bytes())
        except (OSError, FileRefused) as exc:
            raise CommandError(str(exc)) from exc
        for error in summary["errors"]:
            self.stderr.write(f"line {error['line']}: {error['error']}")
        self.stdout.write(
            f"rows read: {summary['read']}, created: {summary['created']}, updated: {summary['updated']}, "
            f"refused: {len(summary['errors'])}"
        )
