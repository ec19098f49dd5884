"""What the election fund's models grant to each role (synced into the groups after every migrate)."""

from coalition.roles import Role

_MODELS = (
    "ruleversion",
    "donor",
    "pledge",
    "statementimport",
    "donation",
    "decision",
    "refund",
    "ledgerentry",
    "compliancereport",
    "coercionalert",
    "correction",
)

PERMISSIONS = {
    # Finance officers run the fund: they add rule versions, keep the registry, import and enter money,
    # release holds and record returns. Nobody changes ledger rows, decisions or rule versions (append-only).
    Role.FINANCE_OFFICER: [
        *(f"donations.view_{model}" for model in _MODELS),
        # The election itself is coalition-wide (coalition.Election); the fund's officers keep it.
        "coalition.view_election",
        "coalition.add_election",
        "coalition.change_election",
        "donations.add_ruleversion",
        "donations.add_donor",
        "donations.change_donor",
        "donations.add_statementimport",
        "donations.add_donation",
        "donations.change_donation",
        "donations.change_refund",
        # A correction is proposed by one finance officer and approved by another (four eyes, in the service);
        # nobody adds ledger rows by hand.
        "donations.add_correction",
        "donations.approve_correction",
    ],
    # Auditors read everything, in /audit/ and in the compliance reports.
    Role.AUDITOR: ["coalition.view_election", *(f"donations.view_{model}" for model in _MODELS)],
    # The integrity officer reviews coercion alerts (the hotline links them).
    Role.INTEGRITY_OFFICER: ["donations.view_coercionalert", "donations.change_coercionalert"],
}
