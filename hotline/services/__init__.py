"""Every hotline workflow that writes: one transaction each, with its audit entry inside.

One module per subject (submission, casework, identity, forwarding, deadlines, patterns, retention); this package
re-exports their public functions, so ``from hotline import services`` and ``services.submit_report(...)`` read the
same wherever they are called. Audit entries never carry a reporter's identity or the text of a report, only codes
and ids.
"""

from hotline.services.casework import add_note, close_report, publish_policy, triage_report
from hotline.services.deadlines import escalate_sla_breaches, send_follow_up_reminders
from hotline.services.forwarding import forward_report, record_agency_answer
from hotline.services.identity import (
    IDENTITY_COLUMNS,
    approve_disclosure,
    may_include_identity,
    reencrypt_identity_vault,
    request_disclosure,
    reveal_identity,
)
from hotline.services.patterns import detect_patterns
from hotline.services.retention import anonymise_expired_reports
from hotline.services.submission import (
    CODE_ALPHABET,
    CONSENT_TEXT_VERSION,
    IdentityData,
    Receipt,
    add_information,
    submit_report,
)

__all__ = [
    "CODE_ALPHABET",
    "CONSENT_TEXT_VERSION",
    "IDENTITY_COLUMNS",
    "IdentityData",
    "Receipt",
    "add_information",
    "add_note",
    "anonymise_expired_reports",
    "approve_disclosure",
    "close_report",
    "detect_patterns",
    "escalate_sla_breaches",
    "forward_report",
    "may_include_identity",
    "publish_policy",
    "record_agency_answer",
    "reencrypt_identity_vault",
    "request_disclosure",
    "reveal_identity",
    "send_follow_up_reminders",
    "submit_report",
    "triage_report",
]
