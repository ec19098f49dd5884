"""The check-in page at an event's door: scan a QR code or search, mark people present, add walk-ins."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition.access import AuthenticatedHttpRequest, require, staff_required
from events import services
from events.forms import WalkInForm
from events.models import Registration
from events.views.common import event_in_scope, show_refusal


@staff_required
def event_checkin(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Check-in at the door: scan a QR code (``?code=``) or search, mark people present, add walk-ins, no-shows."""
    require(request, "events.change_registration")
    event = event_in_scope(request, pk)
    walk_in_form = WalkInForm(request.POST if request.POST.get("action") == "walk_in" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check_in":
                registration_pk = request.POST.get("registration", "")
                if not registration_pk.isascii() or not registration_pk.isdigit():
                    raise Http404  # a tampered form (it was a 500: int() of the text)
                registration = get_object_or_404(event.registrations, pk=registration_pk)
                registration, newly = services.check_in_once(registration=registration, by=request.user)
                name = registration.person.full_name
                if newly:
                    messages.success(request, _("%(name)s is checked in.") % {"name": name})
                else:
                    messages.info(
                        request,
                        _("%(name)s is already checked in at %(time)s.")
                        % {"name": name, "time": timezone.localtime(registration.checked_in_at).strftime("%H:%M")},
                    )
                return redirect(f"{request.path}?{urlencode({'q': request.POST.get('q', '')})}")
            if walk_in_form.is_valid():
                data = walk_in_form.cleaned_data
                services.add_walk_in(
                    event=event, by=request.user, full_name=data["full_name"], phone=data["phone"], email=data["email"]
                )
                messages.success(request, _("The walk-in was registered and checked in."))
                return redirect("events:checkin", pk)
        except ValidationError as exc:
            show_refusal(request, exc)
    active = event.registrations.exclude(status=Registration.Status.CANCELLED).select_related("person")
    registrations = active
    query = request.GET.get("q", "").strip()
    if query:
        registrations = registrations.filter(
            Q(person__full_name__icontains=query)
            | Q(person__phone__icontains=query)
            | Q(person__email__icontains=query)
            | Q(checkin_code__iexact=query.replace(" ", ""))
        )
    absent_only = request.GET.get("show") == "absent"
    if absent_only:
        registrations = registrations.filter(status=Registration.Status.CONFIRMED, checked_in_at__isnull=True)
    # A scanned QR code opens this page with ?code=: that registration comes first, one click to check in.
    code = request.GET.get("code", "").strip().upper()
    scanned = None
    if code:
        scanned = active.filter(checkin_code=code).first()
        if scanned is None:
            messages.error(request, _("No registration of this event has the code %(code)s.") % {"code": code[:12]})
    counts = event.registrations.aggregate(
        present=Count("pk", filter=Q(checked_in_at__isnull=False)),
        expected=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
        absent=Count("pk", filter=Q(status=Registration.Status.CONFIRMED, checked_in_at__isnull=True)),
        walk_ins=Count("pk", filter=Q(walk_in=True)),
        coming=Count("pk", filter=Q(status=Registration.Status.CONFIRMED, confirmed_at__isnull=False)),
    )
    return render(
        request,
        "events/checkin.html",
        {
            "event": event,
            "registrations": registrations.order_by("person__full_name"),
            "q": query,
            "scanned": scanned,
            "absent_only": absent_only,
            "walk_in_form": walk_in_form,
            "counts": counts,
        },
    )
