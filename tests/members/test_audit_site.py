import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

MODELS = [
    "organization",
    "person",
    "consent",
    "affiliation",
    "statuschange",
    "committeemeeting",
    "decision",
    "committeemember",
    "statementofsupport",
    "ineligiblecategory",
    "quorumrule",
    "invitation",
    "profilechange",
]


def test_auditor_reads_every_members_record_and_changes_nothing(client_for, auditor):
    from members import demo
    from members import demo as members_demo
    from members.models import CommitteeMeeting

    members_demo.load_organizations()
    demo.load(io.StringIO())
    client = client_for(auditor)
    for model in MODELS:
        response = client.get(f"/audit/members/{model}/")
        assert response.status_code == 200, model
        assert client.get(f"/audit/members/{model}/add/").status_code == 403, model
    meeting = CommitteeMeeting.objects.get()
    page = client.get(f"/audit/members/committeemeeting/{meeting.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    call_command("verify_audit")
