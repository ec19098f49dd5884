"""The access-control matrix: every URL of the resolver, GET and POST, as every role, against an explicit table.

The URLs come from the resolver (tests/security/urlmap.py), so a new URL is requested here the day it is added; a URL
missing from EXPECTED fails the suite with the row observed, for the developer to check and paste. Object URLs get
real objects of region KZ-35 (the demo data plus a few extras); the coordinator of KZ-35 ("coord") is the object's
regional coordinator, the one of KZ-79 ("other") is not.

Each row: "url name": (object, GET, POST). ``object`` names the kwargs below (None for URLs without arguments);
GET and POST are one character per role, in the order of ROLES:

    anon  staff  coord  other  trainer  finance  integrity  auditor  portal  superuser
     a      s      c      o       t        f         i          u       p        S

    2 = 200 (or another 2xx)   L = redirect to a login page     R = another redirect (a success or a referral)
    B = 400                    F = 403                          N = 404                M = 405
    T = 429                    E = server error (never expected)
    U = 401 (the API: no device token, and no staff session that may read)   V = 422 (the API: a bad or missing value)

POSTs carry an empty body: they show who may reach the view's form handling, not what a full form does. Each
request runs in a savepoint rolled back after it, so every role meets the same objects.
"""

from __future__ import annotations

import io
import logging
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from coalition.models import Profile, Region
from coalition.roles import Role
from tests.factories import UserFactory, force_login
from tests.security.urlmap import routes

ROLES = ["anon", "staff", "coord", "other", "trainer", "finance", "integrity", "auditor", "portal", "superuser"]
ADMIN_LOGINS = ("/admin/login/", "/audit/login/")

# The admin sites: their index and one model page each (their other pages are Django's generated admin).
# Anyone but the site's users is sent to that site's login page ("log in as another account").
ADMIN_PAGES = {
    "/admin/": ("LLLLLLLLL2", "LLLLLLLLL2"),
    "/admin/auth/user/": ("LLLLLLLLL2", "LLLLLLLLL2"),
    "/audit/": ("LLLLLLL2LL", "LLLLLLL2LL"),
    "/audit/members/organization/": ("LLLLLLL2LL", "LLLLLLL2LL"),
}

