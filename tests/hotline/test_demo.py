import io

import pytest

from hotline import demo
from hotline.models import Forwarding, Report, ReporterIdentity
from members import demo as members_demo

pytestmark = pytest.mark.django_db


def test_demo_loads_three_cases_once(settings):
    settings.DEBUG = True
    members_demo.load_organizations()
    demo.load(io.StringIO())
    demo.load(io.StringIO())
    assert Report.objects.count() == 3
    assert Forwarding.objects.get().agency.code == "prosecutor_regional"
    assert ReporterIdentity.objects.count() == 1
