"""What the hotline's models grant to each role.

``hotline.view_reporteridentity`` goes to the integrity officer's group alone; views also check the role itself,
so a superuser (who holds every permission) still never sees a reporter's identity in the staff pages.
"""

from coalition.roles import Role

PERMISSIONS = {
    Role.INTEGRITY_OFFICER: [
        "hotline.view_report",
        "hotline.add_report",
        "hotline.change_report",
        "hotline.view_statistics",
        "hotline.view_reportupdate",
        "hotline.add_reportupdate",
        "hotline.view_evidence",
        "hotline.view_casenote",
        "hotline.add_casenote",
        "hotline.view_forwarding",
        "hotline.add_forwarding",
        "hotline.change_forwarding",
        "hotline.view_agency",
        "hotline.view_reporteridentity",
        "hotline.view_identityaccess",
        "hotline.view_identitydisclosure",
        "hotline.add_identitydisclosure",
        "hotline.view_slabreach",
        "hotline.view_patternalert",
        "hotline.view_hotlinepolicy",
    ],
    Role.COMMITTEE_STAFF: [
        "hotline.add_report",  # staff on the HQ phone line record reports for callers
        "hotline.view_statistics",
        "hotline.view_agency",
        "hotline.change_identitydisclosure",  # the second person who approves a disclosure
        "hotline.view_hotlinepolicy",
        "hotline.change_hotlinepolicy",
    ],
    Role.AUDITOR: [
        "hotline.view_report",
        "hotline.view_reportupdate",
        "hotline.view_evidence",
        "hotline.view_casenote",
        "hotline.view_forwarding",
        "hotline.view_agency",
        "hotline.view_identityaccess",
        "hotline.view_identitydisclosure",
        "hotline.view_slabreach",
        "hotline.view_patternalert",
        "hotline.view_hotlinepolicy",
    ],
}
