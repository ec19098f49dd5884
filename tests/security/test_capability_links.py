"""Issue #16, class 2: nothing an auditor (or a backup, or a database reader) can read grants a power.

The messages that carry a capability link — a portal invitation (opens an account for an organization), a
registration's personal link (confirms or cancels it), waiting-list promotions and reminders — are made through
the services. Then every capability secret there is (each ``SECRET`` field of ``<app>/privacy.py`` with its values
in the database, and the invitation tokens, which are stored nowhere) is looked for in every readable column of
the outbox and of the audit log: none may be there. The delivered messages still carry working links.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import models

from coalition.models import AuditEntry, OutboundMessage
from coalition.outbox import deliver_pending
from coalition.privacy import Privacy, classification
from events import services as events
from members.models import Affiliation, Invitation
from members.services import portal
from tests.events.factories import EventFactory, admitted_organization
from tests.members.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _capabilities() -> set[str]:
    """Every capability secret in the database: SECRET text fields' values, and the derived invitation tokens."""
    secrets = {portal.invitation_token(invitation) for invitation in Invitation.objects.all()}
    for model, fields in classification().items():
        for name, level in fields.items():
            field = model._meta.get_field(name)
            if level != Privacy.SECRET or not isinstance(field, models.CharField) or model is OutboundMessage:
                continue
            secrets |= {value for value in model.objects.values_list(name, flat=True) if value and len(value) >= 8}
    return secrets


def _readable_text() -> list[str]:
    rows = [(m.key, m.subject, m.body, m.html_body, m.last_error) for m in OutboundMessage.objects.all()]
    rows += [(e.object_repr, str(e.data)) for e in AuditEntry.objects.all()]
    return ["\n".join(row) for row in rows]


def _make_capability_messages(staff_user):
    org = admitted_organization(name_ru="Наша организация")
    person = PersonFactory(full_name="Петрова Анна", email="anna@example.kz")
    Affiliation.objects.create(person=person, organization=org, role="representative", title="Секретарь")
    portal.invite_representatives(organization=org, invited_by=staff_user)
    event = EventFactory(capacity=1)
    first = events.register(event=event, applicant=events.Applicant(full_name="Асель Н", email="asel@example.kz"))
    events.register(event=event, applicant=events.Applicant(full_name="Ерлан Б", email="erlan@example.kz"))
    events.cancel_registration(registration=first)  # the second is promoted from the waiting list, with a link
    with time_machine.travel(event.starts_at - timedelta(hours=24) + timedelta(minutes=2), tick=False):
        events.send_due_reminders()
    return event


def test_no_stored_message_or_audit_entry_holds_a_capability(staff_user):
    _make_capability_messages(staff_user)
    kinds = {message.key.split(":")[0] for message in OutboundMessage.objects.all()}
    assert {"members", "registered", "promoted"} <= kinds, kinds  # the messages with links were made
    capabilities = _capabilities()
    assert len(capabilities) >= 3  # an invitation and two registration tokens at least
    found = [(secret, text[:80]) for secret in capabilities for text in _readable_text() if secret in text]
    assert not found, found


def test_the_delivered_messages_carry_working_links(staff_user, client):
    _make_capability_messages(staff_user)
    deliver_pending()
    bodies = "\n".join(message.body for message in mail.outbox)
    invitation = re.search(r"https?://[^/\s]+(/portal/invitation/[^/\s]+/)", bodies).group(1)
    assert client.get(invitation).status_code == 200
    registration_links = re.findall(r"https?://[^/\s]+(/r/[^/\s]+/)", bodies)
    assert registration_links and all(client.get(link).status_code == 200 for link in registration_links)
    assert "[[capability:" not in bodies
