"""Corrections are four eyes: one finance officer proposes, a different one approves or rejects (issue #16,
class 6). The service, the database and the pages each refuse the proposer's own decision."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from coalition.models import AuditEntry
from coalition.roles import Role
from donations import rules, selectors, services
from donations.models import Correction, LedgerEntry
from tests.donations import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def election():
    return f.election(per_donor_cap_mzp=Decimal("10"))  # 850,000 ₸ per donor


@pytest.fixture
def second_officer(db):
    user = UserFactory(username="aliya")
    user.groups.add(Group.objects.get(name=Role.FINANCE_OFFICER))
    return user


def _propose(election, officer, *, amount="-1000", payer_id=None, returned_reference="", source=rules.DONATIONS):
    return services.propose_correction(
        election=election,
        source=source,
        amount=Decimal(amount),
        payer_id=f.iin() if payer_id is None else payer_id,
        note="Ошибка банка",
        entry_date=date(2026, 5, 11),
        returned_reference=returned_reference,
        proposed_by=officer,
    )


def test_a_pending_correction_changes_no_total(election, finance_officer):
    donation = services.record_donation(election=election, incoming=f.incoming(amount="1000"))
    before = selectors.cap_totals(election, donation.payer_id)
    _propose(election, finance_officer, payer_id=donation.payer_id, amount="500")
    assert selectors.cap_totals(election, donation.payer_id) == before
    assert not LedgerEntry.objects.filter(kind="correction").exists()


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_the_proposer_cannot_decide_own_correction(election, finance_officer, decide):
    correction = _propose(election, finance_officer)
    with pytest.raises(ValidationError) as refused:
        if decide == "approve":
            services.approve_correction(correction=correction, approved_by=finance_officer)
        else:
            services.reject_correction(correction=correction, rejected_by=finance_officer)
    assert refused.value.code == "four_eyes"
    correction.refresh_from_db()
    assert correction.is_pending


def test_a_superuser_is_no_second_pair_of_eyes_for_own_proposal(election, superuser):
    correction = _propose(election, superuser)
    with pytest.raises(ValidationError):
        services.approve_correction(correction=correction, approved_by=superuser)


@pytest.mark.parametrize("who", ["auditor", "integrity_officer", "staff_user"])
def test_only_a_finance_officer_decides(request, election, finance_officer, who):
    correction = _propose(election, finance_officer)
    with pytest.raises(PermissionDenied):
        services.approve_correction(correction=correction, approved_by=request.getfixturevalue(who))


def test_approval_by_a_second_officer_writes_the_ledger_row_and_both_audit_entries(
    election, finance_officer, second_officer
):
    donation = services.record_donation(election=election, incoming=f.incoming(amount="1000"))
    correction = _propose(election, finance_officer, payer_id=donation.payer_id, amount="-1000")
    services.approve_correction(correction=correction, approved_by=second_officer)
    correction.refresh_from_db()
    assert correction.status == "approved" and correction.decided_by == second_officer
    assert correction.ledger_entry.amount == Decimal("-1000") and correction.ledger_entry.kind == "correction"
    actions = list(
        AuditEntry.objects.filter(action__endswith="_correction").order_by("pk").values_list("action", "actor")
    )
    assert actions == [
        ("donations.propose_correction", finance_officer.pk),
        ("donations.approve_correction", second_officer.pk),
    ]
    with pytest.raises(ValidationError) as again:
        services.approve_correction(correction=correction, approved_by=second_officer)
    assert again.value.code == "decided"


def test_a_rejected_correction_leaves_the_ledger(election, finance_officer, second_officer):
    correction = services.reject_correction(correction=_propose(election, finance_officer), rejected_by=second_officer)
    assert correction.status == "rejected" and correction.ledger_entry is None
    assert not LedgerEntry.objects.filter(kind="correction").exists()
    assert AuditEntry.objects.filter(action="donations.reject_correction", actor=second_officer).exists()


def test_approval_refuses_a_correction_past_the_cap(election, finance_officer, second_officer):
    payer = f.iin()
    services.record_donation(election=election, incoming=f.incoming(amount="800000", payer_id=payer))
    correction = _propose(election, finance_officer, payer_id=payer, amount="50001")
    with pytest.raises(ValidationError) as refused:
        services.approve_correction(correction=correction, approved_by=second_officer)
    assert refused.value.code == "over_per_donor_cap"


def test_more_than_kept_cannot_be_paid_back(election, finance_officer, second_officer):
    payer = f.iin()
    services.record_donation(election=election, incoming=f.incoming(amount="1000", payer_id=payer))
    correction = _propose(election, finance_officer, payer_id=payer, amount="-1001", returned_reference="BACK-1")
    with pytest.raises(ValidationError) as refused:
        services.approve_correction(correction=correction, approved_by=second_officer)
    assert refused.value.code == "over_kept"


def test_the_source_must_be_the_payers(election, finance_officer):
    with pytest.raises(ValidationError) as refused:
        _propose(election, finance_officer, payer_id=election.candidate_iin, source=rules.DONATIONS)
    assert refused.value.code == "source_mismatch"


def test_the_database_refuses_the_proposer_as_decider(election, finance_officer):
    correction = _propose(election, finance_officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Correction.objects.filter(pk=correction.pk).update(
            status="rejected", decided_by=finance_officer, decided_at=correction.proposed_at
        )


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE donations_correction SET amount = -1 WHERE id = %s",
        "DELETE FROM donations_correction WHERE id = %s",
    ],
)
def test_the_database_refuses_rewriting_or_deleting_a_proposal(election, finance_officer, second_officer, sql):
    correction = _propose(election, finance_officer)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [correction.pk])


def test_the_database_refuses_changing_a_decided_correction(election, finance_officer, second_officer):
    correction = services.reject_correction(correction=_propose(election, finance_officer), rejected_by=second_officer)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE donations_correction SET status = 'pending' WHERE id = %s", [correction.pk])


# --- Pages ------------------------------------------------------------------------------------------------------


def test_propose_then_a_second_officer_approves_on_the_pages(election, client_for, finance_officer, second_officer):
    payer = f.iin()
    services.record_donation(election=election, incoming=f.incoming(amount="1000", payer_id=payer))
    proposer = client_for(finance_officer)
    response = proposer.post(
        reverse("donations:correction", args=[election.slug]),
        {"source": "donations", "amount": "-400", "payer_id": payer, "entry_date": "2026-05-11", "note": "Ошибка"},
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "donations:corrections", args=[election.slug]
    )
    correction = Correction.objects.get()
    page = proposer.get(reverse("donations:corrections", args=[election.slug]))
    assert reverse("donations:correction_approve", args=[correction.pk]) not in page.content.decode()
    proposer.post(reverse("donations:correction_approve", args=[correction.pk]))
    correction.refresh_from_db()
    assert correction.is_pending  # the proposer's own approval is refused

    approver = client_for(second_officer)
    page = approver.get(reverse("donations:corrections", args=[election.slug]))
    assert reverse("donations:correction_approve", args=[correction.pk]) in page.content.decode()
    approver.post(reverse("donations:correction_approve", args=[correction.pk]))
    correction.refresh_from_db()
    assert correction.status == "approved"


@pytest.mark.parametrize("who", ["staff_user", "coordinator", "trainer", "integrity_officer", "nobody"])
@pytest.mark.parametrize("action", ["correction_approve", "correction_reject"])
def test_other_roles_cannot_decide(request, election, client_for, finance_officer, who, action):
    correction = _propose(election, finance_officer)
    response = client_for(request.getfixturevalue(who)).post(reverse(f"donations:{action}", args=[correction.pk]))
    assert response.status_code == 403
    correction.refresh_from_db()
    assert correction.is_pending


def test_auditor_cannot_decide_and_anonymous_must_log_in(election, client, client_for, finance_officer, auditor):
    correction = _propose(election, finance_officer)
    for action in ("correction_approve", "correction_reject"):
        url = reverse(f"donations:{action}", args=[correction.pk])
        assert client_for(auditor).post(url)["Location"] == reverse("audit:index")
        assert "/accounts/login/" in client.post(url)["Location"]
        assert client_for(finance_officer).get(url).status_code == 405
    correction.refresh_from_db()
    assert correction.is_pending


def test_superuser_decides_another_officers_correction(election, client_for, finance_officer, superuser):
    correction = _propose(election, finance_officer)
    client_for(superuser).post(reverse("donations:correction_reject", args=[correction.pk]))
    correction.refresh_from_db()
    assert correction.status == "rejected" and correction.decided_by == superuser
