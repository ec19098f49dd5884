"""The campaign period becomes the election's (issue #18: one election object, coalition-wide).

Each campaign's agitation start moves onto the election with the same election day; a current campaign with no such
election goes onto the election the staff pages propose (nearest election day ahead, else the newest) when that
election has no period yet, taking its day too. A campaign that fits no election is dropped: with no election there
are no stations, assignments or fund to plan against (its dates are printed so nothing is lost silently).
"""

from django.db import migrations
from django.db.models import F


def move_periods(apps, schema_editor):
    Campaign = apps.get_model("events", "Campaign")
    Election = apps.get_model("coalition", "Election")
    for campaign in Campaign.objects.order_by("-is_current", "-election_day"):
        election = Election.objects.filter(election_day=campaign.election_day).order_by("-created_at").first()
        if election is None and campaign.is_current:
            election = (
                Election.objects.filter(agitation_starts_on__isnull=True)
                .order_by(F("election_day").asc(nulls_last=True), "-created_at")
                .first()
            )
        if election is None:
            print(  # a migration's only way to tell the operator
                f"\n  campaign {campaign.name!r} ({campaign.agitation_starts_on}..{campaign.election_day}) "
                "fits no election: set its period on the election's rules page."
            )
            continue
        day = election.election_day or campaign.election_day
        if election.agitation_starts_on is None and campaign.agitation_starts_on < day:
            election.agitation_starts_on = campaign.agitation_starts_on
            election.election_day = election.election_day or campaign.election_day
            election.dates_source = campaign.source
            election.save(update_fields=["agitation_starts_on", "election_day", "dates_source"])


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0014_station_election_required"),
        ("coalition", "0006_campaign_period_is_the_elections"),
    ]

    operations = [
        migrations.RunPython(move_periods, migrations.RunPython.noop),
        migrations.DeleteModel(name="Campaign"),
    ]
