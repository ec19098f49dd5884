import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from donations import reports
from donations.models import Election


class Command(BaseCommand):
    help = "Write the compliance report of an election as JSON, CSV, XLSX or PDF."

    def add_arguments(self, parser):
        parser.add_argument("--election", required=True, help="the election's slug")
        parser.add_argument("--format", choices=reports.FORMATS, default="json")
        parser.add_argument("--output", default="-", help="a file path, or - for standard output")

    def handle(self, *args, election, format, output, **options):
        try:
            target = Election.objects.get(slug=election)
        except Election.DoesNotExist as exc:
            raise CommandError(f"No election {election!r}.") from exc
        content = reports.report_bytes(target, format)
        if output == "-":
            if format in ("json", "csv"):
                self.stdout.write(content.decode("utf-8-sig"), ending="")
            else:
                sys.stdout.buffer.write(content)
        else:
            Path(output).write_bytes(content)
