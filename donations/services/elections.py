"""Elections and their rule versions, the donor registry, and pledges."""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from coalition import audit, elections
from coalition.identifiers import is_valid_bin
from donations import rules, selectors
from donations.models import (
    Donor,
    DonorCategory,
    Election,
    Pledge,
    RuleVersion,
)
from donations.parsing import parse_donors

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- Elections and rule versions --------------------------------------------------------------------------------------


RULE_FIELDS = (
    "fund_opens_on",
    "fund_closes_on",
    "mzp",
    "mzp_date",
    "cap_own_mzp",
    "cap_association_mzp",
    "cap_donations_mzp",
    "per_donor_cap_mzp",
    "require_declaration",
    "return_deadline_days",
    "prohibited",
    "burst_threshold",
    "near_cap_share",
    "source",
)


def default_rule_values(*, fund_opens_on: date, fund_closes_on: date) -> dict[str, Any]:
    """Return a new election's rule values: the defaults of docs/domain.md §2 (2026)."""
    return {
        "fund_opens_on": fund_opens_on,
        "fund_closes_on": fund_closes_on,
        "mzp": rules.DEFAULT_MZP,
        "cap_own_mzp": rules.DEFAULT_CAPS_MZP[rules.OWN],
        "cap_association_mzp": rules.DEFAULT_CAPS_MZP[rules.ASSOCIATION],
        "cap_donations_mzp": rules.DEFAULT_CAPS_MZP[rules.DONATIONS],
        "per_donor_cap_mzp": None,
        "require_declaration": False,
        "return_deadline_days": rules.DEFAULT_RETURN_DEADLINE_DAYS,
        "prohibited": dict(rules.DEFAULT_PROHIBITED),
        "near_cap_share": rules.DEFAULT_NEAR_CAP_SHARE,
    }


def create_election(
    *, slug: str, name: str, kind: str, candidate_iin: str, association_bin: str, rule_values: dict, created_by
) -> Election:
    """Create an election with its first rule version."""
    with transaction.atomic():
        election = Election(
            slug=slug, name=name, kind=kind, candidate_iin=candidate_iin, association_bin=association_bin
        )
        election.full_clean()
        election.save()
        version = _new_rule_version(election=election, values=rule_values, created_by=created_by)
        audit.record(
            actor=created_by,
            action="donations.create_election",
            obj=election,
            data={"slug": slug, "rule_version": version.number},
        )
    return election


def add_rule_version(*, election: Election, values: dict, created_by) -> RuleVersion:
    """Add a rule version (the previous ones stay, with the decisions made under them)."""
    with transaction.atomic():
        election = Election.objects.select_for_update().get(pk=election.pk)
        version = _new_rule_version(election=election, values=values, created_by=created_by)
        audit.record(
            actor=created_by,
            action="donations.add_rule_version",
            obj=version,
            data={"election": election.slug, "number": version.number, "values": _rule_snapshot(version)},
        )
    return version


def _new_rule_version(*, election: Election, values: dict, created_by) -> RuleVersion:
    prohibited = values.get("prohibited", rules.DEFAULT_PROHIBITED)
    bad = {
        code: how
        for code, how in prohibited.items()
        if code not in rules.PROHIBITED_CODES or how not in rules.HANDLINGS
    }
    if bad:
        raise ValidationError(_("Unknown prohibited categories or handlings: %(bad)s") % {"bad": bad})
    last = election.rule_versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = RuleVersion(
        election=election,
        number=last + 1,
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
        **{key: value for key, value in values.items() if key in RULE_FIELDS},
    )
    version.full_clean(exclude=["election", "created_by"])
    version.save()
    return version


def _rule_snapshot(version: RuleVersion) -> dict[str, Any]:
    return {name: getattr(version, name) for name in RULE_FIELDS}


