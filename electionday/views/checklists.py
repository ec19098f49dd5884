"""Staff pages of checklists: an election's forms with their versions, a draft's questions, publishing, XLSForm
download and upload, and staff entry of answers phoned in or brought on paper.

Committee staff define and publish the forms (they are the same for every region); regional coordinators see them
and enter answers for their own region's stations only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coalition.access import AuthenticatedHttpRequest, require, require_region, scoped_region, staff_required
from coalition.forms import errors_to_form
from coalition.models import Election
from coalition.spreadsheets import XLSX_CONTENT_TYPE
from electionday.checklist_forms import (
    AnswersForm,
    ChecklistForm,
    QuestionForm,
    QuestionFormSet,
    StationLookupForm,
    TitleFields,
    XLSFormUploadForm,
    localized,
    questions_of,
)
from electionday.models import Checklist, ChecklistVersion, Source, Submission
from electionday.services import checklists
from electionday.xlsform import MAX_FILE_BYTES
from events.models import PollingStation

EDIT = ("electionday.add_checklistversion", "electionday.change_checklistversion")


def _election(slug: str) -> Election:
    return get_object_or_404(Election, slug=slug)


def _checklist(election: Election, code: str) -> Checklist:
    return get_object_or_404(Checklist, election=election, code=code)


def _version(checklist: Checklist, number: int) -> ChecklistVersion:
    version = get_object_or_404(
        ChecklistVersion.objects.select_related("checklist"), checklist=checklist, number=number
    )
    return version


@staff_required
def checklist_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(request, "electionday.view_checklist", "electionday.view_checklistversion")
    election = _election(slug)
    versions = ChecklistVersion.objects.order_by("-number")
    rows = list(Checklist.objects.filter(election=election).prefetch_related(Prefetch("versions", queryset=versions)))
    answered = Submission.objects.filter(version__checklist__election=election)
    region = scoped_region(request.user)
    if region is not None:
        answered = answered.filter(station__region=region)
    counts = dict(answered.values_list("version").annotate(n=Count("pk")).values_list("version", "n"))
    for checklist in rows:
        checklist.rows = [(version, counts.get(version.pk, 0)) for version in checklist.versions.all()]  # type: ignore[attr-defined]
        published = [version for version in checklist.versions.all() if version.published_at is not None]
        checklist.published = published[0] if published else None  # type: ignore[attr-defined]
    return render(
        request,
        "electionday/checklists/list.html",
        {
            "election": election,
            "checklists": rows,
            "can_edit": request.user.has_perms(EDIT),
            "can_create": request.user.has_perm("electionday.add_checklist"),
            "can_enter": request.user.has_perm("electionday.add_submission"),
        },
    )


@require_POST
@staff_required
def checklist_defaults(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Give the election the default checklists (arrival and opening, turnout checkpoints, closing and count)."""
    require(request, "electionday.add_checklist", *EDIT)
    election = _election(slug)
    created = checklists.seed_default_checklists(election, by=request.user)
    messages.success(request, _("Default checklists added: %(count)d.") % {"count": created})
    return redirect("electionday:checklists", slug=slug)


