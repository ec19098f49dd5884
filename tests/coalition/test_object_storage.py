"""Private files on S3-compatible object storage (django-storages), against moto's S3 server started here.

An election-day photo is stored through the incident's service, read back through the permission-checked view, and
its bytes match the SHA-256 kept in the database; the object is private (an anonymous GET is refused, its ACL grants
nobody else) and nothing lands on the local disk.
"""

from __future__ import annotations

import hashlib
import socket
import urllib.error
import urllib.request

import boto3
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from moto.server import ThreadedMotoServer

from coalition.storage import private_storage
from tests.electionday.incident_helpers import incident, jpeg, observer_at, station_in

pytestmark = pytest.mark.django_db

BUCKET = "coalition-private-test"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server on a free loopback port, for this module's tests."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, settings, tmp_path):
    """Private files go to a fresh bucket on the moto server, configured as settings.py does from the environment."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # moto accepts any key
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.MEDIA_ROOT = tmp_path / "media"  # must stay empty
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "addressing_style": "path",
                "location": "",
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_incident_photo_is_kept_in_the_bucket_and_served_by_the_checked_view(
    s3, s3_endpoint, settings, client_for, staff_user
):
    station = station_in("KZ-35")
    photo = jpeg("green")
    item = incident(station, assignment=observer_at(station), severity="high", photos=[(photo, "image/jpeg")])
    attachment = item.attachments.get()

    stored = s3.get_object(Bucket=BUCKET, Key=attachment.file.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == attachment.sha256
    assert len(stored) == attachment.size
    assert list(settings.MEDIA_ROOT.rglob("*")) == []  # nothing on the local disk

    url = reverse("electionday:incident_file", args=[station.election.slug, item.pk, attachment.pk])
    response = client_for(staff_user).get(url)
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert hashlib.sha256(served).hexdigest() == attachment.sha256


def test_stored_object_is_private(s3, s3_endpoint):
    station = station_in("KZ-35")
    item = incident(station, photos=[(jpeg("black"), "image/jpeg")])
    key = item.attachments.get().file.name

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_endpoint}/{BUCKET}/{key}", timeout=10)  # noqa: S310 # nosec B310 # loopback
    assert refused.value.code == 403
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"].get("URI") != ALL_USERS for grant in grants)
    with pytest.raises(NotImplementedError):
        private_storage.url(key)


def test_stranger_cannot_read_the_object_through_the_app(s3, client_for, other_coordinator):
    station = station_in("KZ-35")
    item = incident(station, photos=[(jpeg("white"), "image/jpeg")])
    attachment = item.attachments.get()
    url = reverse("electionday:incident_file", args=[station.election.slug, item.pk, attachment.pk])
    assert client_for(other_coordinator).get(url).status_code == 403  # KZ-79's coordinator, a KZ-35 photo


def test_deleting_a_private_file_removes_the_object(s3):
    name = private_storage.save("hotline/evidence/ab/test.pdf", ContentFile(b"%PDF-1.4 letter"))
    assert s3.get_object(Bucket=BUCKET, Key=name)["Body"].read() == b"%PDF-1.4 letter"
    assert private_storage.exists(name)
    private_storage.delete(name)  # what the hotline's retention does to an expired report's files
    assert not private_storage.exists(name)
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
