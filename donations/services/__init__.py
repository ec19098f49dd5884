"""Every write of the election fund: one transaction each, with its audit entry inside.

Intake decisions lock the election's row (``SELECT ... FOR UPDATE``) while they read the fund's totals, decide
and write: two payments for the same fund are then decided one after the other, so together they can never pass
a cap (plain check-then-insert overshot caps by 12-22 % under load, see docs/conventions.md).
"""

from donations.services.alerts import detect_coercion, mark_alert_reviewed
from donations.services.corrections import approve_correction, propose_correction, reject_correction
from donations.services.elections import (
    RULE_FIELDS,
    add_rule_version,
    create_election,
    create_pledge,
    default_rule_values,
    import_donors,
    load_election,
    new_reference,
    save_donor,
)
from donations.services.intake import (
    Incoming,
    payer_for,
    record_donation,
    record_refund_payment,
    release_hold,
)
from donations.services.reporting import file_daily_reports, send_deadline_alerts
from donations.services.statements import create_statement_import, import_bank_statement, run_statement_import

__all__ = [
    "RULE_FIELDS",
    "Incoming",
    "add_rule_version",
    "approve_correction",
    "create_election",
    "create_pledge",
    "create_statement_import",
    "default_rule_values",
    "detect_coercion",
    "file_daily_reports",
    "import_bank_statement",
    "import_donors",
    "load_election",
    "mark_alert_reviewed",
    "new_reference",
    "payer_for",
    "propose_correction",
    "record_donation",
    "record_refund_payment",
    "reject_correction",
    "release_hold",
    "run_statement_import",
    "save_donor",
    "send_deadline_alerts",
]