@staff_required
def checklist_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require(request, "electionday.add_checklist", *EDIT)
    election = _election(slug)
    form = ChecklistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = checklists.create_checklist(
                election=election,
                code=data["code"],
                kind=data["kind"],
                due_at=data["due_at"],
                position=data["position"],
                title=form.title(),
                by=request.user,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The checklist was created: add its questions."))
            return redirect("electionday:checklist_edit", slug=slug, code=version.checklist.code)
    return render(request, "electionday/checklists/create.html", {"election": election, "form": form})


@staff_required
def checklist_edit(request: AuthenticatedHttpRequest, slug: str, code: str) -> HttpResponse:
    """Edit the draft; when the last version is published, saving makes version n+1 (a draft)."""
    require(request, *EDIT)
    election = _election(slug)
    checklist = _checklist(election, code)
    base = checklists.latest_version(checklist)
    title = base.title if base else {}
    questions = base.questions if base else []
    title_form = TitleFields(request.POST or None, initial=TitleFields.initial_for(title))
    formset = QuestionFormSet(
        request.POST or None, initial=[QuestionForm.initial_for(question) for question in questions], prefix="q"
    )
    if request.method == "POST" and title_form.is_valid() and formset.is_valid():
        try:
            draft = checklists.edit(
                checklist=checklist, title=title_form.title(), questions=questions_of(formset), by=request.user
            )
        except ValidationError as exc:
            errors_to_form(title_form, exc)
        else:
            messages.success(request, _("Draft version %(number)d saved.") % {"number": draft.number})
            return redirect("electionday:checklist_version", slug=slug, code=code, number=draft.number)
    return render(
        request,
        "electionday/checklists/edit.html",
        {
            "election": election,
            "checklist": checklist,
            "base": base,
            "makes_new_version": base is not None and base.published_at is not None,
            "title_form": title_form,
            "formset": formset,
        },
    )


@staff_required
def version_detail(request: AuthenticatedHttpRequest, slug: str, code: str, number: int) -> HttpResponse:
    require(request, "electionday.view_checklistversion")
    election = _election(slug)
    version = _version(_checklist(election, code), number)
    questions = [
        {
            **question,
            "text": localized(question["label"]),
            "options": [localized(c["label"]) for c in question["choices"]],
        }
        for question in version.questions
    ]
    latest = checklists.latest_version(version.checklist)
    return render(
        request,
        "electionday/checklists/version.html",
        {
            "election": election,
            "version": version,
            "title": localized(version.title),
            "questions": questions,
            "is_latest": latest is not None and latest.pk == version.pk,
            "can_edit": request.user.has_perms(EDIT),
            "import_form": XLSFormUploadForm(),
        },
    )


@staff_required
def version_publish(request: AuthenticatedHttpRequest, slug: str, code: str, number: int) -> HttpResponse:
    """Ask for confirmation (GET), then publish the draft (POST): from then on it never changes."""
    require(request, *EDIT)
    election = _election(slug)
    version = _version(_checklist(election, code), number)
    if request.method == "POST":
        try:
            checklists.publish(version=version, by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("electionday:checklist_version", slug=slug, code=code, number=number)
        messages.success(request, _("Version %(number)d is published.") % {"number": number})
        return redirect("electionday:checklists", slug=slug)
    if version.published_at is not None:
        messages.info(request, _("This version is already published."))
        return redirect("electionday:checklist_version", slug=slug, code=code, number=number)
    return render(
        request,
        "electionday/checklists/publish.html",
        {"election": election, "version": version, "title": localized(version.title)},
    )


@staff_required
def version_xlsform(request: AuthenticatedHttpRequest, slug: str, code: str, number: int) -> HttpResponse:
    require(request, "electionday.view_checklistversion")
    version = _version(_checklist(_election(slug), code), number)
    response = HttpResponse(checklists.export_xlsform(version), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{version.checklist.code}-v{version.number}.xlsx"'
    return response


@require_POST
@staff_required
def checklist_import(request: AuthenticatedHttpRequest, slug: str, code: str) -> HttpResponse:
    """Put an uploaded XLSForm's questions into the draft (version n+1 when the last one is published)."""
    require(request, *EDIT)
    election = _election(slug)
    checklist = _checklist(election, code)
    form = XLSFormUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_FILE_BYTES:
                raise ValidationError({"file": [_("The file is too large.")]})
            draft, warnings = checklists.import_xlsform(checklist=checklist, content=upload.read(), by=request.user)
        except ValidationError as exc:
            messages.error(request, _("The XLSForm was not imported."))
            for message in exc.messages[:20]:
                messages.error(request, message)
        else:
            messages.success(
                request, _("The XLSForm was imported as draft version %(number)d.") % {"number": draft.number}
            )
            for warning in warnings[:20]:
                messages.warning(request, warning)
            return redirect("electionday:checklist_version", slug=slug, code=code, number=draft.number)
    else:
        messages.error(request, _("Choose an XLSForm file."))
    return redirect("electionday:checklists", slug=slug)


def _published(checklist: Checklist) -> ChecklistVersion:
    version = checklist.versions.filter(published_at__isnull=False).order_by("-number").first()
    if version is None:
        raise Http404("No published version.")
    return version


@staff_required
def answers_station(request: AuthenticatedHttpRequest, slug: str, code: str) -> HttpResponse:
    """Staff entry, step 1: find the station (region and number; a coordinator's own region only)."""
    require(request, "electionday.add_submission")
    election = _election(slug)
    checklist = _checklist(election, code)
    version = _published(checklist)
    form = StationLookupForm(request.GET or None, user=request.user)
    if form.is_valid():
        station = PollingStation.objects.filter(
            election=election, region=form.cleaned_data["region"], number=form.cleaned_data["number"].strip()
        ).first()
        if station is None:
            form.add_error("number", _("No station with this number in the region for this election."))
        else:
            require_region(request.user, station.region)
            return redirect("electionday:checklist_answers", slug=slug, code=code, station=station.pk)
    return render(
        request,
        "electionday/checklists/answers_station.html",
        {"election": election, "version": version, "title": localized(version.title), "form": form},
    )


@staff_required
def answers_enter(request: AuthenticatedHttpRequest, slug: str, code: str, station: int) -> HttpResponse:
    """Staff entry, step 2: the answers for one station (source: staff), stored once per the form's hidden UUID."""
    require(request, "electionday.add_submission")
    election = _election(slug)
    checklist = _checklist(election, code)
    target = get_object_or_404(PollingStation.objects.select_related("region"), pk=station, election=election)
    require_region(request.user, target.region)
    version = _published(checklist)
    if request.method == "POST":  # the version the form was built from, even if a newer one was published since
        posted = request.POST.get("version", "")
        version = _version(checklist, int(posted)) if posted.isdigit() else version
    form = AnswersForm(request.POST or None, request.FILES or None, version=version, station=target, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _submission, created = checklists.record_submission(
                station=target,
                assignment=data["assignment"],
                client_id=data["client_id"],
                version=version,
                answers=form.answers,
                photos=form.photos,
                filled_at=data["filled_at"],
                source=Source.STAFF,
                entered_by=request.user,
            )
        except ValidationError as exc:
            form.show_refusal(exc)
        else:
            if created:
                messages.success(request, _("The answers were recorded."))
            else:
                messages.info(request, _("These answers had already been recorded."))
            return redirect("electionday:checklists", slug=slug)
    return render(
        request,
        "electionday/checklists/answers.html",
        {
            "election": election,
            "version": version,
            "title": localized(version.title),
            "station": target,
            "form": form,
        },
    )
