"""Bulk import of people: reading the file, the dry run, and applying it all-or-nothing."""

import datetime
import hashlib

import pytest
from django.test import override_settings
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coalition.models import AuditEntry
from members import people_import
from members.models import Affiliation, Consent, PeopleImport, Person
from members.people_import import FileRefused, ImportRefused
from tests.factories import OrganizationFactory, iin_number, region
from tests.members.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the catalogues' translations may change)."""
    with translation.override("en"):
        yield


HEADER = "iin,last_name,first_name,patronymic,phone,email,organization,role,position,consent,consent_date"


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def row(iin, last="Иванов", first="Иван", patronymic="", phone="", email="", org="", role="", pos="", consent="да",
        date="2026-11-01"):  # fmt: skip
    return ",".join([iin, last, first, patronymic, phone, email, org, role, pos, consent, date])


def preview(content: bytes, user, scope=None):
    record = people_import.store_upload(content=content, filename="people.csv", uploaded_by=user)
    return record, people_import.preview(record, scope=scope)


def apply(record, result, user, scope=None):
    return people_import.apply_import(people_import=record, digest=result.digest, scope=scope, applied_by=user)


# Reading the file --------------------------------------------------------------------------------------------------


def test_reads_utf8_with_bom_and_semicolons():
    iin = iin_number()
    content = "\ufeff" + "ИИН;Фамилия;Имя;Согласие;Дата согласия\n" + f"{iin};Сәрсенов;Айдос;иә;27.11.2026\n"
    parsed = people_import.read_file(content.encode())
    assert parsed.encoding == "utf-8" and parsed.delimiter == ";"
    assert parsed.rows == [(2, {**dict.fromkeys(people_import.COLUMNS, ""), "iin": iin, "last_name": "Сәрсенов",
                                "first_name": "Айдос", "consent": "иә", "consent_date": "27.11.2026"})]  # fmt: skip


