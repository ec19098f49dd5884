"""python manage.py quick_count --election SLUG --sample FILE.csv [--z 1.96] --format json --output PATH|-
python manage.py quick_count --election SLUG --draw N --seed S [--output PATH|-] (issue #19)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coalition.models import Election
from electionday import quickcount


class Command(BaseCommand):
    help = (
        "A quick count (parallel vote tabulation): estimate each candidate's share, against all and the turnout with "
        "their margins over a sample of stations (--sample FILE.csv: header 'station', one station a line), or draw "
        "such a sample, stratified by region (--draw N --seed S)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True, help="The election's slug.")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--sample", help="The sample file (CSV: header 'station', one station number a line).")
        what.add_argument("--draw", type=int, metavar="N", help="Draw a sample of N stations and write it as CSV.")
        parser.add_argument("--seed", type=int, help="The random seed of --draw (the same seed, the same sample).")
        parser.add_argument("--z", type=float, default=1.96, help="The normal quantile of the margin (1.96: 95 %%).")
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("--output", default="-", help="A file path, or - for standard output.")

    def handle(self, *args: Any, election: str, output: str, **options: Any) -> None:
        target = Election.objects.filter(slug=election).first()
        if target is None:
            raise CommandError(f"No election with the slug {election!r}.")
        if options["draw"] is not None:
            if options["seed"] is None:
                raise CommandError("--draw needs --seed, so the sample can be drawn again.")
            try:
                names = quickcount.draw(target, options["draw"], options["seed"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self._write(quickcount.sample_csv(names), output)
            return
        z = options["z"]
        if not math.isfinite(z) or z <= 0:
            raise CommandError("--z must be a positive number.")
        try:
            content = Path(options["sample"]).read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = quickcount.estimate(target, quickcount.read_sample(content), z=z)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if result.note:
            self.stderr.write(result.note)
        self._write(json.dumps(result.as_data(), ensure_ascii=False, indent=2).encode() + b"\n", output)

    def _write(self, content: bytes, output: str) -> None:
        if output == "-":
            self.stdout.write(content.decode(), ending="")
            return
        try:
            Path(output).write_bytes(content)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
