"""Read-only staff lists with search, filters, pagination and CSV/XLSX export: certificates, assignments and a
training session's enrolments. Every list and its export come from the same scoped queryset."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from coalition.access import AuthenticatedHttpRequest, require, staff_required
from events import exports, selectors
from events.filters import AssignmentFilter, CertificateFilter, EnrolmentFilter, drop_region
from events.views.common import paginate, session_in_scope


@staff_required
def certificate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.view_certificate")
    filterset = CertificateFilter(
        request.GET or None, queryset=selectors.certificates_for(request.user), user=request.user
    )
    drop_region(filterset, request.user)
    certificates = filterset.qs.order_by("-issued_on", "number")
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(fmt, exports.certificates(certificates), "certificates", _("Certificates"))
    page, query = paginate(request, certificates)
    return render(request, "events/certificate_list.html", {"filter": filterset, "page": page, "query": query})


@staff_required
def assignment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "events.view_assignment")
    data = request.GET.copy()
    data.setdefault("state", "active")  # the people deployed now, unless ended ones are asked for
    filterset = AssignmentFilter(data, queryset=selectors.assignments_for(request.user), user=request.user)
    drop_region(filterset, request.user)
    assignments = filterset.qs.order_by("station__region__code", "station__number", "role", "person__full_name")
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(fmt, exports.assignments(assignments), "assignments", _("Assignments"))
    page, query = paginate(request, assignments)
    return render(request, "events/assignment_list.html", {"filter": filterset, "page": page, "query": query})


@staff_required
def session_enrolments(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request, "events.view_enrolment")
    session = session_in_scope(request, pk)
    pass_mark = session.course.pass_mark
    filterset = EnrolmentFilter(
        request.GET or None,
        queryset=session.enrolments.select_related("person", "certificate"),
        pass_mark=pass_mark,
    )
    enrolments = filterset.qs.order_by("person__full_name", "pk")
    fmt = exports.requested(request)
    if fmt:
        return exports.respond(
            fmt, exports.enrolments(enrolments, pass_mark), f"enrolments-{session.pk}", _("Enrolments")
        )
    page, query = paginate(request, enrolments)
    return render(
        request,
        "events/enrolment_list.html",
        {"session": session, "filter": filterset, "page": page, "query": query},
    )