def test_reads_cp1251_which_kazakh_offices_use():
    parsed = people_import.read_file(csv_file(row(iin_number(), last="Петров"), encoding="cp1251"))
    assert parsed.encoding == "cp1251" and parsed.rows[0][1]["last_name"] == "Петров"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (HEADER.encode() + b"\n", "empty"),
        (b"iin,last_name\n1,2\n", "columns"),
        (b"PK\x03\x04rest-of-a-zip", "xlsx"),
        (HEADER.encode("utf-16"), "binary"),
        (b"iin,last_name\x00", "binary"),
        (b"\x98\x98\x98 not text", "encoding"),
        (csv_file('"unterminated,Иванов,Иван,,,,,,,да,2026-11-01'), "csv"),
        (csv_file(header=HEADER + ",iin"), "columns"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_reason(content, code):
    with pytest.raises(FileRefused) as refused:
        people_import.read_file(content)
    assert refused.value.code == code and refused.value.message


@override_settings(PEOPLE_IMPORT_MAX_ROWS=3)
def test_too_many_rows_refuse_the_file():
    with pytest.raises(FileRefused) as refused:
        people_import.read_file(csv_file(*[row(iin_number()) for _ in range(4)]))
    assert refused.value.code == "rows"
    assert len(people_import.read_file(csv_file(*[row(iin_number()) for _ in range(3)])).rows) == 3


@override_settings(PEOPLE_IMPORT_MAX_LINE=200)
def test_a_huge_row_refuses_the_file():
    with pytest.raises(FileRefused) as refused:
        people_import.read_file(csv_file(row(iin_number(), last="Я" * 300)))
    assert refused.value.code == "line_length"


@override_settings(PEOPLE_IMPORT_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(staff_user):
    with pytest.raises(FileRefused):
        people_import.store_upload(content=b"x" * 1001, filename="a.csv", uploaded_by=staff_user)
    assert not PeopleImport.objects.exists()


# The dry run -------------------------------------------------------------------------------------------------------


def test_dry_run_sorts_rows_and_writes_nothing(staff_user):
    org = OrganizationFactory(region=region("KZ-35"))
    known = PersonFactory(full_name="Старое Имя", iin=iin_number(), email="old@example.kz")
    same = PersonFactory(full_name="Ахметов Бек", iin=iin_number(), phone="+77011234567")
    Consent.objects.create(person=same, purpose="events", text_version="v", text="t", given_at=timezone.now())
    new = iin_number()
    content = csv_file(
        row(new, phone="8 701 555 44 33", email="ivan@example.kz", org=org.bin, role="observer", pos="Наблюдатель"),
        row(known.iin, last="Старое", first="Имя", email="new@example.kz"),
        row(same.iin, last="Ахметов", first="Бек", phone="+7 701 123 45 67"),
        row(new, last="Другой"),
        row("123456789012"),
        row(iin_number(), phone="12"),
        row(iin_number(), org="999999"),
        row(iin_number(), consent="нет"),
        row(iin_number(), email="not-an-email"),
        row(iin_number(), date="2099-01-01"),
        row(iin_number(), role="boss", org=org.bin),
    )
    people_before, audit_before = Person.objects.count(), AuditEntry.objects.count()
    record, result = preview(content, staff_user)
    statuses = [r.status for r in result.rows]
    assert statuses == ["new", "update", "unchanged", "duplicate", *["error"] * 7]
    first = result.rows[0]
    assert first.phone == "+77015554433" and first.role == "observer" and first.consent_purpose == "observation"
    assert first.add_affiliation and first.add_consent and first.set_region_id == org.region_id
    assert result.rows[1].changes == ["email"] and result.rows[1].add_consent
    assert result.rows[3].duplicate_of == 2
    assert "not valid" in result.rows[4].errors[0] and "phone" in result.rows[5].errors[0]
    assert "Unknown organization" in result.rows[6].errors[0] and "consent" in result.rows[7].errors[0]
    assert result.totals == {"rows": 11, "new": 1, "update": 1, "unchanged": 1, "duplicate": 1, "error": 7}
    assert not result.can_apply
    assert (Person.objects.count(), AuditEntry.objects.count()) == (people_before, audit_before)
    assert record.sha256 == hashlib.sha256(content).hexdigest()


def test_formula_cells_are_stored_as_text_and_flagged(staff_user):
    iin = iin_number()
    record, result = preview(csv_file(row(iin, last="=cmd|' /C calc'!A0", first="@SUM(1)")), staff_user)
    assert result.rows[0].status == "new" and len(result.rows[0].warnings) == 2
    apply(record, result, staff_user)
    assert Person.objects.get(iin=iin).full_name == "=cmd|' /C calc'!A0 @SUM(1)"


def test_a_withdrawn_consent_is_not_revived_by_an_older_paper(staff_user):
    person = PersonFactory(iin=iin_number(), full_name="Иванов Иван")
    Consent.objects.create(
        person=person, purpose="events", text_version="v", text="t",
        given_at=timezone.now() - datetime.timedelta(days=60), withdrawn_at=timezone.now(),
    )  # fmt: skip
    _record, result = preview(csv_file(row(person.iin, date="2026-01-01")), staff_user)
    assert result.rows[0].status == "error" and "withdrew" in result.rows[0].errors[0]


# Applying ----------------------------------------------------------------------------------------------------------


def test_confirm_applies_exactly_the_preview_with_consents_and_audit(staff_user):
    org = OrganizationFactory(region=region("KZ-35"))
    known = PersonFactory(full_name="Старое Имя", iin=iin_number())
    new = iin_number()
    content = csv_file(
        row(new, patronymic="Петрович", org=org.bin, role="proxy", pos="Доверенное лицо", date="27.11.2026"),
        row(known.iin, last="имя", first="СТАРОЕ", org=str(org.pk)),  # the same name, in another order and case
        row(new),
    )
    record, result = preview(content, staff_user)
    totals = apply(record, result, staff_user)
    assert totals["new"] == 1 and totals["update"] == 1 and totals["duplicate"] == 1
    person = Person.objects.get(iin=new)
    assert person.full_name == "Иванов Иван Петрович" and person.region == org.region
    affiliation = Affiliation.objects.get(person=person)
    assert (affiliation.organization, affiliation.role, affiliation.title) == (org, "proxy", "Доверенное лицо")
    consent = Consent.objects.get(person=person)
    assert consent.purpose == "observation" and timezone.localdate(consent.given_at) == datetime.date(2026, 11, 27)
    assert consent.text == str(people_import.IMPORT_CONSENT_TEXT) and consent.withdrawn_at is None
    known.refresh_from_db()
    assert known.full_name == "Старое Имя" and known.affiliations.get().role == "member" and known.region == org.region
    record.refresh_from_db()
    assert record.status == "applied" and bytes(record.content) == b"" and record.summary["new"] == 1
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "members.people.import" and entry.data["sha256"] == record.sha256
    assert [(p["person"], p["created"], p["changes"]) for p in entry.data["people"]] == [
        (person.pk, True, []),
        (known.pk, False, ["region"]),  # a person without a region takes the organization's
    ]
    with pytest.raises(ImportRefused):  # a second confirmation (double click, replay) does nothing
        apply(record, result, staff_user)
    assert Person.objects.filter(iin=new).count() == 1


def test_a_known_iin_under_another_name_is_an_error_not_a_rename(staff_user):
    person = PersonFactory(iin=iin_number(), full_name="Омарова Жанна")
    org = OrganizationFactory(region=region("KZ-35"))
    _record, result = preview(csv_file(row(person.iin, last="Петров", first="Пётр", org=org.bin)), staff_user)
    assert result.rows[0].status == "error" and "another name" in result.rows[0].errors[0]
    assert not result.can_apply


def test_confirm_is_refused_when_the_people_changed_since_the_preview(staff_user):
    iin = iin_number()
    record, result = preview(csv_file(row(iin), row(iin_number())), staff_user)
    PersonFactory(iin=iin, full_name="Иванов Иван")  # recorded by someone else meanwhile
    with pytest.raises(ImportRefused) as refused:
        apply(record, result, staff_user)
    assert refused.value.code == "changed"
    assert Person.objects.count() == 1  # all or nothing: the other new row was not written either


def test_confirm_is_refused_for_a_file_with_errors(staff_user):
    record, result = preview(csv_file(row(iin_number()), row("1")), staff_user)
    with pytest.raises(ImportRefused):
        apply(record, result, staff_user)
    assert not Person.objects.exists()


def test_confirm_is_refused_when_the_stored_file_was_altered(staff_user):
    record, result = preview(csv_file(row(iin_number())), staff_user)
    PeopleImport.objects.filter(pk=record.pk).update(content=csv_file(row(iin_number())))
    with pytest.raises(ImportRefused) as refused:
        apply(record, result, staff_user)
    assert refused.value.code == "hash" and not Person.objects.exists()


def test_an_old_preview_cannot_be_confirmed_and_is_purged(staff_user):
    record, result = preview(csv_file(row(iin_number())), staff_user)
    PeopleImport.objects.filter(pk=record.pk).update(created_at=timezone.now() - datetime.timedelta(hours=25))
    with pytest.raises(ImportRefused) as refused:
        apply(record, result, staff_user)
    assert refused.value.code == "expired"
    preview(csv_file(row(iin_number())), staff_user)
    assert not PeopleImport.objects.filter(pk=record.pk).exists()


def test_a_failure_midway_writes_nothing(staff_user, monkeypatch):
    record, result = preview(csv_file(row(iin_number()), row(iin_number()), row(iin_number())), staff_user)

    def failing_record(**kwargs):
        raise RuntimeError("the database went away")  # after the people, consents and the record were written

    monkeypatch.setattr(people_import.audit, "record", failing_record)
    with pytest.raises(RuntimeError):
        apply(record, result, staff_user)
    assert not Person.objects.exists() and not Consent.objects.exists()
    record.refresh_from_db()
    assert record.status == "previewed"


# Coordinators ------------------------------------------------------------------------------------------------------


def test_coordinator_imports_only_into_their_region(coordinator):
    scope = region("KZ-35")
    own, other = OrganizationFactory(region=scope), OrganizationFactory(region=region("KZ-79"))
    outsider = PersonFactory(iin=iin_number(), region=region("KZ-79"))
    local = PersonFactory(iin=iin_number(), region=scope, full_name="Иванов Иван")
    new = iin_number()
    content = csv_file(
        row(new, org=own.bin), row(iin_number(), org=other.bin), row(outsider.iin), row(local.iin, email="a@b.kz")
    )
    _record, result = preview(content, coordinator, scope=scope)
    assert [r.status for r in result.rows] == ["new", "error", "error", "update"]
    assert "not in your region" in result.rows[1].errors[0] and "outside your region" in result.rows[2].errors[0]
    record, clean = preview(csv_file(row(new, org=own.bin), row(iin_number())), coordinator, scope=scope)
    apply(record, clean, coordinator, scope=scope)
    assert set(Person.objects.filter(iin__in=[new]).values_list("region", flat=True)) == {scope.pk}
    assert Person.objects.filter(region=scope).count() == 3  # the local one, and both new ones in the region


# Fuzzing -----------------------------------------------------------------------------------------------------------

_cell = st.text(alphabet=st.sampled_from('=+-@\t\r\n";,01234567890.аяӘәIin xyz\x00\x98'), max_size=14)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(st.sampled_from([*people_import.COLUMNS, "x", "ИИН", ""]), min_size=0, max_size=12),
    rows=st.lists(st.lists(_cell, max_size=12), max_size=4),
    delimiter=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]),
)
def test_any_file_is_read_or_refused_and_planned_without_a_crash(header, rows, delimiter, encoding):
    text = "\n".join(delimiter.join(cells) for cells in [header, *rows])
    content = text.encode(encoding, errors="replace")
    try:
        parsed = people_import.read_file(content)
    except FileRefused as refused:
        assert refused.message and refused.code
        return
    result = people_import.plan(parsed, scope=None)
    assert len(result.rows) == len(parsed.rows)
    assert all(row.status in ("new", "update", "unchanged", "duplicate", "error") for row in result.rows)
    assert all(row.errors for row in result.rows if row.status == "error")
