"""An event's report after it is held: turnout, organizations present, notes and photos (served to staff only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition.access import AuthenticatedHttpRequest, require, staff_required
from coalition.middleware import request_budget
from events import services
from events.forms import ReportForm
from events.models import EventPhoto
from events.views.common import event_in_scope, show_refusal


@request_budget(max_bytes=(services.MAX_REPORT_PHOTOS + 1) * services.PHOTO_MAX_BYTES)
@staff_required
def event_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.change_event")
    event = event_in_scope(request, pk)
    report = getattr(event, "report", None)
    initial = {}
    if report is not None:
        initial = {"turnout": report.turnout, "organizations": report.organizations.all(), "notes": report.notes}
    else:
        initial = {"turnout": event.registrations.filter(checked_in_at__isnull=False).count()}
    form = ReportForm(request.POST or None, request.FILES or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.file_report(event=event, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_refusal(request, exc, form)
        else:
            messages.success(request, _("The report was filed."))
            return redirect("events:detail", pk)
    return render(request, "events/report_form.html", {"event": event, "form": form, "report": report})


@staff_required
def event_photo(request: AuthenticatedHttpRequest, pk: int, photo: int) -> FileResponse:
    """Serve a report photo (``?size=thumb``: its thumbnail) to staff who may see photos, in their region."""
    require(request, "events.view_eventphoto")
    event = event_in_scope(request, pk)
    item = get_object_or_404(EventPhoto, pk=photo, report__event=event)
    thumb = request.GET.get("size") == "thumb"
    extension = "png" if item.content_type == "image/png" and not thumb else "jpg"
    response = FileResponse(
        (item.thumbnail if thumb else item.file).open("rb"),
        content_type="image/jpeg" if thumb else item.content_type,
        filename=f"event-{event.pk}-photo-{item.pk}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_required
@require_POST
def event_photo_delete(request: AuthenticatedHttpRequest, pk: int, photo: int) -> HttpResponse:
    """Remove a photo from the event's report (who may file the report may remove its photos)."""
    require(request, "events.change_event")
    event = event_in_scope(request, pk)
    item = get_object_or_404(EventPhoto, pk=photo, report__event=event)
    services.remove_report_photo(photo=item, by=request.user)
    messages.success(request, _("The photo was removed from the report."))
    return redirect("events:report", pk)
