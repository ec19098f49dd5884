"""Issue #16, class 5: one person, one identity.

Whoever knows someone's IIN or email must not be able to attach things to that person's record through any path
that records people: the application to join, a member's nomination, event registration, a walk-in, training
enrolment and the people import. Each path is attacked the same way (the victim's IIN and email, another name); the
victim's record must get nothing new. Every path must also go through the one identity service (members.identity),
which keeps who asserted what. See docs/security.md, "One person, one identity".
"""

import ast
import contextlib
import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from events import services as events
from events.models import Enrolment, Registration
from members import people_import
from members import services as members
from members.models import Affiliation, Consent, Person
from members.services import portal
from tests.events.factories import EventFactory, SessionFactory
from tests.factories import OrganizationFactory, UserFactory, iin_number, region
from tests.members.factories import make_application

pytestmark = pytest.mark.django_db

ATTACKER_NAME = "Чужой Человек Самозванович"
VICTIM_NAME = "Омарова Жанна Сериковна"


@pytest.fixture
def victim():
    """A person on record with an IIN, an email, an organization role and a consent."""
    person = Person.objects.create(
        full_name=VICTIM_NAME, iin=iin_number(), email="zhanna@example.kz", region=region("KZ-35")
    )
    organization = OrganizationFactory(status="admitted", joined_on=datetime.date(2026, 11, 20), region=region("KZ-35"))
    Affiliation.objects.create(person=person, organization=organization, role=Affiliation.Role.VOLUNTEER)
    Consent.objects.create(person=person, purpose="events", text_version="v", text="t", given_at=timezone.now())
    return person


@pytest.fixture
def member(db):
    """An admitted KZ-35 organization and its representative's portal account."""
    organization = OrganizationFactory(status="admitted", joined_on=datetime.date(2026, 11, 20), region=region("KZ-35"))
    user = UserFactory(username="rep")
    person = Person.objects.create(full_name="Представитель Организации", user=user)
    Affiliation.objects.create(person=person, organization=organization, role=Affiliation.Role.REPRESENTATIVE)
    return organization, user


def _join(name, iin, email, users):
    return members.submit_application(
        application=make_application(representative_name=name, representative_iin=iin, representative_email=email)
    )


def _nominate(name, iin, email, users):
    organization, user = users["member"]
    return portal.nominate_person(
        organization=organization, full_name=name, role="observer", email=email, consent_text="Согласен",
        nominated_by=user,
    )  # fmt: skip


def _register(name, iin, email, users):
    return events.register(event=EventFactory(), applicant=events.Applicant(full_name=name, email=email))


def _walk_in(name, iin, email, users):
    # An event starting now: the door is open (check-in window, #22).
    return events.add_walk_in(
        event=EventFactory(starts_at=timezone.now()), by=users["coordinator"], full_name=name, email=email
    )


def _enrol(name, iin, email, users):
    return events.enrol(session=SessionFactory(), applicant=events.Applicant(full_name=name, email=email))


def _import(name, iin, email, users):
    last, first, patronymic = [*name.split(), "", ""][:3]
    organization = OrganizationFactory(status="admitted", joined_on=datetime.date(2026, 11, 20), region=region("KZ-35"))
    header = "iin,last_name,first_name,patronymic,email,organization,role,consent,consent_date"
    content = f"{header}\n{iin},{last},{first},{patronymic},{email},{organization.bin},observer,да,2026-11-01\n"
    record = people_import.store_upload(content=content.encode(), filename="p.csv", uploaded_by=users["staff"])
    result = people_import.preview(record, scope=None)
    with contextlib.suppress(people_import.ImportRefused):  # the policy may refuse the row, and so the file
        people_import.apply_import(people_import=record, digest=result.digest, scope=None, applied_by=users["staff"])
    return result


PATHS = {
    "join": _join,
    "nomination": _nominate,
    "registration": _register,
    "walk_in": _walk_in,
    "enrolment": _enrol,
    "import": _import,
}


@pytest.fixture
def users(staff_user, coordinator, member):
    return {"staff": staff_user, "coordinator": coordinator, "member": member}


def _footprint(person: Person) -> dict:
    person.refresh_from_db()
    return {
        "name": person.full_name,
        "email": person.email,
        "affiliations": sorted(person.affiliations.values_list("pk", flat=True)),
        "consents": sorted(person.consents.values_list("pk", flat=True)),
        "registrations": Registration.objects.filter(person=person).count(),
        "enrolments": Enrolment.objects.filter(person=person).count(),
    }


