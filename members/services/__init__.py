"""Every write of the members app: one transaction each, with its audit entry inside, split by subject.

- :mod:`.applications` — the public application to join, eligibility, the list of ineligible categories;
- :mod:`.membership` — a member's status changes;
- :mod:`.committee` — the committee's roster, quorum rules, meetings and decisions;
- :mod:`.support` — statements of support and their publication;
- :mod:`.people` — people's consents;
- :mod:`.portal` — the member portal: invitations, accounts, profile changes, nominations;
- :mod:`.digests` — the emails committee staff get about applications.

The names below are re-exported so callers write ``services.record_decision(...)`` whatever the subject.
"""

from __future__ import annotations

from members.services.applications import (
    Application,
    active_categories,
    bin_is_taken,
    duplicate_bin_message,
    eligibility_refusals,
    save_ineligible_category,
    submit_application,
)
from members.services.committee import (
    add_committee_member,
    add_quorum_rule,
    create_meeting,
    record_decision,
    required_quorum,
    set_committee_member_active,
    update_meeting,
)
from members.services.digests import WAITING_DAYS, remind_waiting_applications, send_new_application_digest
from members.services.membership import change_membership_status
from members.services.people import CONSENT_TEXT_VERSION, withdraw_consent
from members.services.support import record_statement, set_statement_publication

__all__ = [
    "CONSENT_TEXT_VERSION",
    "WAITING_DAYS",
    "Application",
    "active_categories",
    "add_committee_member",
    "add_quorum_rule",
    "bin_is_taken",
    "change_membership_status",
    "create_meeting",
    "duplicate_bin_message",
    "eligibility_refusals",
    "record_decision",
    "record_statement",
    "remind_waiting_applications",
    "required_quorum",
    "save_ineligible_category",
    "send_new_application_digest",
    "set_committee_member_active",
    "set_statement_publication",
    "submit_application",
    "update_meeting",
    "withdraw_consent",
]
