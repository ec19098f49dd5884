"""``manage.py seed_checklists --election SLUG``: the default election-day checklists, published (idempotent).

Arrival and opening, turnout checkpoints at 10:00, 12:00, 14:00, 16:00 and 18:00, closing and count, in Russian,
Kazakh and English. A checklist the election already has (by its code) is left alone, so running it again changes
nothing; staff edit the forms afterwards on the election's checklist page (an edit makes a new version).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coalition.models import Election
from electionday.services.checklists import DEFAULT_CHECKLISTS, seed_default_checklists


class Command(BaseCommand):
    help = "Give an election the default election-day checklists, published (idempotent)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--election", required=True, help="the election's slug (see load_election)")

    def handle(self, *args: Any, election: str, **options: Any) -> None:
        target = Election.objects.filter(slug=election).first()
        if target is None:
            raise CommandError(f"No election with the slug {election!r}: load it first (load_election FILE.json).")
        created = seed_default_checklists(target)
        self.stdout.write(
            f"Checklists for {target.slug}: {created} created, {len(DEFAULT_CHECKLISTS) - created} already there."
        )
