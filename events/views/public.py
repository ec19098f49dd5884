"""Public pages: registration through an event's link, the .ics file, a personal registration page,
enrolment in a training session, and certificate verification by code."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from coalition.middleware import request_budget
from coalition.site import absolute_url
from coalition.views import ratelimited
from events import ics, services
from events.forms import ApplicantForm, VerifyForm
from events.models import Certificate, Event, Registration, TrainingSession


def _applicant(form: ApplicantForm) -> services.Applicant:
    data = form.cleaned_data
    return services.Applicant(
        full_name=data["full_name"], email=data["email"], phone=data["phone"], language=(get_language() or "ru")[:2]
    )


def _published(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """Proposed and rejected events have no public page: their link works once the event is approved."""
    return queryset.exclude(status__in=[Event.Status.PROPOSED, Event.Status.REJECTED])


@login_not_required
@ratelimit(key="ip", rate="20/h", method="POST", block=False)
def event_public(request: HttpRequest, token: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return ratelimited(request)
    event = get_object_or_404(_published(Event.objects.select_related("region")), public_token=token)
    form = ApplicantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.register(event=event, applicant=_applicant(form))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            if registration.status == Registration.Status.WAITLISTED:
                messages.warning(
                    request, _("The event is full: you are on the waiting list; we will write if a seat frees up.")
                )
            else:
                messages.success(request, _("You are registered. A confirmation was sent to your email."))
            return redirect("events:registration", registration.token)
    return render(request, "events/public/event.html", {"event": event, "form": form})


@login_not_required
def event_ics(request: HttpRequest, token: str) -> HttpResponse:
    event = get_object_or_404(_published(Event.objects.all()), public_token=token)
    body = ics.calendar_file(
        uid=f"event-{event.pk}@coalition-hq",
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        place=event.place,
        description=event.description,
        cancelled=event.status == Event.Status.CANCELLED,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


@login_not_required
def registration(request: HttpRequest, token: str) -> HttpResponse:
    registration = get_object_or_404(Registration.objects.select_related("event", "person"), token=token)
    event = registration.event
    show_qr = registration.status != Registration.Status.CANCELLED and event.status in (
        Event.Status.PLANNED,
        Event.Status.NOTIFIED,
    )
    return render(
        request,
        "events/public/registration.html",
        {
            "registration": registration,
            "event": event,
            "qr_svg": services.checkin_qr(registration) if show_qr else "",
        },
    )


@login_not_required
@require_POST
def registration_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """ "I'm coming": the person confirms from their personal link that they will attend."""
    registration = get_object_or_404(Registration, token=token)
    try:
        services.confirm_attendance(registration=registration)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Thank you: we have noted that you are coming."))
    return redirect("events:registration", token)


@login_not_required
@require_POST
def registration_cancel(request: HttpRequest, token: str) -> HttpResponse:
    registration = get_object_or_404(Registration, token=token)
    services.cancel_registration(registration=registration)
    messages.success(request, _("Your registration was cancelled. Thank you for letting us know."))
    return redirect("events:registration", token)


@login_not_required
@ratelimit(key="ip", rate="20/h", method="POST", block=False)
def session_public(request: HttpRequest, token: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return ratelimited(request)
    session = get_object_or_404(TrainingSession.objects.select_related("course", "region"), public_token=token)
    form = ApplicantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrol(session=session, applicant=_applicant(form))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("You are enrolled in the training session."))
            return redirect("events:session_public", token)
    return render(request, "events/public/session.html", {"session": session, "form": form})


@login_not_required
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.GET or None)
    if form.is_valid():
        return redirect("events:verify_code", form.cleaned_data["code"].strip().upper())
    return render(request, "events/public/verify.html", {"form": form})


def _certificate(code: str) -> Certificate:
    return get_object_or_404(Certificate.objects.select_related("person", "course"), verification_code=code.upper())


@login_not_required
@ratelimit(key="ip", rate="60/h", method="GET", block=False)
def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """Show only what proves the certificate: name, course, date, valid or revoked (rate-limited against guessing)."""
    if getattr(request, "limited", False):
        return ratelimited(request)
    try:
        certificate = _certificate(code)
    except Http404:
        return render(
            request,
            "events/public/verify.html",
            {"form": VerifyForm(initial={"code": code}), "not_found": True},
            status=404,
        )
    return render(request, "events/public/certificate.html", {"certificate": certificate})


@login_not_required
@request_budget(rate="20/h", method="GET")  # checked by RequestBudgetMiddleware: a PDF costs a WeasyPrint render
def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The certificate as PDF (WeasyPrint), with the same details as the verification page.

    Only a certificate valid today has one: a revoked or expired certificate answers 410 with the verification
    page, which says so, so no document that looks valid is handed out for it.
    """
    if getattr(request, "limited", False):
        return ratelimited(request)
    certificate = _certificate(code)
    if not certificate.is_valid():
        return render(request, "events/public/certificate.html", {"certificate": certificate}, status=410)
    from weasyprint import HTML  # here, not at the top: it loads Pango, a system library only this page needs

    html = render_to_string(
        "events/certificate_pdf.html",
        {
            "certificate": certificate,
            "verify_url": absolute_url(reverse("events:verify_code", args=[certificate.verification_code])),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.number}.pdf"'
    return response
