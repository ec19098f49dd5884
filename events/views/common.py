"""What the events staff pages share: the page size, the region check, a service's refusal on the page, history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from coalition.access import require_region
from coalition.forms import errors_to_form
from coalition.models import AuditEntry, Region
from events.models import Event, TrainingSession

PAGE_SIZE = 25


def in_scope(request: HttpRequest, region: Region) -> None:
    """Refuse (403) a coordinator opening an object of another region."""
    require_region(request.user, region)


def show_refusal(request: HttpRequest, exc: ValidationError, form: BaseForm | None = None) -> None:
    """Show a service's refusal on the form (when it names fields) or as messages."""
    if form is not None and hasattr(exc, "error_dict"):
        errors_to_form(form, exc)
        return
    for message in exc.messages:
        messages.error(request, message)


def history(obj: Model) -> list[AuditEntry]:
    """Return the last 50 audit entries of ``obj``, newest first."""
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-id")[:50]
    )


def paginate(request: HttpRequest, queryset: QuerySet) -> tuple[Page, str]:
    """Return the requested page of ``queryset`` and the query string of the other filters (for page links)."""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def event_in_scope(request: HttpRequest, pk: int) -> Event:
    """Return the event ``pk`` (404) if the user's region covers it (403)."""
    event = get_object_or_404(Event.objects.select_related("region"), pk=pk)
    in_scope(request, event.region)
    return event


def session_in_scope(request: HttpRequest, pk: int) -> TrainingSession:
    """Return the training session ``pk`` (404) if the user's region covers it (403)."""
    session = get_object_or_404(
        TrainingSession.objects.select_related("course", "region", "trainer", "election"), pk=pk
    )
    in_scope(request, session.region)
    return session
