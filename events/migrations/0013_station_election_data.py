"""Stations belong to an election (issue #18), step 2 of 3: the stations already recorded go to the current election.

Until now stations hung on one implicit campaign; they are put on the election the staff pages propose by default
(the one with the nearest election day still to come, else the newest: ``events.selectors.default_election``, the
same rule, copied here since a migration must not import the app's code).

Why the election then becomes required (0014) instead of staying nullable: every station on election day is read
through its election (the API, checklists, protocols, the uniqueness of its number), and a nullable column would
make every one of those places handle a station of no election, for the sake of a database that has stations but
no election at all. That case cannot be resolved by guessing: this step then creates nothing and refuses, naming
what to do (load the election with ``load_election FILE.json``, then ``migrate`` again); step 1 stays applied and
harmless (nullable columns), and no row is changed. A database without stations (a new installation) passes.
"""

from django.db import migrations
from django.utils import timezone


def current_election(Election):
    today = timezone.localdate()
    upcoming = Election.objects.filter(election_day__gte=today).order_by("election_day", "-created_at").first()
    return upcoming or Election.objects.order_by("-created_at", "-pk").first()


def stations_to_current_election(apps, schema_editor):
    PollingStation = apps.get_model("events", "PollingStation")
    Election = apps.get_model("coalition", "Election")
    unassigned = PollingStation.objects.filter(election__isnull=True)
    if not unassigned.exists():
        return
    election = current_election(Election)
    if election is None:
        raise RuntimeError(
            f"{unassigned.count()} polling stations exist but no election does: nothing was changed. Load the "
            "election first (python manage.py load_election FILE.json), then run migrate again; the stations "
            "will be put on it."
        )
    unassigned.update(election=election)


def nothing(apps, schema_editor):
    """Going back: the column is dropped by 0012's reversal; nothing to undo here."""


class Migration(migrations.Migration):
    dependencies = [
        ("coalition", "0005_election_schedule"),
        ("events", "0012_station_election_added"),
    ]

    operations = [migrations.RunPython(stations_to_current_election, nothing)]
