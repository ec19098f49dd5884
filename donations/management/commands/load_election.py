import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from donations import services


class Command(BaseCommand):
    help = "Create an election from a JSON file, or update it (a changed file adds a new rule version)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the election's JSON file")

    def handle(self, *args, file, **options):
        try:
            spec = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            election, version, changed = services.load_election(spec=spec)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        state = "new rule version" if changed else "unchanged"
        self.stdout.write(self.style.SUCCESS(f"{election.slug}: rule version {version.number} ({state})."))
