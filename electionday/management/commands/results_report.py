"""python manage.py results_report --election SLUG --format json|csv|xlsx|pdf --output PATH|- (issue #19)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from coalition.models import Election
from electionday import results, results_export


class Command(BaseCommand):
    help = (
        "Write an election's results from the observers' protocols: each station's status, failed checks, conflict "
        "and differences from the official protocol, and the totals of the usable stations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True, help="The election's slug.")
        parser.add_argument("--format", choices=results_export.FORMATS, default="json")
        parser.add_argument("--output", default="-", help="A file path, or - for standard output.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the PDF (Russian by default).",
        )

    def handle(self, *args: Any, election: str, format: str, output: str, language: str, **options: Any) -> None:
        target = Election.objects.filter(slug=election).first()
        if target is None:
            raise CommandError(f"No election with the slug {election!r}.")
        with translation.override(language):
            if format == "json":
                content = results.results_json(target)
            else:
                content = results_export.render(results.compute(target), format)
        if output == "-":
            if format in ("json", "csv"):
                self.stdout.write(content.decode("utf-8-sig"), ending="\n" if format == "json" else "")
            else:
                self.stdout.flush()
                sys.stdout.buffer.write(content)
                sys.stdout.buffer.flush()
        else:
            try:
                Path(output).write_bytes(content)
            except OSError as exc:
                raise CommandError(str(exc)) from exc
