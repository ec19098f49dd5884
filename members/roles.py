from coalition.roles import Role

PERMISSIONS = {
    Role.COMMITTEE_STAFF: ["members.view_organization", "members.add_organization", "members.change_organization"],
    Role.REGIONAL_COORDINATOR: ["members.view_organization"],
    Role.TRAINER: ["members.view_organization"],
    Role.FINANCE_OFFICER: ["members.view_organization"],
    Role.INTEGRITY_OFFICER: ["members.view_organization"],
    Role.AUDITOR: ["members.view_organization"],
}
