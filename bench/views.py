"""The floors of the HTTP benchmarks (registered only in bench/urls.py, never in the app's URLs).

``floor``: a bare Django view that renders a template and runs no query (the staff pages' floor, and the /join/
floor of issue #10, still printed for the history).

``join_floor`` (issue #22 item 9): the same writes as a /join/ POST, made by one hand-written SQL transaction — the
organization, its representative (person, identity claim, affiliation, consent), the status history, the
hash-chained audit entry under the chain's advisory lock, the outbox email and the session row — with no form, no
validation read, no ORM. Its GET is the bare page above, so wrk plays it exactly as it plays /join/.
"""

from __future__ import annotations

import functools
import json
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.views.decorators.http import require_http_methods

from coalition import audit

# Compiled once, like the app's templates under the cached loader.
TEMPLATE = engines["django"].from_string(
    '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{{ title }}</title></head>'
    '<body><main><h1>{{ title }}</h1><form id="floor-form" method="post">{% csrf_token %}<button>OK</button></form>'
    "</main></body>"
    "</html>"
)

JOIN_FLOOR_DONE = "/__bench__/join-floor/done/"


@login_not_required
@require_http_methods(["GET", "POST"])
def floor(request):
    return HttpResponse(TEMPLATE.render({"title": "floor"}, request))


# --- the /join/ floor -------------------------------------------------------------------------------------------

_NAME, _NUMBER = "\x01name\x01", "\x01number\x01"


@functools.cache
def _texts() -> tuple[str, str, str, str]:
    """The consent text and version, and the confirmation email's subject and body with placeholders, rendered once
    per process in Russian (the project renders the email per application; the floor only fills in two values)."""
    from members.forms import CONSENT_TEXT
    from members.services.people import CONSENT_TEXT_VERSION

    context = {"organization": {"name_ru": _NAME}, "number": _NUMBER}
    with translation.override("ru"):
        subject = " ".join(render_to_string("emails/members/application_received_subject.txt", context).split())
        body = render_to_string("emails/members/application_received.txt", context)
        return str(CONSENT_TEXT), CONSENT_TEXT_VERSION, subject, body


# Ids first (the audit entry's hash covers the organization's and the person's), with the chain's last hash, read
# after the advisory lock is held exactly as coalition.audit.record reads it, and the region's code (audit data).
_IDS_SQL = """
SELECT nextval(pg_get_serial_sequence('members_organization', 'id')),
       nextval(pg_get_serial_sequence('members_person', 'id')),
       (SELECT hash FROM coalition_auditentry ORDER BY id DESC LIMIT 1),
       (SELECT code FROM coalition_region WHERE id = %(region)s)
"""

# Every row of a /join/ POST in one statement (the columns and values the ORM writes, see the module docstring).
_WRITE_SQL = """
WITH organization AS (
  INSERT INTO members_organization (id, name_ru, name_kk, name_en, short_name, bin, kind, region_id, status, joined_on,
    created_at, address, phone, email, website, head_name, head_title, declared_members, language, digest_sent_at)
  VALUES (%(org)s, %(name_ru)s, '', '', '', %(bin)s, %(kind)s, %(region)s, 'applied', NULL, %(now)s, %(address)s,
    %(phone)s, %(email)s, '', %(head_name)s, %(head_title)s, %(declared_members)s, 'ru', NULL)
), person AS (
  INSERT INTO members_person (id, full_name, iin, phone, email, region_id, language, user_id, created_at)
  VALUES (%(person)s, %(rep_name)s, '', %(rep_phone)s, '', %(region)s, 'ru', NULL, %(now)s)
), claim AS (
  INSERT INTO members_identityclaim (source, outcome, person_id, candidate_id, matched_on, claimed, asserted_by_id,
    created_at)
  VALUES ('join', 'created', %(person)s, NULL, '', %(claimed)s::jsonb, NULL, %(now)s)
  RETURNING id
), affiliation AS (
  INSERT INTO members_affiliation (person_id, organization_id, role, title, created_at)
  VALUES (%(person)s, %(org)s, 'representative', %(rep_title)s, %(now)s)
), consent AS (
  INSERT INTO members_consent (person_id, purpose, text_version, text, language, given_at, withdrawn_at, claim_id)
  SELECT %(person)s, 'membership', %(consent_version)s, %(consent_text)s, 'ru', %(now)s, NULL, claim.id FROM claim
), status AS (
  INSERT INTO members_statuschange (organization_id, from_status, to_status, at, changed_by_id, decision_id, reason)
  VALUES (%(org)s, '', 'applied', %(now)s, NULL, NULL, '')
), entry AS (
  INSERT INTO coalition_auditentry (at, actor_id, actor_label, action, object_type, object_id, object_repr, data,
    prev_hash, hash)
  VALUES (%(now)s, NULL, '', 'members.apply', 'members.organization', %(org_text)s, %(repr)s, %(audit_data)s::jsonb,
    %(prev_hash)s, %(hash)s)
), message AS (
  INSERT INTO coalition_outboundmessage (key, channel, recipient, language, subject, body, html_body, status,
    send_after, attempts, last_error, created_at, sent_at)
  VALUES (%(key)s, 'email', %(email)s, 'ru', %(subject)s, %(body)s, '', 'pending', %(now)s, 0, '', %(now)s, NULL)
)
INSERT INTO django_session (session_key, session_data, expire_date) VALUES (%(session_key)s, %(session_data)s,
  %(expires)s)
"""


