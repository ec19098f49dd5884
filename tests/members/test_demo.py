import io

import pytest

from members import demo
from members import demo as members_demo
from members.models import CommitteeMeeting, Decision, Organization, StatementOfSupport

pytestmark = pytest.mark.django_db


def test_demo_records_the_seed_meeting_statements_and_pending_applications_once():
    from coalition.models import OutboundMessage

    members_demo.load_organizations()
    demo.load(io.StringIO())
    demo.load(io.StringIO())
    meeting = CommitteeMeeting.objects.get()
    assert meeting.held_on == members_demo.SEED_MEETING_DATE and meeting.place == "Астана"
    decision = Decision.objects.get()
    assert decision.adopted and decision.kind == "admission" and decision.organizations.count() == 15
    assert decision.present >= decision.quorum
    assert StatementOfSupport.objects.filter(may_publish=True).count() == 4
    assert set(StatementOfSupport.objects.values_list("speaker_name", flat=True)) == {
        "Мурат Абенов",
        "Алишер Дунгенин",
        "Жемис Турмагамбетова",
        "Сергей Остапюк",
    }
    assert Organization.objects.filter(status="applied").count() == len(demo.PENDING)
    assert Organization.objects.filter(status="admitted", joined_on=meeting.held_on).count() == 15
    assert not OutboundMessage.objects.exists()  # historic records: nobody is emailed