def load_election(*, spec: dict, actor=None) -> tuple[Election, RuleVersion, bool]:
    """Create or update an election from the ``load_election`` JSON; return it, its rule version, and whether
    a new rule version was written (an unchanged file adds nothing)."""
    try:
        values = {
            "fund_opens_on": date.fromisoformat(spec["fund_opens_on"]),
            "fund_closes_on": date.fromisoformat(spec["fund_closes_on"]),
            "mzp": Decimal(str(spec.get("mzp", rules.DEFAULT_MZP))),
            "cap_own_mzp": Decimal(str(spec.get("caps_mzp", {}).get("own", rules.DEFAULT_CAPS_MZP[rules.OWN]))),
            "cap_association_mzp": Decimal(
                str(spec.get("caps_mzp", {}).get("association", rules.DEFAULT_CAPS_MZP[rules.ASSOCIATION]))
            ),
            "cap_donations_mzp": Decimal(
                str(spec.get("caps_mzp", {}).get("donations", rules.DEFAULT_CAPS_MZP[rules.DONATIONS]))
            ),
            "per_donor_cap_mzp": None
            if spec.get("per_donor_cap_mzp") in (None, "")
            else Decimal(str(spec["per_donor_cap_mzp"])),
            "require_declaration": bool(spec.get("require_declaration", False)),
            "return_deadline_days": int(spec.get("return_deadline_days", rules.DEFAULT_RETURN_DEADLINE_DAYS)),
        }
    except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
        raise ValidationError(_("The election file is not valid: %(error)s") % {"error": exc}) from exc
    if spec.get("prohibited") is not None:
        values["prohibited"] = {
            code: {**rules.DEFAULT_PROHIBITED, **rules.OPTIONAL_PROHIBITED}.get(code, "invalid")
            for code in spec["prohibited"]
        }
    else:
        values["prohibited"] = dict(rules.DEFAULT_PROHIBITED)
    if spec.get("source"):
        values["source"] = spec["source"]
    if spec.get("mzp_date"):
        values["mzp_date"] = date.fromisoformat(spec["mzp_date"])
    schedule = elections.parse_schedule(spec)  # election_day, polls, candidates: optional (issue #18)

    with transaction.atomic():
        election = Election.objects.select_for_update().filter(slug=spec.get("slug", "")).first()
        if election is None:
            election = create_election(
                slug=spec.get("slug", ""),
                name=spec.get("name", ""),
                kind=spec.get("kind", Election.Kind.PRESIDENTIAL),
                candidate_iin=spec.get("candidate_iin", ""),
                association_bin=spec.get("association_bin", ""),
                rule_values=values,
                created_by=actor,
            )
            elections.apply_schedule(election=election, schedule=schedule, actor=actor)
            # The one rule version create_election wrote (and so the one in force).
            return election, RuleVersion.objects.get(election=election), True
        changed = {
            name: spec[name]
            for name in ("name", "candidate_iin", "association_bin")
            if spec.get(name) and spec[name] != getattr(election, name)
        }
        if changed:
            for name, value in changed.items():
                setattr(election, name, value)
            election.full_clean()
            election.save()
            audit.record(actor=actor, action="donations.change_election", obj=election, data=changed)
        elections.apply_schedule(election=election, schedule=schedule, actor=actor)
        current = selectors.current_rule_version(election)
        if current is not None and all(
            getattr(current, name) == value for name, value in values.items() if name in RULE_FIELDS
        ):
            return election, current, False
        return election, add_rule_version(election=election, values=values, created_by=actor), True


# --- Donor registry ---------------------------------------------------------------------------------------------------


def save_donor(*, donor: Donor, changed_by) -> Donor:
    """Create or change a registry entry (validated by the form or the caller)."""
    with transaction.atomic():
        is_new = donor.pk is None
        donor.full_clean()
        donor.save()
        audit.record(
            actor=changed_by,
            action="donations.add_donor" if is_new else "donations.change_donor",
            obj=donor,
            data={"identifier": donor.identifier, "category": donor.category, "kind": donor.kind},
        )
    return donor


def import_donors(*, content: bytes, actor=None) -> dict[str, Any]:
    """Upsert the registry from a CSV (``id,kind,name,citizenship,category``, optionally ``employer``); return a
    summary."""
    parsed = parse_donors(content, set(DonorCategory.values))
    created = updated = 0
    with transaction.atomic():
        for row in parsed.rows:
            defaults = {"kind": row.kind, "name": row.name, "citizenship": row.citizenship, "category": row.category}
            if row.employer is not None:
                defaults["employer"] = row.employer
            _donor, was_created = Donor.objects.update_or_create(identifier=row.identifier, defaults=defaults)
            created += was_created
            updated += not was_created
        audit.record(
            actor=actor,
            action="donations.import_donors",
            data={"read": parsed.read, "created": created, "updated": updated, "refused": len(parsed.errors)},
        )
    return {"read": parsed.read, "created": created, "updated": updated, "errors": parsed.errors}


# --- Pledges ----------------------------------------------------------------------------------------------------------


def new_reference() -> str:
    return "EF-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def create_pledge(
    *,
    election: Election,
    payer_id: str,
    name: str,
    amount: Decimal,
    declaration_text: str,
    declaration_version: str,
    language: str,
) -> Pledge:
    """Record a supporter's pledge with the declaration exactly as shown; return it with its payment reference."""
    kind = rules.ORGANIZATION if is_valid_bin(payer_id) else rules.INDIVIDUAL
    for _attempt in range(5):
        try:
            with transaction.atomic():
                pledge = Pledge.objects.create(
                    election=election,
                    reference=new_reference(),
                    payer_id=payer_id,
                    payer_kind=kind,
                    name=name,
                    amount=amount,
                    declaration_text=declaration_text,
                    declaration_version=declaration_version,
                    declaration_language=language,
                )
                audit.record(
                    actor=None,
                    action="donations.pledge",
                    obj=pledge,
                    data={"election": election.slug, "declaration_version": declaration_version, "language": language},
                )
                return pledge
        except IntegrityError:  # the random reference collided: draw another
            continue
    raise RuntimeError("Could not draw a unique payment reference.")
