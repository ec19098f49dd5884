"""The polling stations import: upload -> preview (a dry run, line by line) -> confirm exactly the previewed file."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coalition.models import AuditEntry
from events.models import PollingStation
from events.services import station_import
from tests.events.factories import StationFactory, stations_election
from tests.factories import region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _election(db):
    """Stations belong to an election (issue #18): files are imported into the one the factory's stations are on."""
    return stations_election()


CSV = (
    "number,region,address\n"
    '301,KZ-71,"Астана, ул. Кенесары, 40, школа-лицей № 1"\n'
    '302,KZ-71,"Астана, пр. Абая, 10"\n'
    '15,KZ-35,"Караганда, ул. Ерубаева, 3"\n'
).encode()


def _import(content: bytes, user) -> dict[str, int]:
    upload = station_import.store_upload(content=content, filename="stations.csv", by=user)
    plan = station_import.preview(upload, by=user)
    return station_import.apply_import(upload=upload, sha256=upload.sha256, digest=plan.digest, by=user)


def test_preview_lists_new_changed_unchanged_and_refused_lines_and_writes_nothing(staff_user):
    StationFactory(region=region("KZ-71"), number="301", address="Астана, ул. Кенесары, 40, школа-лицей № 1")
    StationFactory(region=region("KZ-71"), number="302", address="Астана, пр. Абая, 8")
    content = CSV + b"16,KZ-99,x\n17,KZ-35,\n15,KZ-35,again\n" + b"1" * 21 + b",KZ-35,x\n"
    upload = station_import.store_upload(content=content, filename="stations.csv", by=staff_user)
    plan = station_import.preview(upload, by=staff_user)
    outcomes = {line.line: (line.status, line.reason, line.old_address) for line in plan.lines}
    assert outcomes[2][0] == "unchanged"
    assert outcomes[3] == ("change", "", "Астана, пр. Абая, 8")
    assert outcomes[4][0] == "new"
    assert outcomes[5][0] == "refused" and "Unknown region code KZ-99" in outcomes[5][1]
    assert outcomes[6][0] == "refused" and "required" in outcomes[6][1]
    assert outcomes[7][0] == "refused" and "repeats line 4" in outcomes[7][1]
    assert outcomes[8][0] == "refused" and "too long" in outcomes[8][1]
    assert plan.totals == {"lines": 7, "new": 1, "change": 1, "unchanged": 1, "refused": 4}
    assert not plan.can_apply
    assert PollingStation.objects.count() == 2
    assert PollingStation.objects.get(number="302").address == "Астана, пр. Абая, 8"
    with pytest.raises(station_import.ImportRefused, match="refused lines"):
        station_import.apply_import(upload=upload, sha256=upload.sha256, digest=plan.digest, by=staff_user)
    assert PollingStation.objects.count() == 2


def test_confirm_applies_exactly_the_preview_with_one_audit_entry(staff_user):
    StationFactory(region=region("KZ-71"), number="302", address="Астана, пр. Абая, 8")
    totals = _import(CSV, staff_user)
    assert totals == {"lines": 3, "new": 2, "change": 1, "unchanged": 0, "refused": 0}
    assert PollingStation.objects.count() == 3
    assert PollingStation.objects.get(number="302").address == "Астана, пр. Абая, 10"
    entry = AuditEntry.objects.get(action="events.stations.import")
    assert entry.data["totals"] == totals and len(entry.data["stations"]) == 3
    # The same file again changes nothing: every line is unchanged, so there is nothing to import.
    upload = station_import.store_upload(content=CSV, filename="stations.csv", by=staff_user)
    plan = station_import.preview(upload, by=staff_user)
    assert plan.totals["unchanged"] == 3 and not plan.can_apply


def test_second_confirm_is_refused(staff_user):
    upload = station_import.store_upload(content=CSV, filename="stations.csv", by=staff_user)
    digest = station_import.preview(upload, by=staff_user).digest
    station_import.apply_import(upload=upload, sha256=upload.sha256, digest=digest, by=staff_user)
    again = station_import.stored_upload(upload.token, by=staff_user)
    assert again is not None and again.applied
    for attempt in (upload, again):  # the object in hand or the stored one: both refused
        with pytest.raises(station_import.ImportRefused, match="already imported"):
            station_import.apply_import(upload=attempt, sha256=upload.sha256, digest=digest, by=staff_user)
    # Even a copy that does not know it was applied is refused by the audit log.
    stale = station_import.StationUpload(**{**upload.__dict__, "applied": False, "content": CSV})
    with pytest.raises(station_import.ImportRefused, match="already imported"):
        station_import.apply_import(upload=stale, sha256=upload.sha256, digest=digest, by=staff_user)
    assert PollingStation.objects.count() == 3
    assert AuditEntry.objects.filter(action="events.stations.import").count() == 1


def test_a_changed_file_is_refused(staff_user):
    upload = station_import.store_upload(content=CSV, filename="stations.csv", by=staff_user)
    digest = station_import.preview(upload, by=staff_user).digest
    other = station_import.store_upload(content=CSV + b"16,KZ-35,x\n", filename="stations.csv", by=staff_user)
    with pytest.raises(station_import.ImportRefused, match="not the file that was previewed"):
        station_import.apply_import(upload=upload, sha256=other.sha256, digest=digest, by=staff_user)
    upload.content = CSV.replace("Абая, 10".encode(), "Абая, 12".encode())  # the stored bytes no longer match
    with pytest.raises(station_import.ImportRefused, match="not the file that was previewed"):
        station_import.apply_import(upload=upload, sha256=upload.sha256, digest=digest, by=staff_user)
    assert not PollingStation.objects.exists()


def test_stations_changed_since_the_preview_are_refused(staff_user):
    upload = station_import.store_upload(content=CSV, filename="stations.csv", by=staff_user)
    digest = station_import.preview(upload, by=staff_user).digest
    StationFactory(region=region("KZ-35"), number="15", address="Караганда, другой адрес")
    with pytest.raises(station_import.ImportRefused, match="changed since the preview"):
        station_import.apply_import(upload=upload, sha256=upload.sha256, digest=digest, by=staff_user)
    assert PollingStation.objects.count() == 1


def test_coordinator_lines_of_other_regions_are_refused_in_the_preview(coordinator):
    upload = station_import.store_upload(content=CSV, filename="stations.csv", by=coordinator)
    plan = station_import.preview(upload, by=coordinator)
    assert [(line.line, line.status) for line in plan.lines] == [(2, "refused"), (3, "refused"), (4, "new")]
    assert "Outside your region" in plan.lines[0].reason and not plan.can_apply
    own = b"number,region,address\n15,KZ-35,x\n"
    assert _import(own, coordinator)["new"] == 1
    assert PollingStation.objects.get().region.code == "KZ-35"


def test_uploads_are_kept_per_user(staff_user, coordinator):
    upload = station_import.store_upload(content=CSV, filename="stations.csv", by=staff_user)
    assert station_import.stored_upload(upload.token, by=staff_user) is not None
    assert station_import.stored_upload(upload.token, by=coordinator) is None
    assert station_import.stored_upload("no-such-token", by=staff_user) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"num;reg;addr\n1;KZ-71;x\n", "header"),
        (b"number,region,address\n", "no stations"),
        ("number,region,address\n1,KZ-71,а\n".encode("cp1251"), "UTF-8"),
        # Found by the fuzz battery (tests/fuzz): these were server errors, or a formula stored for an export.
        (b"number,region,address\n9,KZ-71,ok\n1,KZ-71,=cmd|' /C calc'!A0\n", "formula"),
        (b"number,region,address\n9,KZ-71,ok\n@SUM(1),KZ-71,x\n", "formula"),
        (b"number,region,address\n1,KZ-71,a\x00b\n", "binary"),
        (b"number,region,address\n1,KZ-71," + b"x" * 200_000 + b"\n", "not valid CSV"),
        # The long fuzz run (make fuzz): a second column of the same name hid a formula the import never read.
        (b"region,address,number,region\n@,x,101,KZ-35\n", "twice"),
        (b"number,region,address,,\n1,KZ-71,x,=cmd,y\n", "formula"),  # two unnamed columns: both cells read
    ],
)
def test_malformed_file_is_refused_whole_at_upload(staff_user, content, message):
    with pytest.raises(ValidationError) as exc:
        station_import.store_upload(content=content, filename="stations.csv", by=staff_user)
    assert any(message in m for m in exc.value.messages)
    assert not PollingStation.objects.exists()


