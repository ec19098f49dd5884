"""Which fields of election day hold personal data or secrets (see coalition/privacy.py for the levels).

Tokens are kept only as hashes, but a hash still opens nothing to a reader only if nobody can read it: ``SECRET``.
A reporter's IIN and the photos (faces, documents) are personal; what an observer wrote may name people.
"""

from coalition.privacy import Privacy

CLASSIFIED = {
    "SignInLink": {"token_hash": Privacy.SECRET},
    "Device": {"token_hash": Privacy.SECRET, "label": Privacy.PERSONAL},
    "Submission": {"answers": Privacy.PERSONAL},
    "Incident": {"text": Privacy.PERSONAL},
    "Protocol": {"reporter_iin": Privacy.PERSONAL},
    "Attachment": {"file": Privacy.PERSONAL},
}