EXPECTED: dict[str, tuple[str | None, str, str]] = {
    # name: (object, GET, POST) -- roles: a s c o t f i u p S
    "dashboard": (None, "L222222RR2", "L222222RR2"),
    "donations:alert_review": ("alert", "LMMMMMMRFM", "LFFFFFRRFR"),  # the demo now raises alerts (#22)
    "donations:alerts": ("election", "LFFFF22RF2", "LFFFF22RF2"),
    "donations:alerts_index": (None, "LFFFFRRRFR", "LFFFFRRRFR"),
    # Election day's hub (#18): whoever may see any election-day record; HQ and the fund set the day and ballot.
    "electionday:index": (None, "LRRRFFRRFR", "LRRRFFRRFR"),
    "electionday:overview": ("election", "L222FF2RF2", "L222FF2RF2"),
    "electionday:ballot": ("election", "L2FFF2FRF2", "L2FFF2FRF2"),
    # The observer's offline app: public shell, service worker and manifest (the device token is the key; no data).
    "electionday:observer": (None, "2222222222", "MMMMMMMMMM"),
    "electionday:observer_manifest": (None, "2222222222", "MMMMMMMMMM"),
    "electionday:observer_sw": (None, "2222222222", "MMMMMMMMMM"),
    "donations:auditor_pack": ("auditor_pack", "LFFFFNFNFN", "LFFFFMFMFM"),
    "donations:compliance_report": ("compliance", "LFFFF2F2F2", "LFFFFMFMFM"),
    "donations:correction": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:correction_approve": ("correction", "LFFFFMFRFM", "LFFFFRFRFR"),
    "donations:correction_reject": ("correction", "LFFFFMFRFM", "LFFFFRFRFR"),
    "donations:corrections": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:disclosure": ("election", "2222222222", "MMMMMMMMMM"),
    "donations:disclosure_json": ("election", "2222222222", "MMMMMMMMMM"),
    "donations:donate": (None, "2222222222", "2222222222"),
    "donations:donation": ("donation", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:donations": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:donor_create": (None, "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:donor_edit": ("donor", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:donors": (None, "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:election_create": (None, "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:elections": (None, "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:entry": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:filed_report": ("filed_report", "LFFFFNFNFN", "LFFFFMFMFM"),
    "donations:fund": (None, "2222222222", "MMMMMMMMMM"),
    "donations:fund_election": ("election", "2222222222", "MMMMMMMMMM"),
    "donations:import": ("import", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:import_progress": ("import", "LFFFF2FRF2", "LFFFFMFRFM"),
    "donations:import_upload": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:index": (None, "LFFFFRFRFR", "LFFFFRFRFR"),
    "donations:ledger": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:overview": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:payer_status": ("election", "LFFFF2FRF2", "LFFFFMFRFM"),
    "donations:pledged": (None, "RRRRRRRRRR", "MMMMMMMMMM"),
    "donations:refund_pay": ("refund", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:refunds": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:release": ("donation", "LFFFFMFRFM", "LFFFFRFRFR"),
    "donations:rule_create": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    "donations:rules": ("election", "LFFFF2FRF2", "LFFFF2FRF2"),
    # The API (#18): staff roles read with their session (a region's coordinator only their region's assignments),
    # POSTs take a device token only; an empty POST with a session is 401. No ?assignment= is 422 after the login.
    "api-v1:api-root": (None, "LNNNNNNNNN", "LNNNNNNNNN"),
    "api-v1:checklists": (None, "UVVVVVVUUV", "MMMMMMMMMM"),
    "api-v1:incident_categories": (None, "U222222UU2", "MMMMMMMMMM"),
    "api-v1:incidents": (None, "MMMMMMMMMM", "UUUUUUUUUU"),
    "api-v1:me": (None, "U222222UU2", "MMMMMMMMMM"),
    "api-v1:openapi-json": (None, "L222222RF2", "L222222RF2"),
    "api-v1:openapi-view": (None, "L222222RF2", "L222222RF2"),
    "api-v1:protocols": (None, "MMMMMMMMMM", "UUUUUUUUUU"),
    "api-v1:severities": (None, "U222222UU2", "MMMMMMMMMM"),
    "api-v1:submissions": (None, "MMMMMMMMMM", "UUUUUUUUUU"),
    "electionday:assignment_access": ("assignment", "L2FFFFFRF2", "LMMMMMMRFM"),  # the demo's assignment: not KZ-35
    "electionday:checklist_answers": ("checklist_station", "L22FFFFRF2", "L22FFFFRF2"),  # "other": not their region
    "electionday:checklist_create": ("checklist_election", "L2FFFFFRF2", "L2FFFFFRF2"),
    "electionday:checklist_defaults": ("checklist_election", "LMMMMMMMMM", "LRFFFFFRFR"),
    "electionday:checklist_edit": ("checklist", "L2FFFFFRF2", "L2FFFFFRF2"),
    "electionday:checklist_import": ("checklist", "LMMMMMMMMM", "LRFFFFFRFR"),  # an empty POST: a message, back
    "electionday:checklist_publish": ("checklist_version", "LRFFFFFRFR", "LRFFFFFRFR"),  # v1 is published already
    "electionday:checklist_station": ("checklist", "L222FFFRF2", "L222FFFRF2"),
    "electionday:checklist_version": ("checklist_version", "L222FFFRF2", "L222FFFRF2"),
    "electionday:checklist_xlsform": ("checklist_version", "L222FFFRF2", "L222FFFRF2"),
    "electionday:checklists": ("checklist_election", "L222FFFRF2", "L222FFFRF2"),
    "electionday:incident": ("incident", "L22FFF2RF2", "L22FFF2RF2"),
    "electionday:incident_complaint": ("incident", "LMMMMMMMMM", "LFFFFFBRFF"),  # the integrity officer alone
    "electionday:incident_create": ("incident_election", "L222FFFRF2", "L222FFFRF2"),
    "electionday:incident_file": ("incident_file", "L22FFF2RF2", "L22FFF2RF2"),
    "electionday:incidents": ("incident_election", "L222FF2RF2", "L222FF2RF2"),  # "other": their region's list
    "electionday:protocol_conflicts": ("protocol_election", "L222FFFRF2", "L222FFFRF2"),  # "other": their region's
    "electionday:protocol_enter": ("protocol_station", "L22FFFFRF2", "L22FFFFRF2"),
    "electionday:protocol_history": ("protocol_station", "L22FFFFRF2", "L22FFFFRF2"),
    "electionday:protocol_photo": ("protocol_photo", "L22FFFFRF2", "L22FFFFRF2"),
    "electionday:protocol_queue": ("protocol_election", "L222FFFRF2", "L222FFFRF2"),  # "other": their region's
    "electionday:protocol_review": ("protocol", "L22FFFFRF2", "L22FFFFRF2"),
    "electionday:protocol_verify": ("protocol", "LMMMMMMMMM", "LRRFFFFRFR"),
    # The situation room (#19): statuses for election-day staff, incidents for the integrity officer; "other" sees
    # their own region; the CEC figure and the sample for HQ only; a chase for the station's region only.
    "electionday:situation": ("election", "L222FF2RF2", "L222FF2RF2"),
    "electionday:situation_live": ("election", "L222FF2RF2", "L222FF2RF2"),
    "electionday:situation_cec": ("election", "LMMMMMMRFM", "LBFFFFFRFB"),
    "electionday:situation_sample": ("election", "LMMMMMMRFM", "LBFFFFFRFB"),
    "electionday:situation_chase": ("protocol_station", "LMMMMMMRFM", "LRRFFFFRFR"),
    # Results and the quick count (#19): read-only pages ("other": their region's); no ?format= or sample is 404.
    "electionday:results": ("protocol_election", "L222FFFRF2", "LMMMMMMRFM"),
    "electionday:results_export": ("protocol_election", "LNNNFFFRFN", "LMMMMMMRFM"),
    "electionday:results_station": ("protocol_station", "L22FFFFRF2", "LMMMMMMRFM"),
    "electionday:results_discrepancies": ("protocol_election", "L222FFFRF2", "LMMMMMMRFM"),
    "electionday:results_evidence": ("protocol_election", "L222FFFRF2", "LMMMMMMRFM"),
    "electionday:quick_count": ("protocol_election", "L222FFFRF2", "L222FFFRF2"),
    "electionday:quick_count_sample": ("protocol_election", "LNNNFFFRFN", "LMMMMMMRFM"),
    "electionday:revoke_device": (None, "LMMMMMMRFM", "LNNNFFFRFN"),
    "electionday:send_signin_link": ("assignment", "LMMMMMMRFM", "LRFFFFFRFR"),  # an empty POST: a message, back
    "electionday:signin": (None, "NNNNNNNNNN", "NNNNNNNNNN"),  # an unknown sign-in link, for anyone
    "events:accreditation": ("accreditation", "L2NNFFFRF2", "L2NNFFFRF2"),
    "events:accreditation_create": (None, "L2FFFFFRF2", "L2FFFFFRF2"),
    "events:accreditation_revoke": ("accreditation", "LMMMMMMRFM", "LRFFFFFRFR"),
    "events:accreditations": (None, "L222FFFRF2", "L222FFFRF2"),
    "events:assignment_end": ("assignment", "LMMMMMMRFM", "LRFFFFFRFR"),
    "events:assignments": (None, "L222FFFRF2", "L222FFFRF2"),
    "events:calendar": (None, "L222222RF2", "L222222RF2"),
    "events:certificate_pdf": ("certificate_code", "2222222222", "2222222222"),
    "events:certificate_revoke": ("certificate", "LMMMMMMRFM", "LRFFRFFRFR"),
    "events:certificates": (None, "L2222FFRF2", "L2222FFRF2"),
    "events:checkin": ("event", "L22FFFFRF2", "L22FFFFRF2"),
    "events:coverage": (None, "L222FFFRF2", "L222FFFRF2"),
    "events:create": (None, "L222FFFRF2", "L222FFFRF2"),
    "events:detail": ("event", "L22F222RF2", "L22F222RF2"),
    "events:edit": ("event", "L22FFFFRF2", "L22FFFFRF2"),
    "events:event_ics": ("event_token", "2222222222", "2222222222"),
    "events:event_public": ("event_token", "2222222222", "2222222222"),
    "events:list": (None, "L222222RF2", "L222222RF2"),
    "events:notice": ("event", "LMMMMMMRFM", "LRRFFFFRFR"),
    "events:photo": ("event_photo", "LNNFFFFRFN", "LNNFFFFRFN"),
    "events:photo_delete": ("event_photo", "LMMMMMMRFM", "LNNFFFFRFN"),
    "events:proposals": (None, "L222FFFRF2", "L222FFFRF2"),
    "events:registration": ("registration_token", "2222222222", "2222222222"),
    "events:registration_cancel": ("registration_token", "MMMMMMMMMM", "RRRRRRRRRR"),
    "events:registration_confirm": ("registration_token", "MMMMMMMMMM", "RRRRRRRRRR"),
    "events:report": ("event", "L22FFFFRF2", "L22FFFFRF2"),
    "events:review": ("event", "L22FFFFRF2", "L22FFFFRF2"),
    "events:rules": (None, "L222FFFRF2", "L2FFFFFRF2"),
    "events:session": ("session", "L22F2FFRF2", "L22F2FFRF2"),
    "events:session_certify": ("session", "LMMMMMMRFM", "LRFFRFFRFR"),
    "events:session_create": (None, "L2222FFRF2", "L2222FFRF2"),
    "events:session_enrol": ("session", "LMMMMMMRFM", "LRRFRFFRFR"),
    "events:session_enrolments": ("session", "L22F2FFRF2", "L22F2FFRF2"),
    "events:session_public": ("session_token", "2222222222", "2222222222"),
    "events:sessions": (None, "L2222FFRF2", "L2222FFRF2"),
    "events:station": ("station", "L22FFFFRF2", "L22FFFFRF2"),
    "events:station_import": ("station_import", "LNNNFFFRFN", "LNNNFFFRFN"),
    "events:station_import_confirm": ("station_import", "LMMMMMMMMM", "LNNNFFFRFN"),
    "events:stations": (None, "L222FFFRF2", "L222FFFRF2"),
    "events:status": ("event", "LMMMMMMRFM", "LRRFFFFRFR"),
    "events:verify": (None, "2222222222", "2222222222"),
    "events:verify_code": ("certificate_code", "2222222222", "2222222222"),
    "hotline:add_information": ("case", "LMMMMMMMMM", "LFFFFFBRFB"),
    "hotline:answer": ("forwarding", "LMMMMMMMMM", "LFFFFFRRFR"),
    "hotline:approve_disclosure": ("disclosure", "LMMMMMMMMM", "LNFFFFFRFN"),
    "hotline:close": ("case", "LMMMMMMMMM", "LFFFFFRRFR"),
    "hotline:detail": ("case", "LFFFFF2RF2", "LFFFFF2RF2"),
    "hotline:disclosures": (None, "L2FFFFFRF2", "L2FFFFFRF2"),
    "hotline:evidence": ("evidence", "LFFFFFNRFN", "LFFFFFNRFN"),
    "hotline:forward": ("case", "LMMMMMMMMM", "LFFFFFBRFF"),
    "hotline:identity": ("case", "LMMMMMMMMM", "LFFFFFRRFF"),
    "hotline:letter": ("forwarding", "LFFFFF2RF2", "LFFFFF2RF2"),
    "hotline:list": (None, "LFFFFF2RF2", "LFFFFF2RF2"),
    "hotline:note": ("case", "LMMMMMMMMM", "LFFFFFBRFB"),
    "hotline:policy": (None, "L2FFFF2RF2", "L2FFFFFRF2"),
    "hotline:record": (None, "L2FFFF2RF2", "L2FFFF2RF2"),
    "hotline:report": (None, "2222222222", "BBBBBBBBBB"),
    "hotline:request_disclosure": ("case", "LMMMMMMMMM", "LFFFFFRRFR"),
    "hotline:statistics": (None, "L2FFFF2RF2", "L2FFFF2RF2"),
    "hotline:status": (None, "2222222222", "BBBBBBBBBB"),
    "hotline:status_add": (None, "MMMMMMMMMM", "BBBBBBBBBB"),
    "hotline:status_leave": (None, "MMMMMMMMMM", "2222222222"),
    "hotline:triage": ("case", "LMMMMMMMMM", "LFFFFFBRFB"),
    "login": (None, "2RRRRRRRRR", "2RRRRRRRRR"),
    "logout": (None, "LMMMMMMMMM", "LLLLLLLLLL"),
    "members:join": (None, "2222222222", "2222222222"),
    "members:join_done": (None, "RRRRRRRRRR", "RRRRRRRRRR"),
    "members:public_list": (None, "2222222222", "2222222222"),
    "members:staff_committee": (None, "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_committee_member_active": ("committee_member", "LMMMMMMRFM", "LRFFFFFRFR"),
    "members:staff_consent_withdraw": ("consent", "LMMMMMMRFM", "LRFFFFFRFR"),
    "members:staff_decision_create": ("meeting", "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_eligibility": (None, "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_eligibility_create": (None, "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_eligibility_edit": ("eligibility", "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_export": ("export", "L222222RF2", "L222222RF2"),
    "members:staff_meeting": ("meeting", "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_meeting_create": (None, "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_meeting_edit": ("meeting", "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_meeting_minutes": ("meeting", "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_meetings": (None, "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_organization": ("organization", "L22N222RF2", "L22N222RF2"),
    "members:staff_organization_invite": ("organization", "LMMMMMMRFM", "LRFFFFFRFR"),
    "members:staff_organization_status": ("organization", "LMMMMMMRFM", "LRFFFFFRFR"),
    "members:staff_organizations": (None, "L222222RF2", "L222222RF2"),
    "members:staff_people": (None, "L222FFFRF2", "L222FFFRF2"),
    "members:staff_people_export": ("export", "L222FFFRF2", "L222FFFRF2"),
    "members:staff_people_import": (None, "L222FFFRF2", "L222FFFRF2"),
    "members:staff_people_import_confirm": ("people_import", "LMMMMMMMMM", "LNNNFFFRFN"),
    "members:staff_people_import_preview": ("people_import", "LNNNFFFRFN", "LNNNFFFRFN"),
    "members:staff_people_import_template": (None, "L222FFFRF2", "L222FFFRF2"),
    "members:staff_profile_change_decide": ("profile_change", "LMMMMMMRFM", "LNFFFFFRFN"),
    "members:staff_profile_changes": (None, "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_queue": (None, "L222222RF2", "L222222RF2"),
    "members:staff_statement_create": (None, "L2FFFFFRF2", "L2FFFFFRF2"),
    "members:staff_statement_publication": ("statement", "LMMMMMMRFM", "LRFFFFFRFR"),
    "members:staff_statements": (None, "L222FFFRF2", "L222FFFRF2"),
    "otp_setup": (None, "L222222222", "L222222222"),
    "otp_verify": (None, "LRRRR222R2", "LRRRR222R2"),
    "password_change": (None, "L222222222", "L222222222"),
    "password_change_done": (None, "L222222222", "LMMMMMMMMM"),
    "portal:accept": ("invitation", "NNNNNNNNNN", "NNNNNNNNNN"),
    "portal:home": (None, "L2222222R2", "L2222222R2"),
    "portal:nominate": ("organization", "LNNNNNNN2N", "LNNNNNNN2N"),
    "portal:organization": ("organization", "LNNNNNNN2N", "LNNNNNNN2N"),
    "portal:profile": ("organization", "LNNNNNNN2N", "LNNNNNNN2N"),
    "portal:propose_event": ("organization", "LNNNNNNN2N", "LNNNNNNN2N"),
    "set_language": (None, "RRRRRRRRRR", "RRRRRRRRRR"),
}


def status_class(response) -> str:
    code = response.status_code
    if code in (301, 302, 303, 307, 308):
        target = response.headers.get("Location", "")
        login = reverse(settings.LOGIN_URL)
        return "L" if target.startswith((login, *ADMIN_LOGINS)) else "R"
    classes = {400: "B", 401: "U", 403: "F", 404: "N", 405: "M", 422: "V", 429: "T"}
    return classes.get(code, "2" if 200 <= code < 300 else "E")


def _user(username: str, role: str | None, region_code: str | None = None, **extra):
    user = UserFactory(username=f"matrix-{username}", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if region_code:
        Profile.objects.update_or_create(user=user, defaults={"region": Region.objects.get(code=region_code)})
    return user


def make_users() -> dict:
    from members.models import Affiliation, Organization, Person

    portal_user = _user("portal", None)
    member = Organization.objects.filter(status=Organization.Status.ADMITTED, region__code="KZ-35").first()
    person = Person.objects.create(full_name="Представитель Матрицы", region=member.region, user=portal_user)
    Affiliation.objects.create(person=person, organization=member, role=Affiliation.Role.REPRESENTATIVE)
    return {
        "anon": None,
        "staff": _user("staff", Role.COMMITTEE_STAFF),
        "coord": _user("coord", Role.REGIONAL_COORDINATOR, "KZ-35"),
        "other": _user("other", Role.REGIONAL_COORDINATOR, "KZ-79"),
        "trainer": _user("trainer", Role.TRAINER),
        "finance": _user("finance", Role.FINANCE_OFFICER),
        "integrity": _user("integrity", Role.INTEGRITY_OFFICER),
        "auditor": _user("auditor", Role.AUDITOR),
        "portal": portal_user,
        "superuser": _user("superuser", None, is_superuser=True, is_staff=True),
    }


def make_objects() -> dict[str, dict]:
    """One object of each kind (KZ-35 where the kind has a region): the demo data, plus what the demo lacks."""
    from donations import models as donations
    from events import models as events
    from hotline import models as hotline
    from members import models as members

    call_command("load_demo", "--force", stdout=io.StringIO())

    def first(queryset):
        obj = queryset.first()
        return obj.pk if obj is not None else 999999

    kz35 = {"region__code": "KZ-35"}
    organization = members.Organization.objects.filter(status=members.Organization.Status.ADMITTED, **kz35).first()
    event = events.Event.objects.filter(**kz35).first()
    registration = events.Registration.objects.filter(event__region__code="KZ-35").first() or (
        events.Registration.objects.first()
    )
    session = events.TrainingSession.objects.filter(**kz35).first() or events.TrainingSession.objects.first()
    certificate = events.Certificate.objects.first()
    report = hotline.Report.objects.filter(**kz35).first()
    election = donations.Election.objects.first()
    return {
        "organization": {"pk": organization.pk},
        "consent": {"pk": first(members.Consent.objects.all())},
        "profile_change": {"pk": first(members.ProfileChange.objects.all())},
        "committee_member": {"pk": first(members.CommitteeMember.objects.all())},
        "meeting": {"pk": first(members.CommitteeMeeting.objects.all())},
        "statement": {"pk": first(members.StatementOfSupport.objects.all())},
        "eligibility": {"pk": first(members.IneligibleCategory.objects.all())},
        "export": {"fmt": "csv"},
        "people_import": {"pk": first(members.PeopleImport.objects.all())},
        "invitation": {"token": "no-such-invitation"},
        "election": {"slug": election.slug},
        "donor": {"pk": first(donations.Donor.objects.all())},
        "donation": {"pk": first(donations.Donation.objects.all())},
        "import": {"pk": first(donations.StatementImport.objects.all())},
        "refund": {"pk": first(donations.Refund.objects.all())},
        "alert": {"pk": first(donations.CoercionAlert.objects.all())},
        "filed_report": {"pk": first(donations.ComplianceReport.objects.all())},
        "correction": {"pk": _pending_correction(election)},
        "auditor_pack": {"slug": election.slug, "day": "2026-11-27"},
        "compliance": {"slug": election.slug, "fmt": "csv"},
        "event": {"pk": event.pk},
        "event_photo": {"pk": event.pk, "photo": 999999},  # the demo has no report photo
        "event_token": {"token": event.public_token},
        "registration_token": {"token": registration.token},
        "session": {"pk": session.pk},
        "session_token": {"token": session.public_token},
        "certificate": {"pk": certificate.pk},
        "certificate_code": {"code": certificate.verification_code},
        "station": {"pk": first(events.PollingStation.objects.filter(**kz35))},
        **_election_day_incident(events.PollingStation.objects.filter(**kz35).first()),
        **_election_day_protocol(events.PollingStation.objects.filter(**kz35).first()),
        **_election_day_checklist(events.PollingStation.objects.filter(**kz35).first()),
        "station_import": {"token": "no-such-import"},  # uploads are per user: anyone else's is 404
        "assignment": {"pk": first(events.Assignment.objects.all())},
        "accreditation": {"pk": first(events.Accreditation.objects.all())},
        "case": {"code": report.tracking_code},
        "disclosure": {"pk": first(hotline.IdentityDisclosure.objects.all())},
        "evidence": {"pk": first(hotline.Evidence.objects.all())},
        "forwarding": {"pk": first(hotline.Forwarding.objects.all())},
    }


def _election_day_incident(station) -> dict[str, dict]:
    """A KZ-35 station's incident with one photo (election day, #18): its election, the incident, the photo."""
    import io
    import uuid

    from django.utils import timezone
    from PIL import Image

    from electionday.services.incidents import record_incident

    photo = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(photo, "JPEG")
    incident, _created = record_incident(
        station=station,
        assignment=None,
        client_id=uuid.uuid4(),
        category="carousel",
        severity="high",
        occurred_at=timezone.now(),
        text="matrix",
        photos=[(photo.getvalue(), "image/jpeg")],
        source="staff",
    )
    slug = station.election.slug
    return {
        "incident_election": {"slug": slug},
        "incident": {"slug": slug, "pk": incident.pk},
        "incident_file": {"slug": slug, "pk": incident.pk, "file": incident.attachments.get().pk},
    }


def _election_day_checklist(station) -> dict[str, dict]:
    """The default checklists of a KZ-35 station's election, published (election day, #18)."""
    from electionday.services.checklists import seed_default_checklists

    seed_default_checklists(station.election)
    slug = station.election.slug
    return {
        "checklist_election": {"slug": slug},
        "checklist": {"slug": slug, "code": "opening"},
        "checklist_version": {"slug": slug, "code": "opening", "number": 1},
        "checklist_station": {"slug": slug, "code": "opening", "station": station.pk},
    }


def _election_day_protocol(station) -> dict[str, dict]:
    """An observer's protocol of a KZ-35 station with its photo (election day, #18)."""
    import io
    import uuid

    from PIL import Image

    from electionday.services.protocols import candidates_of, record_protocol

    photo = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(photo, "JPEG")
    protocol, _created = record_protocol(
        station=station,
        kind="observer",
        client_id=uuid.uuid4(),
        reporter_iin="880101300010",  # synthetic, valid check digit
        assignment=None,
        lines=dict.fromkeys(("voters", "received", "issued", "cancelled", "in_boxes", "invalid", "against_all"), 0),
        votes={candidate.code: 0 for candidate in candidates_of(station.election)},
        photo=(photo.getvalue(), "image/jpeg"),
        filled_at=None,
        source="staff",
    )
    slug = station.election.slug
    return {
        "protocol_election": {"slug": slug},
        "protocol": {"slug": slug, "pk": protocol.pk},
        "protocol_photo": {"slug": slug, "pk": protocol.attachments.get().pk},
        "protocol_station": {"slug": slug, "station": station.pk},
    }


def _pending_correction(election) -> int:
    """A correction awaiting approval, proposed by a finance officer who is not the matrix's (four eyes)."""
    from datetime import date
    from decimal import Decimal

    from donations import services

    correction = services.propose_correction(
        election=election,
        source="donations",
        amount=Decimal("-1"),
        payer_id="",
        note="matrix",
        entry_date=date(2099, 1, 1),
        proposed_by=_user("proposer", Role.FINANCE_OFFICER),
    )
    return correction.pk


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        force_login(client, user)  # finance and integrity officers with a verified second factor
    return client


def request(client: Client, method: str, url: str) -> str:
    """One request in a savepoint rolled back afterwards, with the client's cookies as they were before it."""
    cookies = client.cookies
    client.cookies = type(cookies)()
    client.cookies.update(cookies)
    sid = transaction.savepoint()
    try:
        response = getattr(client, method)(url)
    finally:
        transaction.savepoint_rollback(sid)
        client.cookies = cookies
    return status_class(response)


def row(name: str, obj: str | None, get: str, post: str) -> str:
    return f'    "{name}": ({obj!r}, "{get}", "{post}"),'


@pytest.mark.django_db
def test_access_matrix(settings, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")  # thousands of expected 403/404 warnings
    settings.RATELIMIT_ENABLE = False  # the matrix posts to each public form once per role
    objects = make_objects()
    users = make_users()
    clients = {role: client_for(users[role]) for role in ROLES}

    problems, observed_rows, timings = [], [], []
    only = tuple(filter(None, os.environ.get("MATRIX_ONLY", "").split(",")))  # e.g. MATRIX_ONLY=events:,members:
    for route in sorted(routes(), key=lambda r: r.name):
        if only and not route.name.startswith(only):
            continue
        started = time.monotonic()
        if route.name not in EXPECTED:
            guess = _object_for(route, objects)
            url = route.url(**objects.get(guess, {})) if guess else route.url()
            get = "".join(request(clients[role], "get", url) for role in ROLES)
            post = "".join(request(clients[role], "post", url) for role in ROLES)
            observed_rows.append(row(route.name, guess, get, post))
            problems.append(
                f"{route.name} ({url}) is not in tests/security/test_access_matrix.py EXPECTED: check who may see it "
                f"and add its row, e.g.\n{observed_rows[-1]}"
            )
            timings.append((time.monotonic() - started, route.name))
            continue
        obj, want_get, want_post = EXPECTED[route.name]
        url = route.url(**objects[obj]) if obj else route.url()
        got_both = []
        for method, want in (("get", want_get), ("post", want_post)):
            got = "".join(request(clients[role], method, url) for role in ROLES)
            got_both.append(got)
            if got != want:
                diff = ", ".join(f"{role} {w}->{g}" for role, w, g in zip(ROLES, want, got, strict=False) if w != g)
                problems.append(f"{method.upper()} {url} ({route.name}): expected {want}, got {got} ({diff})")
        observed_rows.append(row(route.name, obj, *got_both))
        timings.append((time.monotonic() - started, route.name))
    for path, (want_get, want_post) in ADMIN_PAGES.items():
        for method, want in (("get", want_get), ("post", want_post)):
            got = "".join(request(clients[role], method, path) for role in ROLES)
            if got != want:
                problems.append(f"{method.upper()} {path}: expected {want}, got {got}")
    if only:
        pytest.fail("MATRIX_ONLY checks part of the table only (a tool for adding rows):\n" + "\n".join(problems))
    stale = set(EXPECTED) - {route.name for route in routes()}
    problems += [f"{name} is in EXPECTED but no longer a URL: remove its row" for name in sorted(stale)]
    if os.environ.get("MATRIX_ROWS"):  # MATRIX_ROWS=file writes the observed table, to review and paste
        slowest = "\n".join(f"# {seconds:.2f}s {name}" for seconds, name in sorted(timings)[-15:])
        Path(os.environ["MATRIX_ROWS"]).write_text("\n".join(observed_rows) + "\n" + slowest + "\n")
    assert not problems, "\n".join(problems)


def _object_for(route, objects) -> str | None:
    """A first guess of the object a new URL needs (the developer checks it when adding the row)."""
    if not route.converters:
        return None
    for key, kwargs in objects.items():
        if set(kwargs) == set(route.converters) and key.split("_")[0] in route.name:
            return key
    return next((key for key, kwargs in objects.items() if set(kwargs) == set(route.converters)), None)