# --- Views ----------------------------------------------------------------------------------------------------------


def _upload(client, content: bytes = CSV):
    return client.post(reverse("events:stations"), {"file": SimpleUploadedFile("stations.csv", content)})


def test_upload_preview_confirm_through_the_pages(client_for, staff_user):
    client = client_for(staff_user)
    response = _upload(client)
    assert response.status_code == 302
    preview_url = response["Location"]
    page = client.get(preview_url).content.decode()
    assert "Dry run" in page and "3 lines: 3 new stations" in page and not PollingStation.objects.exists()
    plan = client.get(preview_url).context["plan"]
    token = preview_url.rstrip("/").rsplit("/", 1)[1]
    upload = station_import.stored_upload(token, by=staff_user)
    confirm_url = reverse("events:station_import_confirm", args=[token])
    response = client.post(confirm_url, {"sha256": upload.sha256, "digest": plan.digest}, follow=True)
    assert "Imported: 3 new" in response.content.decode() and PollingStation.objects.count() == 3
    response = client.post(confirm_url, {"sha256": upload.sha256, "digest": plan.digest}, follow=True)
    assert "already imported" in response.content.decode() and PollingStation.objects.count() == 3
    assert "This file was imported" in client.get(preview_url).content.decode()


def test_preview_with_refused_lines_offers_no_confirm(client_for, staff_user):
    client = client_for(staff_user)
    response = client.get(_upload(client, b"number,region,address\n1,KZ-00,x\n")["Location"])
    page = response.content.decode()
    assert "KZ-00" in page and "refused" in page and "station_import_confirm" not in page
    assert 'name="digest"' not in page


