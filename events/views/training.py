"""Staff pages of training: sessions, enrolment, results, certificates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition.access import AuthenticatedHttpRequest, require, staff_required
from events import exports, selectors, services
from events.filters import SessionFilter, drop_region
from events.forms import EnrolForm, ResultFormSet, SessionForm
from events.models import Certificate
from events.views.common import history, paginate, session_in_scope, show_refusal


@staff_required
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.view_trainingsession")
    filterset = SessionFilter(request.GET or None, queryset=selectors.sessions_for(request.user), user=request.user)
    drop_region(filterset, request.user)
    sessions = filterset.qs.order_by("-starts_at", "pk")
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(fmt, exports.sessions(sessions), "training-sessions", _("Training sessions"))
    page, query = paginate(request, sessions)
    return render(
        request,
        "events/session_list.html",
        {"filter": filterset, "page": page, "query": query, "funnel": selectors.course_funnel()},
    )


@staff_required
def session_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.add_trainingsession")
    form = SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(by=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            show_refusal(request, exc, form)
        else:
            messages.success(request, _("The training session was planned."))
            return redirect("events:session", session.pk)
    return render(request, "events/session_form.html", {"form": form})


@staff_required
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.view_trainingsession")
    session = session_in_scope(request, pk)
    enrolments = list(session.enrolments.select_related("person", "certificate"))
    can_change = request.user.has_perm("events.change_enrolment")
    formset = ResultFormSet(
        request.POST if request.method == "POST" else None,
        initial=[{"enrolment": e.pk, "attended": e.attended, "score": e.score} for e in enrolments],
    )
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if formset.is_valid():
            results = [
                services.Result(f.cleaned_data["enrolment"], f.cleaned_data["attended"], f.cleaned_data["score"])
                for f in formset
            ]
            try:
                changed = services.record_results(session=session, by=request.user, results=results)
            except ValidationError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, _("Results saved (%(count)d changed).") % {"count": changed})
                return redirect("events:session", pk)
    rows = list(zip(enrolments, formset.forms, strict=False))
    return render(
        request,
        "events/session_detail.html",
        {
            "session": session,
            "rows": rows,
            "formset": formset,
            "enrol_form": EnrolForm(user=request.user),
            "can_change": can_change,
            "can_certify": request.user.has_perm("events.add_certificate"),
            "history": history(session),
        },
    )


@staff_required
@require_POST
def session_enrol(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.add_enrolment")
    session = session_in_scope(request, pk)
    form = EnrolForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.enrol(session=session, person=form.cleaned_data["person"], by=request.user)
        except ValidationError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, _("The person was enrolled."))
    else:
        messages.error(request, _("Choose a person to enrol."))
    return redirect("events:session", pk)


@staff_required
@require_POST
def session_certify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.add_certificate")
    session = session_in_scope(request, pk)
    try:
        issued = services.issue_certificates(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(count)d certificates issued.") % {"count": len(issued)})
    return redirect("events:session", pk)


@staff_required
@require_POST
def certificate_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.change_certificate")
    certificate = get_object_or_404(Certificate, pk=pk)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("Give a reason for the revocation."))
    else:
        services.revoke_certificate(certificate=certificate, by=request.user, reason=reason[:255])
        messages.success(request, _("The certificate was revoked."))
    return redirect("events:session", certificate.enrolment.session_id)
