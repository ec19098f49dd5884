"""URLs of the election fund: the public pledge form and disclosure, the finance officers' pages, reports."""

from django.urls import path

from donations.views import public, staff

app_name = "donations"

urlpatterns = [
    # Public
    path("donate/", public.donate, name="donate"),
    path("donate/thanks/", public.pledged, name="pledged"),
    path("fund/", public.fund, name="fund"),
    path("fund/<slug:slug>/", public.fund, name="fund_election"),
    path("donations/<slug:slug>/disclosure.csv", public.disclosure, name="disclosure"),
    path("donations/<slug:slug>/disclosure.json", public.disclosure_json, name="disclosure_json"),
    # Finance officers
    path("donations/", staff.index, name="index"),
    path("donations/elections/", staff.elections, name="elections"),
    path("donations/elections/new/", staff.election_create, name="election_create"),
    path("donations/donors/", staff.donors, name="donors"),
    path("donations/donors/new/", staff.donor_edit, name="donor_create"),
    path("donations/donors/<int:pk>/", staff.donor_edit, name="donor_edit"),
    path("donations/payments/<int:pk>/", staff.donation_detail, name="donation"),
    path("donations/payments/<int:pk>/release/", staff.release, name="release"),
    path("donations/imports/<int:pk>/", staff.statement_detail, name="import"),
    path("donations/imports/<int:pk>/progress.json", staff.statement_progress, name="import_progress"),
    path("donations/refunds/<int:pk>/pay/", staff.refund_pay, name="refund_pay"),
    path(
        "donations/corrections/<int:pk>/approve/",
        staff.correction_decide,
        {"decision": "approve"},
        name="correction_approve",
    ),
    path(
        "donations/corrections/<int:pk>/reject/",
        staff.correction_decide,
        {"decision": "reject"},
        name="correction_reject",
    ),
    path("donations/alerts/", staff.alerts_index, name="alerts_index"),
    path("donations/alerts/<int:pk>/review/", staff.alert_review, name="alert_review"),
    path("donations/reports/<int:pk>/", staff.filed_report, name="filed_report"),
    path("donations/<slug:slug>/", staff.overview, name="overview"),
    path("donations/<slug:slug>/rules/", staff.rule_versions, name="rules"),
    path("donations/<slug:slug>/rules/new/", staff.rule_version_create, name="rule_create"),
    path("donations/<slug:slug>/payments/", staff.donations, name="donations"),
    path("donations/<slug:slug>/entry/", staff.manual_entry, name="entry"),
    path("donations/<slug:slug>/payer-status.json", staff.payer_status, name="payer_status"),
    path("donations/<slug:slug>/import/", staff.statement_upload, name="import_upload"),
    path("donations/<slug:slug>/refunds/", staff.refunds, name="refunds"),
    path("donations/<slug:slug>/corrections/", staff.corrections, name="corrections"),
    path("donations/<slug:slug>/corrections/new/", staff.correction, name="correction"),
    path("donations/<slug:slug>/ledger/", staff.ledger, name="ledger"),
    path("donations/<slug:slug>/alerts/", staff.alerts, name="alerts"),
    path("donations/<slug:slug>/reports/pack-<str:day>.zip", staff.auditor_pack, name="auditor_pack"),
    path("donations/<slug:slug>/reports/compliance.<str:fmt>", staff.compliance_report, name="compliance_report"),
]
