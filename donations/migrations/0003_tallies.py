"""The fund's tallies: running sums of the ledger, donations and returns kept by statement-level triggers.

Each trigger reads the statement's transition tables (``new_rows``/``old_rows``) and applies one grouped
INSERT … ON CONFLICT DO UPDATE per statement, so a COPY of a whole batch costs one upsert of a few rows, and an
UPDATE or DELETE subtracts its old rows and adds its new ones. TRUNCATE empties the matching tally. The tallies
are filled from the existing rows here, in the same transaction as the triggers' creation (CREATE TRIGGER locks
the tables against writes until the commit, so no row is missed or counted twice).

Returns get their donation's election (denormalised, backfilled here) for the open-returns index.
"""

import django.db.models.deletion
from django.db import migrations, models


def _upsert(table: str, keys: str, sums: dict[str, str], rows: str) -> str:
    """One grouped upsert of ``rows`` (a subquery with the ``keys`` and a ``sign`` column) into ``table``."""
    totals = ", ".join(f"SUM(sign * {expression})" for expression in sums.values())
    changed = " OR ".join(f"SUM(sign * {expression}) <> 0" for expression in sums.values())
    updates = ", ".join(f"{column} = {table}.{column} + EXCLUDED.{column}" for column in sums)
    # Sorted, so two statements that touch the same tally rows lock them in the same order (no deadlock).
    return (
        f"INSERT INTO {table} ({keys}, {', '.join(sums)}) "
        f"SELECT {keys}, {totals} FROM ({rows}) AS delta GROUP BY {keys} HAVING {changed} ORDER BY {keys} "
        f"ON CONFLICT ({keys}) DO UPDATE SET {updates};"
    )


