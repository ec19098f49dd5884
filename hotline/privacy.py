"""Which hotline fields hold personal data or secrets (see coalition/privacy.py for the levels).

The reporter's identity is the integrity officer's alone (Law 94-V and the hotline policy): ``SECRET``, shown on
no admin site, and :class:`ReporterIdentity` is registered on none. What a report says names people (the accused,
witnesses, sometimes the reporter): ``PERSONAL``, kept off /audit/, where auditors check the handling (dates,
status, forwardings, identity accesses), not the content.
"""

from coalition.privacy import Privacy

CLASSIFIED = {
    "ReporterIdentity": {
        "full_name": Privacy.SECRET,
        "phone": Privacy.SECRET,
        "email": Privacy.SECRET,
        "other_contact": Privacy.SECRET,
    },
    "Report": {
        "secret_hash": Privacy.SECRET,
        "description": Privacy.PERSONAL,
        "involved": Privacy.PERSONAL,
        "locality": Privacy.PERSONAL,
    },
    "ReportUpdate": {"text": Privacy.PERSONAL},
    "Evidence": {"file": Privacy.SECRET},
    "CaseNote": {"text": Privacy.PERSONAL},
    "Forwarding": {"letter": Privacy.SECRET, "outcome": Privacy.PERSONAL},
    "IdentityAccess": {"ip_address": Privacy.PERSONAL},
    "HotlinePolicy": {"escalation_emails": Privacy.PERSONAL},
}
