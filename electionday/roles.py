"""What the election-day models grant to each role.

Committee staff (HQ) run election day coalition-wide; regional coordinators see and enter their region's stations
(scoped in the views and the API, as everywhere); the integrity officer turns incidents into complaints; auditors
read everything on /audit/ but personal data.
"""

from coalition.roles import Role

_MODELS = (
    "signinlink",
    "device",
    "checklist",
    "checklistversion",
    "submission",
    "incident",
    "protocol",
    "attachment",
    "cecturnout",
    "quickcountsample",
)
_VIEW_ALL = [f"electionday.view_{model}" for model in (*_MODELS, "protocolvote")]

_ENTER = [
    "electionday.add_signinlink",
    "electionday.change_device",  # revoke
    "electionday.add_submission",
    "electionday.add_incident",
    "electionday.add_protocol",
    "electionday.change_protocol",  # verify or correct (a correction is a new row; the review is audited)
]

PERMISSIONS = {
    Role.COMMITTEE_STAFF: [
        *_VIEW_ALL,
        *_ENTER,
        "electionday.add_checklist",
        "electionday.change_checklist",
        "electionday.add_checklistversion",
        "electionday.change_checklistversion",  # publish
        "electionday.add_cecturnout",  # the CEC's published turnout, entered in the situation room
        "electionday.change_cecturnout",
        "electionday.add_quickcountsample",
    ],
    Role.REGIONAL_COORDINATOR: [*_VIEW_ALL, *_ENTER],
    Role.INTEGRITY_OFFICER: [
        "electionday.view_incident",
        "electionday.view_attachment",
        "electionday.change_incident",  # turn into a complaint
    ],
    Role.AUDITOR: _VIEW_ALL,
}
