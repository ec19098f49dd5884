"""What the events app's models grant to each role."""

from coalition.roles import Role


def _perms(model: str, *actions: str) -> list[str]:
    return [f"events.{action}_{model}" for action in actions]


_VIEW_ALL = [
    f"events.view_{m}"
    for m in (
        "event",
        "registration",
        "course",
        "trainingsession",
        "enrolment",
        "certificate",
        "pollingstation",
        "assignment",
        "holiday",
        "noticerule",
        "policy",
        "eventreport",
        "accreditation",
        "eventapproval",
        "eventphoto",
    )
]

PERMISSIONS = {
    Role.COMMITTEE_STAFF: _VIEW_ALL
    + _perms("event", "add", "change", "approve")
    + _perms("registration", "change")
    + _perms("trainingsession", "add", "change")
    + _perms("enrolment", "add", "change")
    + _perms("certificate", "add", "change")
    + _perms("course", "add", "change")
    + _perms("pollingstation", "add", "change")
    + _perms("assignment", "add", "change")
    + _perms("accreditation", "add", "change")
    + _perms("holiday", "add", "change", "delete")
    + _perms("noticerule", "add", "change")
    + _perms("policy", "change"),
    Role.REGIONAL_COORDINATOR: _VIEW_ALL
    + _perms("event", "add", "change", "approve")
    + _perms("registration", "change")
    + _perms("trainingsession", "add", "change")
    + _perms("enrolment", "add", "change")
    + _perms("pollingstation", "add", "change")
    + _perms("assignment", "add", "change"),
    Role.TRAINER: [
        "events.view_event",
        "events.view_course",
        "events.view_trainingsession",
        "events.view_enrolment",
        "events.view_certificate",
        *_perms("trainingsession", "add", "change"),
        *_perms("enrolment", "add", "change"),
        *_perms("certificate", "add", "change"),
    ],
    Role.FINANCE_OFFICER: ["events.view_event"],
    Role.INTEGRITY_OFFICER: ["events.view_event"],
    Role.AUDITOR: _VIEW_ALL,
}