@pytest.mark.parametrize("path", PATHS)
def test_no_path_attaches_anything_to_a_person_whose_iin_or_email_is_typed_under_another_name(path, victim, users):
    before = _footprint(victim)
    with contextlib.suppress(ValidationError):  # a path may refuse outright: the victim's record must get nothing
        PATHS[path](ATTACKER_NAME, victim.iin, victim.email, users)
    assert _footprint(victim) == before


@pytest.mark.parametrize("path", [p for p in PATHS if p != "import"])
def test_each_path_keeps_the_claim_apart_as_pending_for_staff(path, victim, users):
    from members.models import IdentityClaim

    PATHS[path](ATTACKER_NAME, victim.iin, victim.email, users)
    claim = IdentityClaim.objects.get(candidate=victim)
    assert claim.source == path and claim.outcome == IdentityClaim.Outcome.PENDING
    assert claim.claimed["full_name"] == ATTACKER_NAME and claim.claimed["email"] == victim.email
    assert claim.person != victim and claim.person.iin == ""  # the IIN stays with its holder
    assert claim.person.consents.filter(claim=claim).exists()  # the consent is recorded for who gave it


def test_the_holder_of_an_iin_typed_under_another_name_is_told(victim, users):
    from coalition.models import OutboundMessage

    _join(ATTACKER_NAME, victim.iin, "attacker@example.kz", users)
    message = OutboundMessage.objects.get(key__startswith="members:identity-claim:")
    assert message.recipient == victim.email and ATTACKER_NAME not in message.body


@pytest.mark.parametrize("path", PATHS)
def test_every_path_records_who_asserted_which_identity(path, users):
    from members.models import IdentityClaim

    iin, email = iin_number(), f"{path}@example.kz"
    PATHS[path]("Новый Человек Тестович", iin, email, users)
    claim = IdentityClaim.objects.get(source=path)
    assert claim.outcome == IdentityClaim.Outcome.CREATED and claim.claimed["email"] == email
    expected = {"nomination": users["member"][1], "walk_in": users["coordinator"], "import": users["staff"]}
    assert claim.asserted_by == expected.get(path)
    consents = Consent.objects.filter(person=claim.person)
    assert consents.exists() and all(c.claim == claim for c in consents)


def test_a_matching_iin_and_name_is_the_same_person_whatever_the_spelling(victim, users):
    organization = _join("ОМАРОВА  жанна   СЕРИКОВНА", victim.iin, "", users)
    assert organization.affiliations.get().person == victim  # case, spacing and word order do not matter
    written_with_yo = Person.objects.create(full_name="Королёв Пётр", iin=iin_number())
    organization = _join("Петр Королев", written_with_yo.iin, "", users)
    assert organization.affiliations.get().person == written_with_yo


def test_staff_at_the_door_use_the_person_on_record_only_when_email_and_name_match(victim, users):
    registration = events.add_walk_in(
        event=EventFactory(starts_at=timezone.now()),  # the door is open
        by=users["coordinator"],
        full_name="жанна омарова сериковна",
        email=victim.email,
    )
    assert registration.person == victim


# The class by construction: nothing but members.identity writes people or consents. -------------------------------

APPS = ("coalition", "members", "events", "donations")
# Loaders of synthetic demo data write their fixed people directly: no one asserts an identity there.
ALLOWED = {"members/identity.py", "members/demo.py", "events/demo.py"}


def _writes_people(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("Person", "Consent"):
            lines.append(node.lineno)  # an instance, for bulk_create
        elif isinstance(func, ast.Attribute) and func.attr in ("create", "bulk_create", "get_or_create"):
            target = func.value
            if isinstance(target, ast.Attribute) and target.attr == "objects":
                target = target.value
            if (isinstance(target, ast.Name) and target.id in ("Person", "Consent")) or (
                isinstance(target, ast.Attribute) and target.attr == "consents"
            ):
                lines.append(node.lineno)
    return lines


def test_only_the_identity_service_creates_people_and_consents():
    root = Path(settings.BASE_DIR)
    offenders = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "/migrations/" in relative or relative in ALLOWED:
                continue
            offenders += [f"{relative}:{line}" for line in _writes_people(ast.parse(path.read_text()))]
    assert offenders == []