def write_application(post) -> tuple[int, str]:
    """Write what a /join/ POST writes, in one transaction; return the organization's id and the session key."""
    consent_text, consent_version, subject, body = _texts()
    region = int(post["region"])
    now = timezone.now()
    session_key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit._LOCK_ID])
        cursor.execute(_IDS_SQL, {"region": region})
        org, person, prev_hash, region_code = cursor.fetchone()
        prev_hash = prev_hash or audit.GENESIS
        name = post["name_ru"]
        number = f"{now:%Y}-{org:06d}"
        audit_data = {"bin": post["bin"], "region": region_code, "representative": person}
        values = {
            "object_type": "members.organization",
            "object_id": str(org),
            "object_repr": name[:200],
        }
        digest = audit.entry_hash(
            prev_hash=prev_hash, at=now, actor_id=None, action="members.apply", data=audit_data, **values
        )
        cursor.execute(
            _WRITE_SQL,
            {
                "org": org,
                "person": person,
                "now": now,
                "name_ru": name,
                "bin": post["bin"],
                "kind": post["kind"],
                "region": region,
                "address": post["address"],
                "phone": post["phone"],
                "email": post["email"],
                "head_name": post["head_name"],
                "head_title": post["head_title"],
                "declared_members": int(post["declared_members"]) if post.get("declared_members") else None,
                "rep_name": post["representative_name"],
                "rep_phone": post["representative_phone"],
                "rep_title": post["representative_title"],
                "claimed": json.dumps(
                    {
                        "full_name": post["representative_name"],
                        "iin": "",
                        "email": "",
                        "phone": post["representative_phone"],
                    }
                ),
                "consent_version": consent_version,
                "consent_text": consent_text,
                "org_text": values["object_id"],
                "repr": values["object_repr"],
                "audit_data": json.dumps(audit_data),
                "prev_hash": prev_hash,
                "hash": digest,
                "key": f"members:organization:{org}:received",
                "subject": subject.replace(_NUMBER, number),
                "body": body.replace(_NAME, name).replace(_NUMBER, number),
                "session_key": session_key,
                "session_data": SessionStore().encode({"members_application": org}),
                "expires": now + timedelta(seconds=settings.SESSION_COOKIE_AGE),
            },
        )
    return org, session_key


@login_not_required
@require_http_methods(["GET", "POST"])
def join_floor(request):
    """GET: the bare page with its form (as ``floor``); POST: the CSRF check, the writes of /join/, the redirect."""
    if request.method == "GET":
        return HttpResponse(TEMPLATE.render({"title": "floor"}, request))
    _org, session_key = write_application(request.POST)
    response = HttpResponseRedirect(JOIN_FLOOR_DONE)
    response.set_cookie(
        settings.SESSION_COOKIE_NAME,
        session_key,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=settings.SESSION_COOKIE_HTTPONLY,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )
    return response
