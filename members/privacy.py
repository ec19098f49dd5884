"""Which fields of the members app hold personal data or secrets (see coalition/privacy.py for the levels)."""

from coalition.privacy import Privacy

CLASSIFIED = {
    "Person": {
        "full_name": Privacy.PERSONAL,
        "iin": Privacy.PERSONAL,
        "phone": Privacy.PERSONAL,
        "email": Privacy.PERSONAL,
    },
    "Organization": {"head_name": Privacy.PERSONAL},
    "IdentityClaim": {"claimed": Privacy.PERSONAL},
    "StatementOfSupport": {"speaker_name": Privacy.PERSONAL},
    "Invitation": {"email": Privacy.PERSONAL, "token_hash": Privacy.SECRET},
    "ProfileChange": {"changes": Privacy.PERSONAL},  # a new head's name, phone or address
    "PeopleImport": {"content": Privacy.PERSONAL, "summary": Privacy.PERSONAL},  # rows and row errors
}
