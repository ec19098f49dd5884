"""Statements of support made by member organizations, and whether the public page may show them."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from coalition import audit
from members.models import CommitteeMeeting, Organization, StatementOfSupport


@transaction.atomic
def record_statement(
    *,
    organization: Organization,
    speaker_name: str,
    speaker_title: str,
    text: str,
    made_on: date,
    meeting: CommitteeMeeting | None = None,
    language: str = "ru",
    may_publish: bool = False,
    created_by: User,
) -> StatementOfSupport:
    """Record a statement of support made by a member organization's speaker."""
    statement = StatementOfSupport.objects.create(
        organization=organization,
        speaker_name=speaker_name,
        speaker_title=speaker_title,
        text=text,
        made_on=made_on,
        meeting=meeting,
        language=language,
        may_publish=may_publish,
        created_by=created_by,
    )
    audit.record(
        actor=created_by,
        action="members.statement.create",
        obj=statement,
        data={"organization": organization.pk, "may_publish": may_publish},
    )
    return statement


@transaction.atomic
def set_statement_publication(
    *, statement: StatementOfSupport, may_publish: bool, changed_by: User
) -> StatementOfSupport:
    """Allow or withdraw the publication of a statement on the public members page."""
    statement = StatementOfSupport.objects.select_for_update().get(pk=statement.pk)
    before = statement.may_publish
    statement.may_publish = may_publish
    statement.save(update_fields=["may_publish"])
    audit.record(
        actor=changed_by,
        action="members.statement.publication",
        obj=statement,
        data={"before": before, "after": may_publish},
    )
    return statement
