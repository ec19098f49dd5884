"""Every workflow of the events app that writes: one transaction each, with its audit entry inside.

One module per subject; this package re-exports their public functions, so ``from events import services`` and
``services.register(...)`` read the same wherever they are called. The reads they share are in events.selectors.
"""

from events.services.accreditation import default_accreditation_end, record_accreditation, revoke_accreditation
from events.services.approval import approve_event, notify_approvers, reject_event
from events.services.consent import CONSENT_TEXT_VERSION, Applicant, consent_text
from events.services.deployment import assign, end_assignment
from events.services.events import (
    apply_notice_rule,
    cancel_event,
    create_event,
    mark_held,
    needs_approval,
    propose_event,
    record_notice,
    update_event,
)
from events.services.registration import (
    add_walk_in,
    cancel_registration,
    check_in,
    check_in_once,
    checkin_qr,
    checkin_url,
    confirm_attendance,
    notify_schedule_change,
    register,
    registration_links,
    registration_manage_link,
)
from events.services.reminders import (
    send_daily_digests,
    send_due_reminders,
    send_notice_deadline_reminders,
    send_report_reminders,
)
from events.services.reports import (
    MAX_REPORT_PHOTOS,
    PHOTO_MAX_BYTES,
    PHOTOS_PER_REPORT,
    clean_photos,
    file_report,
    remove_report_photo,
)
from events.services.training import (
    Result,
    create_session,
    enrol,
    issue_certificates,
    record_results,
    revoke_certificate,
)

__all__ = [
    "CONSENT_TEXT_VERSION",
    "MAX_REPORT_PHOTOS",
    "PHOTOS_PER_REPORT",
    "PHOTO_MAX_BYTES",
    "Applicant",
    "Result",
    "add_walk_in",
    "apply_notice_rule",
    "approve_event",
    "assign",
    "cancel_event",
    "cancel_registration",
    "check_in",
    "check_in_once",
    "checkin_qr",
    "checkin_url",
    "clean_photos",
    "confirm_attendance",
    "consent_text",
    "create_event",
    "create_session",
    "default_accreditation_end",
    "end_assignment",
    "enrol",
    "file_report",
    "issue_certificates",
    "mark_held",
    "needs_approval",
    "notify_approvers",
    "notify_schedule_change",
    "propose_event",
    "record_accreditation",
    "record_notice",
    "record_results",
    "register",
    "registration_links",
    "registration_manage_link",
    "reject_event",
    "remove_report_photo",
    "revoke_accreditation",
    "revoke_certificate",
    "send_daily_digests",
    "send_due_reminders",
    "send_notice_deadline_reminders",
    "send_report_reminders",
    "update_event",
]
