"""Every URL of the election fund for every role: who gets in, who gets 403, and what the pages do."""

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from donations import forms as donation_forms
from donations import rules, services
from donations.models import (
    CoercionAlert,
    ComplianceReport,
    Donation,
    Donor,
    Pledge,
    Refund,
    RuleVersion,
    StatementImport,
)
from tests.donations import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def election():
    return f.election()


@pytest.fixture
def data(election):
    """A donation of each interesting kind, a refund, a statement, an alert and a filed report."""
    org = f.bin_()
    held = services.record_donation(
        election=election, incoming=f.incoming(amount="1000", payer_id=org, name="ТОО", kind="organization")
    )
    returned = services.record_donation(election=election, incoming=f.incoming(amount="500", citizenship="RU"))
    statement = services.import_bank_statement(
        election=election,
        file_name="s.csv",
        content=f.statement_csv([["2026-05-02", "S-1", "1000", "KZT", "Иванов", f.iin(), "", "", ""]]),
    )
    alert = CoercionAlert.objects.create(
        election=election,
        kind="same_purpose_burst",
        key="тоо ромашка",
        on_date=date(2026, 5, 2),
        donor_count=5,
        total=Decimal("1"),
    )
    report = ComplianceReport.objects.create(
        election=election,
        rule_version=election.rule_versions.get(),
        report_date=date(2026, 5, 11),
        format="json",
        content=b"{}",
        sha256="44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    )
    return {
        "held": held,
        "refund": returned.refunds.get(),
        "statement": statement,
        "alert": alert,
        "report": report,
        "donor": f.donor(),
    }


def _urls(election, data):
    slug = election.slug
    return [
        reverse("donations:index"),
        reverse("donations:elections"),
        reverse("donations:election_create"),
        reverse("donations:donors"),
        reverse("donations:donor_create"),
        reverse("donations:donor_edit", args=[data["donor"].pk]),
        reverse("donations:donation", args=[data["held"].pk]),
        reverse("donations:import", args=[data["statement"].pk]),
        reverse("donations:import_progress", args=[data["statement"].pk]),
        reverse("donations:refund_pay", args=[data["refund"].pk]),
        reverse("donations:overview", args=[slug]),
        reverse("donations:rules", args=[slug]),
        reverse("donations:rule_create", args=[slug]),
        reverse("donations:donations", args=[slug]),
        reverse("donations:entry", args=[slug]),
        reverse("donations:payer_status", args=[slug]) + "?payer_id=" + data["donor"].identifier,
        reverse("donations:import_upload", args=[slug]),
        reverse("donations:refunds", args=[slug]),
        reverse("donations:correction", args=[slug]),
        reverse("donations:corrections", args=[slug]),
        reverse("donations:ledger", args=[slug]),
    ]


@pytest.mark.parametrize("who", ["finance_officer", "superuser"])
def test_finance_pages_open_for_finance(request, election, data, client_for, who):
    client = client_for(request.getfixturevalue(who))
    for url in _urls(election, data):
        assert client.get(url, follow=True).status_code == 200, url


@pytest.mark.parametrize("who", ["staff_user", "coordinator", "trainer", "integrity_officer", "nobody"])
def test_finance_pages_refuse_other_roles(request, election, data, client_for, who):
    client = client_for(request.getfixturevalue(who))
    for url in _urls(election, data):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(election, data, client):
    for url in _urls(election, data):
        assert client.get(url).status_code == 302 and "/accounts/login/" in client.get(url)["Location"]


def test_auditor_goes_to_audit_site(election, data, client_for, auditor):
    client = client_for(auditor)
    for url in _urls(election, data):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("audit:index"), url


@pytest.mark.parametrize("who", ["staff_user", "coordinator", "trainer", "nobody"])
def test_writes_refused_for_other_roles(request, election, data, client_for, who):
    client = client_for(request.getfixturevalue(who))
    assert client.post(reverse("donations:release", args=[data["held"].pk])).status_code == 403
    assert client.post(reverse("donations:alert_review", args=[data["alert"].pk])).status_code == 403
    assert client.post(reverse("donations:entry", args=[election.slug]), {"save": "1"}).status_code == 403


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("finance_officer", 200),
        ("auditor", 200),
        ("superuser", 200),
        ("staff_user", 403),
        ("integrity_officer", 403),
        ("nobody", 403),
    ],
)
def test_reports_for_finance_and_auditors(request, election, data, client_for, who, status):
    client = client_for(request.getfixturevalue(who))
    for fmt in ("json", "csv", "xlsx", "pdf"):
        response = client.get(reverse("donations:compliance_report", args=[election.slug, fmt]))
        assert response.status_code == status
    assert client.get(reverse("donations:filed_report", args=[data["report"].pk])).status_code == status


