"""The benchmark floors of issue #22 item 9 do the same writes as what they are the floor of.

If /join/ or the statement import starts writing another row (a new table, a second audit entry), these tests fail,
and the floor must be brought level again: a floor doing less work than the project is not a floor.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.test import Client, override_settings

from bench import run
from coalition import audit
from coalition.models import AuditEntry, OutboundMessage, Region
from donations.models import CoercionAlert, Decision, Donation, Election, LedgerEntry, Refund, RuleVersion
from donations.services import import_bank_statement
from members.models import Affiliation, Consent, IdentityClaim, Organization, Person, StatusChange
from tests.donations import factories as f


def _table_counts() -> dict[str, int]:
    """Rows in every table of the project (models and their many-to-many tables)."""
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _added(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {table: after[table] - before[table] for table in after if after[table] != before[table]}


def _region() -> Region:
    region = Region.objects.order_by("code").first()
    return region or Region.objects.create(code="KZ-71", name_ru="Астана", name_kk="Астана", name_en="Astana")


def _post(client: Client, path: str, bin_: str, region: Region) -> None:
    client.get(path)
    response = client.post(
        path, run.join_body(region.pk).replace("BINVALUE", bin_), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 302 and "/done/" in response["Location"], response.status_code


_VOLATILE = {"id", "created_at", "at", "given_at", "send_after", "bin", "hash", "prev_hash", "object_id", "key"}
_NEW_IDS = {"organization_id", "person_id", "claim_id"}


def _row(model, pk_after: int, pk_upto: int | None = None) -> dict:
    rows = model.objects.filter(pk__gt=pk_after)
    row = (rows if pk_upto is None else rows.filter(pk__lte=pk_upto)).values().get()
    return {name: value for name, value in row.items() if name not in _VOLATILE | _NEW_IDS}


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.urls")
def test_the_join_floor_writes_every_row_a_join_post_writes():
    region = _region()
    bins = run.fresh_bins(2, seed=22)
    models = [Organization, Person, IdentityClaim, Affiliation, Consent, StatusChange, AuditEntry, OutboundMessage]

    def last_ids() -> dict:
        return {model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for model in models}

    before, ids_before = _table_counts(), last_ids()
    _post(Client(), "/join/", bins[0], region)
    middle, ids_middle = _table_counts(), last_ids()
    _post(Client(), run.JOIN_FLOOR, bins[1], region)
    after = _table_counts()

    by_join, by_floor = _added(before, middle), _added(middle, after)
    assert by_floor == by_join, (by_join, by_floor)
    assert by_join["members_organization"] == 1 and by_join["django_session"] == 1
    assert by_join["coalition_auditentry"] == 1 and by_join["coalition_outboundmessage"] == 1
    for model in models:  # the same values, but for ids, times, the BIN and what is derived from them
        project, floor = _row(model, ids_before[model], ids_middle[model]), _row(model, ids_middle[model])
        for row in (project, floor):
            for name in ("subject", "body", "object_repr"):
                if name in row:
                    row[name] = re.sub(r"\d{4}-\d{6}", "N", row[name])
            if model is AuditEntry:
                row["data"] = {**row["data"], "bin": "", "representative": 0}
        assert floor == project, model
    assert audit.verify()[1] is None  # the floor's entry is chained like the app's


@pytest.mark.django_db(transaction=True)
def test_the_import_floor_copies_every_row_the_import_wrote_then_leaves_nothing():
    base = f.election(slug="floor-base")
    version = RuleVersion.objects.filter(election=base).get()
    fund = run._import_fund(base, version, "bench-import")
    burst = [  # twelve people giving on one day with one purpose: a coercion alert and its donation links
        ["2026-05-05", f"S-{i}", "1000", "KZT", f"Донор {i}", f.iin(), "individual", "", "Взнос от коллектива"]
        for i in range(12)
    ]
    anonymous = [["2026-05-06", "A-1", "500", "KZT", "", "", "", "", "без имени"]]  # a transfer to the budget
    statement = import_bank_statement(election=fund, file_name="floor.csv", content=f.statement_csv(burst + anonymous))
    assert CoercionAlert.objects.filter(election=fund).exists() and Refund.objects.filter(election=fund).exists()
    wrote = (
        1  # the statement
        + Donation.objects.filter(election=fund).count()
        + Decision.objects.filter(donation__election=fund).count()
        + LedgerEntry.objects.filter(election=fund).count()
        + Refund.objects.filter(election=fund).count()
        + CoercionAlert.objects.filter(election=fund).count()
        + CoercionAlert.donations.through.objects.filter(coercionalert__election=fund).count()
        + AuditEntry.objects.filter(object_type__in=["donations.statementimport", "donations.coercionalert"]).count()
    )
    before = _table_counts()

    seconds, written = run.same_rows_floor(election=fund, statement=statement, base=base, version=version)

    assert seconds > 0 and written == wrote
    assert _table_counts() == before  # rolled back: no twin fund, no row left
    assert not Election.objects.filter(slug__startswith="bench-floor-").exists()
    assert audit.verify()[1] is None
