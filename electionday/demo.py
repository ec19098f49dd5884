"""Demo data for election day (idempotent): the default checklists of the demo election, published."""

from __future__ import annotations

from django.core.management.base import OutputWrapper

from coalition.models import Election
from electionday.services.checklists import seed_default_checklists

DEMO_ELECTION = "president-2026"  # donations.demo.SLUG (loaded before this module)


def load(stdout: OutputWrapper) -> None:
    election = Election.objects.filter(slug=DEMO_ELECTION).first()
    if election is None:
        stdout.write("Election day: no demo election, no checklists.")
        return
    created = seed_default_checklists(election)
    stdout.write(f"Election day: {created} checklists created for {election.slug}.")