def test_report_json_download(election, data, client_for, auditor):
    response = client_for(auditor).get(reverse("donations:compliance_report", args=[election.slug, "json"]))
    assert response.json()["election"] == election.slug and "attachment" in response["Content-Disposition"]
    assert (
        client_for(auditor).get(reverse("donations:compliance_report", args=[election.slug, "exe"])).status_code == 404
    )


def test_reports_need_login(election, client):
    assert client.get(reverse("donations:compliance_report", args=[election.slug, "json"])).status_code == 302


@pytest.mark.parametrize(
    ("who", "status"), [("integrity_officer", 200), ("finance_officer", 200), ("staff_user", 403), ("trainer", 403)]
)
def test_alerts_page(request, election, data, client_for, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("donations:alerts", args=[election.slug])).status_code == status
    assert client.get(reverse("donations:alerts_index")).status_code == (302 if status == 200 else 403)


def test_integrity_officer_marks_alert_reviewed(election, data, client_for, integrity_officer, finance_officer):
    assert (
        client_for(finance_officer).post(reverse("donations:alert_review", args=[data["alert"].pk])).status_code == 403
    )
    response = client_for(integrity_officer).post(reverse("donations:alert_review", args=[data["alert"].pk]))
    assert response.status_code == 302
    data["alert"].refresh_from_db()
    assert data["alert"].reviewed_at is not None


def test_audit_site_lists_fund_models_read_only(election, data, client_for, auditor):
    client = client_for(auditor)
    for model in (
        "coalition/election",  # the election is coalition-wide (issue #18); the fund's models are the fund's
        "ruleversion",
        "donation",
        "decision",
        "ledgerentry",
        "refund",
        "compliancereport",
        "pledge",
        "donor",
    ):
        path = model if "/" in model else f"donations/{model}"
        response = client.get(f"/audit/{path}/")
        assert response.status_code == 200, model
    page = client.get("/audit/coalition/election/").content.decode()
    assert reverse("donations:compliance_report", args=[election.slug, "csv"]) in page
    assert client.get("/audit/donations/donor/add/").status_code == 403


