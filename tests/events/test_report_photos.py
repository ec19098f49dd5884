"""Post-event report photos: checked by content, EXIF/GPS stripped, several at once, shown to staff with permission."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from coalition import images
from coalition.models import OutboundMessage
from events import services, tasks
from events.models import Event, EventPhoto
from tests.events.factories import EventFactory
from tests.factories import region
from tests.hotline.factories import GPS_IFD, jpeg_with_gps, png_with_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _held(**kwargs):
    start = timezone.now() - timedelta(days=1)
    return EventFactory(starts_at=start, ends_at=start + timedelta(hours=2), status=Event.Status.HELD, **kwargs)


def _upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_coalition_images_module_strips_gps_and_makes_thumbnails():
    clean = images.clean_image(jpeg_with_gps(size=(800, 600)), max_bytes=1 << 20)
    with Image.open(io.BytesIO(clean.content)) as image:
        assert not image.getexif().get_ifd(GPS_IFD) and "exif" not in image.info
    with Image.open(io.BytesIO(images.thumbnail(clean.content, size=320))) as thumb:
        assert max(thumb.size) == 320 and thumb.format == "JPEG"
    with pytest.raises(images.ImageRejected):
        images.clean_image(b"%PDF-1.4 not an image", max_bytes=1 << 20)


def test_photos_are_stored_without_gps_and_with_thumbnails(staff_user, settings):
    event = _held()
    report = services.file_report(
        event=event,
        by=staff_user,
        turnout=12,
        organizations=[],
        photos=[_upload(jpeg_with_gps(size=(640, 480))), _upload(png_with_text(), "scan.png", "image/png")],
    )
    photos = list(report.photos.all())
    assert [p.content_type for p in photos] == ["image/jpeg", "image/png"]
    stored = (settings.MEDIA_ROOT / photos[0].file.name).read_bytes()
    assert b"Secret Phone" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif().get_ifd(GPS_IFD)
    assert photos[0].file.name.startswith("events/photos/") and "photo" not in photos[0].file.name.split("/")[-1]
    assert (settings.MEDIA_ROOT / photos[0].thumbnail.name).exists()
    # Correcting the report adds photos; the same photo again is kept once.
    services.file_report(
        event=event, by=staff_user, turnout=13, organizations=[], photos=[_upload(jpeg_with_gps(size=(640, 480)))]
    )
    assert report.photos.count() == 2


@pytest.mark.parametrize(
    "data,name",
    [
        (b"GIF89a not accepted", "photo.jpg"),  # named .jpg, but it is not a JPEG
        (b"\xff\xd8\xff\xe0 broken jpeg", "photo.jpg"),  # looks like JPEG, does not decode
        (b"", "empty.jpg"),
    ],
)
def test_bad_photos_refuse_the_whole_submission(staff_user, data, name):
    event = _held()
    with pytest.raises(ValidationError) as exc:
        services.file_report(
            event=event,
            by=staff_user,
            turnout=5,
            organizations=[],
            photos=[_upload(jpeg_with_gps()), _upload(data, name)],
        )
    assert "photos" in exc.value.message_dict
    assert not EventPhoto.objects.exists() and not hasattr(Event.objects.get(pk=event.pk), "report")


def test_size_limit(staff_user, monkeypatch):
    monkeypatch.setattr(services.reports, "PHOTO_MAX_BYTES", 1000)  # the module that checks the photos
    with pytest.raises(ValidationError):
        services.file_report(
            event=_held(), by=staff_user, turnout=1, organizations=[], photos=[_upload(jpeg_with_gps(size=(400, 400)))]
        )


def test_report_page_uploads_several_photos_and_event_page_shows_thumbnails(client_for, coordinator):
    event = _held()
    client = client_for(coordinator)
    response = client.post(
        reverse("events:report", args=[event.pk]),
        {
            "turnout": 30,
            "notes": "Прошло спокойно",
            "photos": [_upload(jpeg_with_gps()), _upload(jpeg_with_gps((32, 20)))],
        },
    )
    assert response.status_code == 302
    photos = list(EventPhoto.objects.filter(report__event=event))
    assert len(photos) == 2
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert 'id="report-photos"' in page
    assert f"{reverse('events:photo', args=[event.pk, photos[0].pk])}?size=thumb" in page
    bad = client.post(
        reverse("events:report", args=[event.pk]),
        {"turnout": 30, "photos": [_upload(b"MZ executable", "virus.jpg")]},
    )
    assert bad.status_code == 200 and "photos" in bad.context["form"].errors
    assert EventPhoto.objects.count() == 2


@pytest.mark.parametrize(
    "role,expected",
    [
        ("staff_user", 200),
        ("coordinator", 200),
        ("other_coordinator", 403),
        ("trainer", 403),
        ("finance_officer", 403),
        ("integrity_officer", 403),
        ("nobody", 403),
        ("auditor", 302),
    ],
)
def test_photo_view_by_role(client_for, request, staff_user, role, expected):
    event = _held()
    report = services.file_report(
        event=event, by=staff_user, turnout=3, organizations=[], photos=[_upload(jpeg_with_gps())]
    )
    photo = report.photos.get()
    client = client_for(request.getfixturevalue(role))
    response = client.get(reverse("events:photo", args=[event.pk, photo.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
        thumb = client.get(reverse("events:photo", args=[event.pk, photo.pk]), {"size": "thumb"})
        assert thumb.status_code == 200 and b"".join(thumb.streaming_content)[:3] == b"\xff\xd8\xff"
        # The photo of another event is not reachable through this one.
        other = _held(region=region("KZ-35"))
        assert client.get(reverse("events:photo", args=[other.pk, photo.pk])).status_code == 404
    page = client.get(reverse("events:detail", args=[event.pk]))
    if page.status_code == 200:
        assert ('id="report-photos"' in page.content.decode()) == (expected == 200)


def test_photo_view_anonymous_goes_to_login(client, staff_user):
    event = _held()
    report = services.file_report(
        event=event, by=staff_user, turnout=3, organizations=[], photos=[_upload(jpeg_with_gps())]
    )
    response = client.get(reverse("events:photo", args=[event.pk, report.photos.get().pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_report_reminder_task_runs_until_filed_exactly_once_a_day(staff_user):
    import time_machine

    event = _held(responsible=staff_user)
    assert tasks.send_report_reminders.apply().get() == 1
    assert tasks.send_report_reminders.apply().get() == 0  # beat fired twice the same day
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert tasks.send_report_reminders.apply().get() == 1
        services.file_report(event=event, by=staff_user, turnout=3, organizations=[], photos=[_upload(jpeg_with_gps())])
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert tasks.send_report_reminders.apply().get() == 0
    keys = list(OutboundMessage.objects.filter(key__startswith="report-due:").values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 2


def test_a_photo_can_be_removed_by_who_may_file_the_report_and_its_files_go(
    client_for, coordinator, other_coordinator, trainer, django_capture_on_commit_callbacks
):
    from coalition.models import AuditEntry

    event = _held(region=region("KZ-35"))
    report = services.file_report(
        event=event,
        by=coordinator,
        turnout=3,
        organizations=[],
        photos=[_upload(jpeg_with_gps()), _upload(jpeg_with_gps((32, 20)))],
    )
    first, second = report.photos.all()
    url = reverse("events:photo_delete", args=[event.pk, first.pk])
    assert client_for(other_coordinator).post(url).status_code == 403  # another region
    assert client_for(trainer).post(url).status_code == 403
    client = client_for(coordinator)
    assert client.get(url).status_code == 405  # POST only
    page = client.get(reverse("events:report", args=[event.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert url in page and "Remove this photo from the report?" in page
    storage, name, thumb = first.file.storage, first.file.name, first.thumbnail.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("events:report", args=[event.pk])
    assert list(report.photos.all()) == [second]
    assert not storage.exists(name) and not storage.exists(thumb)
    entry = AuditEntry.objects.get(action="events.report.photo_removed")
    assert entry.data["photo"] == first.sha256 and entry.actor_id == coordinator.pk
    # Removing it again, or through another event, finds nothing.
    assert client.post(url).status_code == 404
    assert client.post(reverse("events:photo_delete", args=[_held().pk, second.pk])).status_code in (403, 404)
