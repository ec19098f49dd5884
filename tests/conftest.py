"""Shared fixtures: one named user per role (healthchecks' alice/bob style) and a logged-in client factory."""

import os

import pytest
from django.contrib.auth.models import Group
from hypothesis import HealthCheck, settings

from coalition.models import Profile, Region
from coalition.roles import Role
from tests.factories import UserFactory

# Hypothesis profiles. Tests that set max_examples themselves keep it; the fuzz battery (tests/fuzz) takes it from
# the profile: "ci" (the default, a short run inside `make test`) or "fuzz" (`make fuzz`, HYPOTHESIS_PROFILE=fuzz).
_common = {
    "deadline": None,  # a shared 2-core machine: time is not a property of these tests
    "database": None,  # nothing written into the checkout
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
}
# "ci" is derandomized: the same examples on every run, so a red `make test` is a regression, never a new random
# find; `make fuzz` explores with fresh random examples and many more of them.
settings.register_profile("ci", max_examples=int(os.environ.get("FUZZ_CI_EXAMPLES", "25")), derandomize=True, **_common)
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10000")), **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_sessionstart(session):
    """Compile the catalogues (as `make test` does), so a bare `pytest` also tests what users see."""
    import runpy
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "compile_translations.py"
    runpy.run_path(str(script), run_name="__main__")


def pytest_collection_modifyitems(config, items):
    """Give every transactional test a serialized rollback.

    Reference data (regions, role groups, rule defaults) comes from data migrations; a transactional test ends by
    truncating every table, which would leave the tests after it on the same worker without that data.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        )
        if transactional and not (marker and marker.kwargs.get("serialized_rollback")):
            kwargs = {**(marker.kwargs if marker else {}), "transaction": True, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _fresh_join_form_fragment():
    """The public form's cached rendering outlives a test's rolled-back regions and categories: start each test
    without it (in production a change is committed and drops it, see members/apps.py)."""
    from members.forms import ApplicationForm

    ApplicationForm.drop_rendered()


def _user_with_role(username: str, role: str | None, region_code: str | None = None, **extra):
    user = UserFactory(username=username, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if region_code:
        Profile.objects.create(user=user, region=Region.objects.get(code=region_code))
    return user


@pytest.fixture
def staff_user(db):
    return _user_with_role("aigerim", Role.COMMITTEE_STAFF)


@pytest.fixture
def coordinator(db):
    """A regional coordinator of Karaganda region (KZ-35)."""
    return _user_with_role("erzhan", Role.REGIONAL_COORDINATOR, "KZ-35")


@pytest.fixture
def other_coordinator(db):
    """A regional coordinator of Shymkent (KZ-79)."""
    return _user_with_role("saule", Role.REGIONAL_COORDINATOR, "KZ-79")


@pytest.fixture
def trainer(db):
    return _user_with_role("dinara", Role.TRAINER)


@pytest.fixture
def finance_officer(db):
    return _user_with_role("bolat", Role.FINANCE_OFFICER)


@pytest.fixture
def integrity_officer(db):
    return _user_with_role("gulnar", Role.INTEGRITY_OFFICER)


@pytest.fixture
def auditor(db):
    return _user_with_role("marat", Role.AUDITOR)


@pytest.fixture
def superuser(db):
    return _user_with_role("root", None, is_superuser=True, is_staff=True)


@pytest.fixture
def nobody(db):
    """An authenticated user with no role at all."""
    return _user_with_role("nobody", None)


@pytest.fixture
def client_for(client):
    """Return a function that logs ``user`` in on a fresh test client."""
    from django.test import Client

    def login(user):
        from tests.factories import force_login

        return force_login(Client(), user)  # with a verified second factor where the role needs one

    return login