def _tally(name: str, base: str, table: str, keys: str, columns: str, sums: dict[str, str], events: list[str]):
    """The trigger function and statement triggers that keep ``table`` equal to ``base`` summed by ``keys``."""
    new = f"SELECT {columns}, 1 AS sign FROM new_rows"
    old = f"SELECT {columns}, -1 AS sign FROM old_rows"
    bodies = {
        "INSERT": _upsert(table, keys, sums, new),
        "UPDATE": _upsert(table, keys, sums, f"{new} UNION ALL {old}"),
        "DELETE": _upsert(table, keys, sums, old),
    }
    branches = " ".join(
        f"{'IF' if i == 0 else 'ELSIF'} TG_OP = '{event}' THEN {bodies[event]}" for i, event in enumerate(events)
    )
    sql = [
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {branches} END IF; RETURN NULL; END $$;",
        f"CREATE FUNCTION {name}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {table}; "
        "RETURN NULL; END $$;",
        f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {base} FOR EACH STATEMENT EXECUTE FUNCTION {name}_truncate();",
    ]
    referencing = {
        "INSERT": "NEW TABLE AS new_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }
    for event in events:
        # A trigger with transition tables serves one event only.
        sql.append(
            f"CREATE TRIGGER {name}_{event.lower()} AFTER {event} ON {base} REFERENCING {referencing[event]} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
        )
    totals = ", ".join(f"SUM({expression})" for expression in sums.values())
    sql.append(
        f"INSERT INTO {table} ({keys}, {', '.join(sums)}) SELECT {keys}, {totals} FROM (SELECT {columns} FROM {base}) AS base GROUP BY {keys};"
    )
    drop = [f"DROP FUNCTION IF EXISTS {name}, {name}_truncate CASCADE;", f"DELETE FROM {table};"]
    return sql, drop


_TALLIES = [
    _tally(
        "donations_ledger_tally",
        "donations_ledgerentry",
        "donations_ledgerdaytally",
        "election_id, entry_date, kind, source",
        "election_id, entry_date, kind, source, amount",
        {"amount": "amount", "entries": "1"},
        # The ledger is append-only: UPDATE and DELETE are refused by its own trigger.
        ["INSERT"],
    ),
    _tally(
        "donations_donation_tally",
        "donations_donation",
        "donations_donationtally",
        "election_id, verdict, source",
        "election_id, verdict, source, amount, accepted_amount",
        {"number": "1", "amount": "amount", "accepted_amount": "accepted_amount"},
        ["INSERT", "UPDATE", "DELETE"],
    ),
    _tally(
        "donations_refund_tally",
        "donations_refund",
        "donations_refundtally",
        "election_id, kind, is_open",
        "election_id, kind, completed_on IS NULL AS is_open, amount",
        {"number": "1", "amount": "amount"},
        ["INSERT", "UPDATE", "DELETE"],
    ),
]
TRIGGERS = [statement for sql, _drop in _TALLIES for statement in sql]
DROP_TRIGGERS = [statement for _sql, drop in _TALLIES for statement in drop]


class Migration(migrations.Migration):
    dependencies = [
        ("donations", "0002_list_page_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="DonationTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "verdict",
                    models.CharField(
                        choices=[
                            ("accepted", "Accepted"),
                            ("partially_accepted", "Partially accepted"),
                            ("returned", "Returned"),
                            ("to_budget", "To the budget"),
                            ("held", "Held"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("own", "Candidate's own money"),
                            ("association", "Nominating association"),
                            ("donations", "Donations of citizens and organizations"),
                        ],
                        max_length=12,
                    ),
                ),
                ("number", models.BigIntegerField()),
                ("amount", models.DecimalField(decimal_places=2, max_digits=18)),
                ("accepted_amount", models.DecimalField(decimal_places=2, max_digits=18)),
            ],
        ),
        migrations.CreateModel(
            name="LedgerDayTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("entry_date", models.DateField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("receipt", "Receipt on the account"),
                            ("credit", "Credited to the fund"),
                            ("return", "Returned to the donor"),
                            ("to_budget", "Transferred to the budget"),
                            ("correction", "Correction"),
                        ],
                        max_length=12,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("own", "Candidate's own money"),
                            ("association", "Nominating association"),
                            ("donations", "Donations of citizens and organizations"),
                        ],
                        max_length=12,
                    ),
                ),
                ("amount", models.DecimalField(decimal_places=2, max_digits=18)),
                ("entries", models.BigIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="RefundTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("returned", "Return to the donor"), ("to_budget", "Transfer to the budget")],
                        max_length=12,
                    ),
                ),
                ("is_open", models.BooleanField()),
                ("number", models.BigIntegerField()),
                ("amount", models.DecimalField(decimal_places=2, max_digits=18)),
            ],
        ),
        migrations.AddField(
            model_name="refund",
            name="election",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="refunds",
                to="donations.election",
                verbose_name="election",
            ),
        ),
        migrations.RunSQL(
            # Immediate checks, so the deferred foreign-key events do not block the ALTER TABLE that follows.
            "SET CONSTRAINTS ALL IMMEDIATE; "
            "UPDATE donations_refund AS r SET election_id = d.election_id "
            "FROM donations_donation AS d WHERE d.id = r.donation_id; "
            "SET CONSTRAINTS ALL DEFERRED;",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="refund",
            name="election",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="refunds",
                to="donations.election",
                verbose_name="election",
            ),
        ),
        migrations.AddIndex(
            model_name="refund",
            index=models.Index(
                condition=models.Q(("completed_on__isnull", True)),
                fields=["election", "due_on"],
                include=("amount",),
                name="refund_open_election_due",
            ),
        ),
        migrations.AddField(
            model_name="donationtally",
            name="election",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="donations.election"
            ),
        ),
        migrations.AddField(
            model_name="ledgerdaytally",
            name="election",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="donations.election"
            ),
        ),
        migrations.AddField(
            model_name="refundtally",
            name="election",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="donations.election"
            ),
        ),
        migrations.AddConstraint(
            model_name="donationtally",
            constraint=models.UniqueConstraint(fields=("election", "verdict", "source"), name="donation_tally_unique"),
        ),
        migrations.AddConstraint(
            model_name="ledgerdaytally",
            constraint=models.UniqueConstraint(
                fields=("election", "entry_date", "kind", "source"), name="ledger_day_tally_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="refundtally",
            constraint=models.UniqueConstraint(fields=("election", "kind", "is_open"), name="refund_tally_unique"),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