def test_refused_file_stays_on_the_list_with_the_reason(client_for, staff_user):
    response = _upload(client_for(staff_user), b"num;reg\n1;2\n")
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("nothing was imported" in m for m in messages) and any("header" in m for m in messages)


ROLES = ["staff_user", "coordinator", "trainer", "finance_officer", "integrity_officer", "nobody", "auditor"]
ALLOWED = {"staff_user", "coordinator"}


@pytest.mark.parametrize("role", ROLES)
def test_preview_and_confirm_by_role(client_for, request, staff_user, role):
    upload = station_import.store_upload(
        content=b"number,region,address\n15,KZ-35,x\n", filename="s.csv", by=staff_user
    )
    user = request.getfixturevalue(role)
    client = client_for(user)
    preview_url = reverse("events:station_import", args=[upload.token])
    confirm_url = reverse("events:station_import_confirm", args=[upload.token])
    if role == "auditor":
        assert client.get(preview_url).status_code == 302  # auditors work in /audit/
        assert client.post(confirm_url).status_code == 302
    elif role in ALLOWED:  # another user's upload is not found
        assert client.get(preview_url).status_code == (200 if role == "staff_user" else 404)
        own = station_import.store_upload(content=b"number,region,address\n15,KZ-35,x\n", filename="s.csv", by=user)
        assert client.get(reverse("events:station_import", args=[own.token])).status_code == 200
        assert client.get(reverse("events:station_import_confirm", args=[own.token])).status_code == 405
    else:
        assert client.get(preview_url).status_code == 403
        assert client.post(confirm_url).status_code == 403
    assert not PollingStation.objects.exists()


def test_anonymous_is_sent_to_login(client, staff_user):
    upload = station_import.store_upload(content=CSV, filename="s.csv", by=staff_user)
    response = client.get(reverse("events:station_import", args=[upload.token]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("events:station_import_confirm", args=[upload.token]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