def test_disclosure_is_public(election, data, client):
    response = client.get(reverse("donations:disclosure", args=[election.slug]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


# --- Public pledge --------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def _pledge_data(**overrides):
    return {
        "payer_id": f.iin(),
        "name": "Иванов Иван",
        "amount": "5000",
        "declaration": "on",
        "website": "",
        **overrides,
    }


def test_pledge_stores_declaration_and_shows_reference(election, client, fresh_limits):
    page = client.get(reverse("donations:donate"))
    assert page.status_code == 200 and b'href="/report/"' in page.content
    response = client.post(reverse("donations:donate"), _pledge_data(), follow=True)
    pledge = Pledge.objects.get()
    assert pledge.reference.encode() in response.content
    assert pledge.declaration_language == "ru" and pledge.election == election
    assert pledge.declaration_version == rules.declaration_version(pledge.declaration_text)


def shown_declaration(html: str) -> tuple[str, str]:
    """Return the declaration's text and version exactly as the /donate/ page shows them."""
    label = re.search(r'<label[^>]*for="id_declaration"[^>]*>(.*?)</label>', html, re.S)
    version = re.search(r"<legend[^>]*>.*?\((\w+)\)</small></legend>", html, re.S)
    assert label and version
    text = re.sub(r"<span[^>]*>.*?</span>", "", label.group(1), flags=re.S)  # the required-field asterisk
    return unescape(text).strip(), version.group(1)


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_pledge_stores_the_declaration_word_for_word_as_shown(election, client, fresh_limits, settings, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    text, version = shown_declaration(client.get(reverse("donations:donate")).content.decode())
    assert client.post(reverse("donations:donate"), _pledge_data()).status_code == 302
    pledge = Pledge.objects.get()
    assert (pledge.declaration_text, pledge.declaration_version, pledge.declaration_language) == (
        text,
        version,
        language,
    )
    assert version == rules.declaration_version(text)
    if language != "en":  # the page really is in that language
        assert text != "I give my own money, of my own free will; no one asked me to or made me; I am not reimbursed."


def test_each_language_has_its_own_declaration_version(election, client, settings):
    versions = set()
    for language in ("ru", "kk", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        versions.add(shown_declaration(client.get(reverse("donations:donate")).content.decode())[1])
    assert len(versions) == 3


def test_a_changed_declaration_text_gets_a_new_version(election, client, fresh_limits, monkeypatch):
    before_text, before = shown_declaration(client.get(reverse("donations:donate")).content.decode())
    monkeypatch.setattr(donation_forms, "DECLARATION_TEXT", before_text + " Я не получаю за это вознаграждения.")
    after_text, after = shown_declaration(client.get(reverse("donations:donate")).content.decode())
    assert after_text == before_text + " Я не получаю за это вознаграждения." and after != before
    client.post(reverse("donations:donate"), _pledge_data())
    pledge = Pledge.objects.get()
    assert (pledge.declaration_text, pledge.declaration_version) == (after_text, after)


@pytest.mark.parametrize(
    "overrides",
    [{"payer_id": "123456789012"}, {"declaration": ""}, {"website": "http://spam"}, {"amount": "0"}, {"name": ""}],
)
def test_pledge_refused_with_clear_errors(election, client, fresh_limits, overrides):
    data = _pledge_data(**overrides)
    if not data["declaration"]:
        del data["declaration"]
    response = client.post(reverse("donations:donate"), data)
    assert response.status_code == 200 and not Pledge.objects.exists()
    assert b"invalid-feedback" in response.content


def test_pledge_form_is_rate_limited(election, client, fresh_limits):
    for _ in range(10):
        client.post(reverse("donations:donate"), _pledge_data(payer_id="1"))
    assert client.post(reverse("donations:donate"), _pledge_data()).status_code == 429


def test_thanks_page_without_a_pledge_goes_back_to_the_form(client):
    assert client.get(reverse("donations:pledged"))["Location"] == reverse("donations:donate")


# --- Finance officer flows --------------------------------------------------------------------------------------


def test_manual_entry_check_then_save(election, client_for, finance_officer):
    client = client_for(finance_officer)
    url = reverse("donations:entry", args=[election.slug])
    form = {
        "bank_reference": "M-1",
        "received_on": "2026-05-10",
        "amount": "1000",
        "payer_id": f.iin(),
        "payer_name": "Иванов",
    }
    checked = client.post(url, {**form, "check": "1"})
    assert checked.status_code == 200 and not Donation.objects.exists()
    assert (
        "1 275 000 000" in checked.content.decode().replace(",", " ").replace("\xa0", " ")
        or b"1275000000" in checked.content
    )
    saved = client.post(url, {**form, "save": "1"})
    donation = Donation.objects.get()
    assert saved["Location"] == reverse("donations:donation", args=[donation.pk])
    again = client.post(url, {**form, "save": "1"})
    assert again.status_code == 200 and "bank_reference" in again.context["form"].errors


def test_payer_status_json(election, client_for, finance_officer):
    charity = f.donor(category="charity")
    data = (
        client_for(finance_officer)
        .get(reverse("donations:payer_status", args=[election.slug]), {"payer_id": charity.identifier})
        .json()
    )
    assert data["prohibited"] == ["charity"] and data["headroom_source"] == "1275000000.00"
    assert data["donor"]["name"] == charity.name


def test_upload_refuses_a_malformed_file(election, client_for, finance_officer):
    response = client_for(finance_officer).post(
        reverse("donations:import_upload", args=[election.slug]),
        {"file": SimpleUploadedFile("s.csv", b"date,amount\n2026-05-01,1\n", content_type="text/csv")},
    )
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not StatementImport.objects.exists()


def test_upload_stores_and_queues_the_import(election, client_for, finance_officer, django_capture_on_commit_callbacks):
    content = f.statement_csv([["2026-05-02", "U-1", "1000", "KZT", "Иванов", f.iin(), "", "", ""]])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(finance_officer).post(
            reverse("donations:import_upload", args=[election.slug]),
            {"file": SimpleUploadedFile("s.csv", content, content_type="text/csv")},
        )
    statement = StatementImport.objects.get()
    assert response["Location"] == reverse("donations:import", args=[statement.pk])
    assert len(callbacks) == 1 and statement.status == "pending"
    services.run_statement_import(statement_id=statement.pk)  # what the queued task does
    progress = client_for(finance_officer).get(reverse("donations:import_progress", args=[statement.pk])).json()
    assert progress["status"] == "done" and progress["percent"] == 100


def test_release_and_refund_payment_pages(election, data, client_for, finance_officer):
    client = client_for(finance_officer)
    Donor.objects.create(identifier=data["held"].payer_id, kind="organization", name="ТОО", category="company")
    client.post(reverse("donations:release", args=[data["held"].pk]))
    data["held"].refresh_from_db()
    assert data["held"].verdict == "accepted"
    response = client.post(
        reverse("donations:refund_pay", args=[data["refund"].pk]), {"paid_on": "2026-05-12", "bank_reference": ""}
    )
    assert response.status_code == 200 and "bank_reference" in response.context["form"].errors
    response = client.post(
        reverse("donations:refund_pay", args=[data["refund"].pk]), {"paid_on": "2026-05-12", "bank_reference": "RET-9"}
    )
    assert response.status_code == 302 and Refund.objects.get(pk=data["refund"].pk).bank_reference == "RET-9"


def test_refund_list_highlights_overdue(election, data, client_for, finance_officer):
    import time_machine

    with time_machine.travel(date(2030, 1, 1)):
        page = client_for(finance_officer).get(reverse("donations:refunds", args=[election.slug]) + "?state=overdue")
    assert b"table-danger" in page.content


def test_new_rule_version_form(election, client_for, finance_officer):
    client = client_for(finance_officer)
    url = reverse("donations:rule_create", args=[election.slug])
    form = client.get(url).context["form"]
    data = {
        name: (field.value() if field.value() is not None else "")
        for name, field in ((n, form[n]) for n in form.fields)
    }
    data.update(
        per_donor_cap_mzp="10",
        prohibit_foreign_grants="returned",
        fund_opens_on="2026-05-01",
        fund_closes_on="2026-07-31",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    version = RuleVersion.objects.get(election=election, number=2)
    assert version.per_donor_cap_mzp == Decimal("10") and version.prohibited["foreign_grants"] == "returned"
    assert version.prohibited["anonymous"] == "to_budget"


def test_rule_version_allowing_every_category_is_refused_on_the_form(election, client_for, finance_officer):
    """The model refuses an empty prohibited list; the form shows it (it was a 500: a field the form does not have)."""
    client = client_for(finance_officer)
    url = reverse("donations:rule_create", args=[election.slug])
    form = client.get(url).context["form"]
    data = {name: (form[name].value() if form[name].value() is not None else "") for name in form.fields}
    data.update({name: "" for name in form.fields if name.startswith("prohibit_")})  # every category "Allowed"
    response = client.post(url, data)
    assert response.status_code == 200
    assert [str(error) for error in response.context["form"].non_field_errors()] != []
    assert RuleVersion.objects.filter(election=election).count() == 1


def test_create_election_and_donor(client_for, finance_officer):
    client = client_for(finance_officer)
    response = client.post(
        reverse("donations:election_create"),
        {
            "slug": "local-2026",
            "name": "Маслихат",
            "kind": "local",
            "candidate_iin": f.iin(),
            "association_bin": f.bin_(),
            "fund_opens_on": "2026-05-01",
            "fund_closes_on": "2026-06-30",
        },
    )
    assert response["Location"] == reverse("donations:overview", args=["local-2026"])
    response = client.post(
        reverse("donations:donor_create"),
        {"identifier": "123", "kind": "organization", "name": "ТОО", "citizenship": "KZ", "category": "company"},
    )
    assert "identifier" in response.context["form"].errors
    response = client.post(
        reverse("donations:donor_create"),
        {"identifier": f.bin_(), "kind": "organization", "name": "ТОО", "citizenship": "kz", "category": "company"},
    )
    assert response.status_code == 302 and Donor.objects.get().citizenship == "KZ"


def test_donor_form_records_the_employer_and_the_rule_form_the_near_cap_share(election, client_for, finance_officer):
    client = client_for(finance_officer)
    person = f.iin()
    response = client.post(
        reverse("donations:donor_create"),
        {
            "identifier": person,
            "kind": "individual",
            "name": "Иванов Иван",
            "citizenship": "KZ",
            "category": "citizen",
            "employer": "ТОО «Ромашка»",
        },
    )
    assert response.status_code == 302 and Donor.objects.get(identifier=person).employer == "ТОО «Ромашка»"
    form = client.get(reverse("donations:rule_create", args=[election.slug])).context["form"]
    assert form["near_cap_share"].value() == Decimal("1.00")  # prefilled from the version in force
    values = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (dict, list))}
    values |= {"near_cap_share": "150", "fund_opens_on": "2026-05-01", "fund_closes_on": "2026-07-31"}
    response = client.post(reverse("donations:rule_create", args=[election.slug]), values)
    assert response.status_code == 200 and "near_cap_share" in response.context["form"].errors  # at most 100 %


def test_donation_list_filters(election, data, client_for, finance_officer):
    client = client_for(finance_officer)
    page = client.get(reverse("donations:donations", args=[election.slug]), {"verdict": "held"})
    assert [d.pk for d in page.context["page"]] == [data["held"].pk]
    page = client.get(reverse("donations:donations", args=[election.slug]), {"flagged": "true"})
    assert len(page.context["page"]) == 2


def test_donation_list_query_count_is_fixed(election, data, client_for, finance_officer, django_assert_max_num_queries):
    client = client_for(finance_officer)
    for _ in range(10):
        services.record_donation(election=election, incoming=f.incoming(amount="100"))
    with django_assert_max_num_queries(12):
        client.get(reverse("donations:donations", args=[election.slug]))


def test_reserved_slug_is_refused(client_for, finance_officer):
    response = client_for(finance_officer).post(
        reverse("donations:election_create"),
        {
            "slug": "donors",
            "name": "x",
            "kind": "local",
            "candidate_iin": f.iin(),
            "association_bin": f.bin_(),
            "fund_opens_on": "2026-05-01",
            "fund_closes_on": "2026-06-30",
        },
    )
    assert "slug" in response.context["form"].errors


@pytest.mark.parametrize("name", ["refunds", "ledger", "donors", "import_upload", "overview", "alerts"])
def test_list_pages_have_a_fixed_query_count(
    election, data, client_for, finance_officer, django_assert_max_num_queries, name
):
    client = client_for(finance_officer)
    for _ in range(10):
        services.record_donation(election=election, incoming=f.incoming(amount="100", citizenship="RU"))
        f.donor()
    url = reverse(f"donations:{name}") if name == "donors" else reverse(f"donations:{name}", args=[election.slug])
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
