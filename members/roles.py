from coalition.roles import Role

_VIEW_ALL = [
    "members.view_organization",
    "members.view_statuschange",
    "members.view_person",
    "members.view_affiliation",
    "members.view_consent",
    "members.view_committeemeeting",
    "members.view_committeemember",
    "members.view_decision",
    "members.view_statementofsupport",
    "members.view_ineligiblecategory",
    "members.view_quorumrule",
    "members.view_invitation",
    "members.view_profilechange",
    "members.view_peopleimport",
    "members.view_identityclaim",
    "members.view_person_iin",
]

PERMISSIONS = {
    Role.COMMITTEE_STAFF: [
        *_VIEW_ALL,
        "members.add_organization",
        "members.change_organization",
        "members.add_committeemeeting",
        "members.change_committeemeeting",
        "members.add_decision",
        "members.add_statementofsupport",
        "members.change_statementofsupport",
        "members.add_ineligiblecategory",
        "members.change_ineligiblecategory",
        "members.add_invitation",
        "members.change_profilechange",
        "members.change_consent",
        "members.add_committeemember",
        "members.change_committeemember",
        "members.add_quorumrule",
        "members.add_person",
        "members.change_person",
        "members.add_peopleimport",
    ],
    # Coordinators see their region's organizations, statements and people (the views scope them), and import
    # people into their region's organizations; not the meetings, and IINs only masked.
    Role.REGIONAL_COORDINATOR: [
        "members.view_organization",
        "members.view_statuschange",
        "members.view_statementofsupport",
        "members.view_person",
        "members.add_person",
        "members.change_person",
        "members.add_peopleimport",
    ],
    Role.TRAINER: ["members.view_organization"],
    Role.FINANCE_OFFICER: ["members.view_organization"],
    Role.INTEGRITY_OFFICER: ["members.view_organization"],
    Role.AUDITOR: _VIEW_ALL,
}
