"""Which fields of the election fund hold personal data (see coalition/privacy.py for the levels).

Who gave to the fund, how much and under which declaration is what the auditors check and what is reported to
the election commission (Art. 34 of the election law): ``AUDITED``, shown on /audit/ too.
"""

from coalition.privacy import Privacy

CLASSIFIED = {
    "Donor": {
        "identifier": Privacy.AUDITED,
        "name": Privacy.AUDITED,
        "notes": Privacy.PERSONAL,
        "employer": Privacy.PERSONAL,
    },
    "Pledge": {"payer_id": Privacy.AUDITED, "name": Privacy.AUDITED, "declaration_text": Privacy.AUDITED},
    "Donation": {"payer_id": Privacy.AUDITED, "payer_name": Privacy.AUDITED},
    "LedgerEntry": {"payer_id": Privacy.AUDITED},
    # The bank statement as uploaded and its row errors: every payer of the file, before any check.
    "StatementImport": {"content": Privacy.PERSONAL, "errors": Privacy.PERSONAL},
}
