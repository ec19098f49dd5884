"""After an event: its report (turnout, organizations present, notes) and the report's photos, checked by content
and stripped of their metadata."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import audit, images
from events.models import Event, EventPhoto, EventReport
from events.services._common import check_region
from members.models import Organization

PHOTO_MAX_BYTES = 10 * 1024 * 1024
MAX_REPORT_PHOTOS = 10  # per upload: bounds the request (coalition.middleware.request_budget) and the decoding work
PHOTOS_PER_REPORT = 20


def clean_photos(uploads: Iterable[Any]) -> list[images.CleanImage]:
    """Check uploaded photos by content (JPEG/PNG, size, decodable) and strip their metadata; refuse all on one bad."""
    cleaned: list[images.CleanImage] = []
    errors: list[str] = []
    uploads = list(uploads)
    if len(uploads) > MAX_REPORT_PHOTOS:
        raise ValidationError(
            {"photos": _("Attach at most %(count)d photos at a time.") % {"count": MAX_REPORT_PHOTOS}}
        )
    for upload in uploads:
        name = getattr(upload, "name", "") or _("photo")
        if getattr(upload, "size", 0) > PHOTO_MAX_BYTES:
            errors.append(
                _("%(name)s: the file is larger than %(mb)s MB.") % {"name": name, "mb": PHOTO_MAX_BYTES >> 20}
            )
            continue
        data = upload.read() if hasattr(upload, "read") else upload
        try:
            cleaned.append(images.clean_image(data, max_bytes=PHOTO_MAX_BYTES))
        except images.ImageRejected as exc:
            errors.append(f"{name}: {exc}")
    if errors:
        raise ValidationError({"photos": errors})
    return cleaned


def file_report(
    *,
    event: Event,
    by: User,
    turnout: int,
    organizations: Iterable[Organization],
    notes: str = "",
    photos: Iterable[Any] = (),
) -> EventReport:
    """File (or correct) the report of a held event: turnout, organizations present, notes, photos.

    Photos are checked by content and stripped of metadata (EXIF GPS) before anything is written; one bad photo
    refuses the whole submission. Photos are added to those already filed (the same photo twice is kept once).
    """
    check_region(by, event.region)
    cleaned = clean_photos(photos) if photos else []
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.status != Event.Status.HELD:
            raise ValidationError(_("A report is filed after the event is marked as held."))
        report, created = EventReport.objects.update_or_create(
            event=event, defaults={"turnout": turnout, "notes": notes, "filed_by": by, "filed_at": timezone.now()}
        )
        report.organizations.set(organizations)
        known = set(report.photos.values_list("sha256", flat=True))
        fresh = []
        for image in cleaned:
            if image.sha256 not in known:
                known.add(image.sha256)
                fresh.append(image)
        if report.photos.count() + len(fresh) > PHOTOS_PER_REPORT:
            raise ValidationError(
                {"photos": _("A report keeps at most %(count)d photos.") % {"count": PHOTOS_PER_REPORT}}
            )
        added = []
        for image in fresh:
            photo = EventPhoto(
                report=report,
                content_type=image.content_type,
                sha256=image.sha256,
                width=image.width,
                height=image.height,
                uploaded_by=by,
            )
            photo.file.save("photo", ContentFile(image.content), save=False)
            photo.thumbnail.save("thumb.jpg", ContentFile(images.thumbnail(image.content)), save=False)
            photo.save()
            added.append(photo.pk)
        audit.record(
            actor=by,
            action="events.report" if created else "events.report.update",
            obj=event,
            data={"turnout": turnout, "organizations": sorted(o.pk for o in organizations), "photos_added": added},
        )
    return report


def remove_report_photo(*, photo: EventPhoto, by: User) -> None:
    """Take a photo off an event report (a wrong or private picture): the row goes, its files go after commit,
    and the audit log keeps who removed which photo (its SHA-256)."""
    check_region(by, photo.report.event.region)
    with transaction.atomic():
        photo = EventPhoto.objects.select_for_update().select_related("report__event").get(pk=photo.pk)
        files = [(photo.file.storage, photo.file.name), (photo.thumbnail.storage, photo.thumbnail.name)]
        photo.delete()
        audit.record(
            actor=by,
            action="events.report.photo_removed",
            obj=photo.report.event,
            data={"photo": photo.sha256, "uploaded_by": photo.uploaded_by_id},
        )
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files if name])
