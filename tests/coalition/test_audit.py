import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, InternalError, ProgrammingError, transaction

from coalition import audit
from coalition.models import AuditEntry, Region

pytestmark = pytest.mark.django_db


def _entries(user, n=3):
    region = Region.objects.get(code="KZ-71")
    return [audit.record(actor=user, action="test.touch", obj=region, data={"n": i}) for i in range(n)]


def test_entries_form_an_intact_chain(staff_user):
    first, second, third = _entries(staff_user)
    assert first.prev_hash == audit.GENESIS or first.prev_hash
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert audit.verify() == (AuditEntry.objects.count(), None)
    assert third.actor_label == "aigerim" and third.object_type == "coalition.region"


def test_verify_audit_command_reports_ok(staff_user, capsys):
    _entries(staff_user)
    call_command("verify_audit")
    assert "Audit log OK" in capsys.readouterr().out


def test_database_refuses_update_and_delete(staff_user):
    entry = _entries(staff_user, 1)[0]
    with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises((InternalError, IntegrityError, ProgrammingError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_verify_audit_finds_a_tampered_entry(staff_user):
    entries = _entries(staff_user, 4)
    with pgtrigger.ignore("coalition.AuditEntry:audit_entry_append_only"):
        AuditEntry.objects.filter(pk=entries[2].pk).update(data={"n": 999})
    with pytest.raises(CommandError, match=f"BROKEN at entry #{entries[2].pk}"):
        call_command("verify_audit")


def test_verify_audit_finds_a_removed_entry(staff_user):
    entries = _entries(staff_user, 4)
    with pgtrigger.ignore("coalition.AuditEntry:audit_entry_append_only"):
        AuditEntry.objects.filter(pk=entries[1].pk).delete()
    with pytest.raises(CommandError, match=f"BROKEN at entry #{entries[2].pk}"):
        call_command("verify_audit")
