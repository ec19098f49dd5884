"""Staff pages of people: the list (search, filter, export) and the bulk import from CSV (upload, dry run, confirm).

Committee staff see and import everyone; a regional coordinator sees the people of their region and imports only
into its organizations. Full IINs are shown to roles with ``members.view_person_iin``; others see them masked.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition import spreadsheets
from coalition.access import AuthenticatedHttpRequest, require, scoped_region, staff_required
from coalition.middleware import request_budget
from coalition.models import Region
from members import people_import, selectors
from members.filters import PersonFilter
from members.forms import PeopleImportForm
from members.models import Affiliation, PeopleImport, Person

PAGE_SIZE = 25
IMPORT_PERMS = ("members.add_person", "members.change_person", "members.add_peopleimport")


def mask_iin(iin: str) -> str:
    """Return an IIN with all but its last four digits hidden (the first six are the birth date)."""
    return "********" + iin[-4:] if iin else ""


def _filtered(request: AuthenticatedHttpRequest) -> tuple[PersonFilter, Region | None]:
    region = scoped_region(request.user)
    filterset = PersonFilter(request.GET or None, queryset=selectors.people(region=region), user=request.user)
    return filterset, region


@staff_required
def person_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, "members.view_person")
    filterset, region = _filtered(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    full_iin = request.user.has_perm("members.view_person_iin")
    for person in page:
        person.shown_iin = person.iin if full_iin else mask_iin(person.iin)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/staff/people_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "scope": region,
            "can_import": request.user.has_perms(IMPORT_PERMS),
        },
    )


@staff_required
def person_export(request: AuthenticatedHttpRequest, fmt: str) -> HttpResponse:
    require(request, "members.view_person")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filterset, _region = _filtered(request)
    full_iin = request.user.has_perm("members.view_person_iin")
    rows = [
        [
            _("Full name"),
            _("IIN"),
            _("Phone"),
            _("Email"),
            _("Region"),
            _("Organizations"),
            _("Active consents"),
            _("Created"),
        ]
    ]
    for person in filterset.qs:
        rows.append(
            [
                person.full_name,
                person.iin if full_iin else mask_iin(person.iin),
                str(person.phone or ""),
                person.email,
                person.region.name if person.region else "",
                "; ".join(f"{a.organization.name_ru} ({a.get_role_display()})" for a in person.affiliations.all()),
                "; ".join(str(c.get_purpose_display()) for c in person.active_consents),
                person.created_at,
            ]
        )
    return spreadsheets.response(fmt, rows, f"people-{timezone.localdate():%Y-%m-%d}", title=_("People"))


@request_budget(max_bytes=lambda: settings.PEOPLE_IMPORT_MAX_BYTES + 1024 * 1024)
@staff_required
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, *IMPORT_PERMS)
    scoped_region(request.user)  # a coordinator without a region is refused here, not after the upload
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = people_import.store_upload(
                content=upload.read(), filename=upload.name or "people.csv", uploaded_by=request.user
            )
        except people_import.FileRefused as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("members:staff_people_import_preview", pk=record.pk)
    recent = PeopleImport.objects.filter(uploaded_by=request.user).defer("content")[:10]
    return render(
        request,
        "members/staff/people_import.html",
        {
            "form": form,
            "columns": people_import.COLUMNS,
            "required": people_import.REQUIRED_COLUMNS,
            "roles": Affiliation.Role.choices,
            "recent": recent,
            "scope": scoped_region(request.user),
            "max_rows": settings.PEOPLE_IMPORT_MAX_ROWS,
        },
    )


@staff_required
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request, *IMPORT_PERMS)
    return spreadsheets.csv_response(people_import.template_rows(), "people-import-template.csv")


def _own_import(request: AuthenticatedHttpRequest, pk: int) -> PeopleImport:
    """Return an upload of the current user (another user's is 404: its file holds personal data)."""
    require(request, *IMPORT_PERMS)
    return get_object_or_404(PeopleImport, pk=pk, uploaded_by=request.user)


@staff_required
def import_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _own_import(request, pk)
    context = {"record": record, "expired": False, "plan": None, "rows": []}
    if record.status == PeopleImport.Status.PREVIEWED:
        if people_import.preview_expired(record):
            context["expired"] = True
        else:
            plan = people_import.preview(record, scope=scoped_region(request.user))
            known = {p.pk: p for p in Person.objects.filter(pk__in=[r.person_id for r in plan.rows if r.person_id])}
            context["plan"] = plan
            context["rows"] = [
                (row, _changes(row, known.get(row.person_id) if row.person_id else None)) for row in plan.rows
            ]
    return render(request, "members/staff/people_import_preview.html", context)


def _changes(row: people_import.RowPlan, person: Person | None) -> list[tuple[str, str, str]]:
    """Return (field label, now, after the import) for each field of an existing person the row changes."""
    if person is None:
        return []
    labels = {"full_name": _("name"), "phone": _("phone"), "email": _("email"), "region": _("region")}
    region = Region.objects.filter(pk=row.set_region_id).first() if row.set_region_id else None
    after = {"full_name": row.full_name, "phone": row.phone, "email": row.email, "region": str(region or "")}
    now = {
        "full_name": person.full_name,
        "phone": str(person.phone or ""),
        "email": person.email,
        "region": "",
    }
    return [(labels[name], now[name], after[name]) for name in row.changes]


@require_POST
@staff_required
def import_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = _own_import(request, pk)
    try:
        totals = people_import.apply_import(
            people_import=record,
            digest=request.POST.get("digest", ""),
            scope=scoped_region(request.user),
            applied_by=request.user,
        )
    except people_import.ImportRefused as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("members:staff_people_import_preview", pk=record.pk)
    messages.success(
        request,
        _("Imported: %(new)d new people, %(update)d updated.") % totals,
    )
    return redirect("members:staff_people_import_preview", pk=record.pk)
