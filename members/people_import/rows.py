"""Step 2a of the people import: check one row from its cells alone (no database) into a :class:`RowPlan`.

Each check reads the cells it needs, sets the clean value on the row and appends its problems to ``row.errors``
(or ``row.warnings``); the order of the checks is the order the messages are shown in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import CharField, Model
from django.utils.translation import gettext as _
from django.utils.translation import override

from coalition.identifiers import is_valid_iin
from coalition.spreadsheets import looks_like_formula
from members.models import Affiliation, Consent, Person

YES = {"yes", "y", "да", "д", "иә", "ия", "1", "true", "+"}
NO = {"no", "n", "нет", "н", "жоқ", "0", "false", "-", ""}
MAX_CELL = 300
# The consent purpose a role's consent is recorded under (as the join form and the member portal do).
ROLE_PURPOSE: dict[str, str] = {
    Affiliation.Role.REPRESENTATIVE: Consent.Purpose.MEMBERSHIP,
    Affiliation.Role.HEAD: Consent.Purpose.MEMBERSHIP,
    Affiliation.Role.MEMBER: Consent.Purpose.EVENTS,
    Affiliation.Role.VOLUNTEER: Consent.Purpose.EVENTS,
    Affiliation.Role.OBSERVER: Consent.Purpose.OBSERVATION,
    Affiliation.Role.PROXY: Consent.Purpose.OBSERVATION,
}


@dataclass
class RowPlan:
    line: int
    status: str = ""  # new | update | unchanged | duplicate | error
    iin: str = ""
    full_name: str = ""
    phone: str = ""
    email: str = ""
    organization_id: int | None = None
    organization_name: str = ""
    role: str = ""
    position: str = ""
    consent_purpose: str = ""
    consent_date: str = ""  # ISO date
    person_id: int | None = None
    changes: list[str] = field(default_factory=list)  # fields of the person that change
    add_affiliation: bool = False
    update_position: bool = False
    add_consent: bool = False
    set_region_id: int | None = None
    duplicate_of: int | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def role_names() -> dict[str, str]:
    """Return every accepted spelling of a role (code, and its label in each language) → role code."""
    names = {}
    for code, label in Affiliation.Role.choices:
        names[code] = code
        for language, _name in settings.LANGUAGES:
            with override(language):
                names[str(label).strip().lower()] = code
    return names


def check_row(line: int, values: dict[str, str], roles: dict[str, str], today: date) -> RowPlan:
    """Return the row's plan from its cells alone (no database): the clean values, or the errors."""
    row = RowPlan(line=line)
    _check_cells(row, values)
    _check_iin(row, values["iin"])
    _check_name(row, values)
    _check_phone(row, values["phone"])
    _check_email(row, values["email"])
    _check_role(row, values, roles)
    _check_position(row, values)
    row.consent_purpose = ROLE_PURPOSE.get(row.role, Consent.Purpose.EVENTS)
    _check_consent(row, values, today)
    return row


def _check_cells(row: RowPlan, values: dict[str, str]) -> None:
    for name, value in values.items():
        if len(value) > MAX_CELL:
            row.errors.append(
                _("The %(column)s cell is longer than %(limit)d characters.") % {"column": name, "limit": MAX_CELL}
            )
        elif looks_like_formula(value) and name not in ("phone", "consent"):
            row.warnings.append(
                _("The %(column)s cell starts like a spreadsheet formula; it is stored as text, never run.")
                % {"column": name}
            )


def _check_iin(row: RowPlan, value: str) -> None:
    row.iin = re.sub(r"[\s-]", "", value)
    if not row.iin:
        row.errors.append(_("The IIN is empty: it is how people are matched, so it is required."))
    elif not (row.iin.isascii() and row.iin.isdigit() and len(row.iin) == 12):
        row.errors.append(_("The IIN must be 12 digits."))
    elif not is_valid_iin(row.iin):
        row.errors.append(_("The IIN is not valid (check digit or date of birth): check the digits."))


def _check_name(row: RowPlan, values: dict[str, str]) -> None:
    if not values["last_name"] or not values["first_name"]:
        row.errors.append(_("The last name and the first name are required."))
    full_name = " ".join(filter(None, (values["last_name"], values["first_name"], values["patronymic"])))
    row.full_name = re.sub(r"\s+", " ", full_name)
    if len(row.full_name) > _max_length(Person, "full_name"):
        row.errors.append(_("The full name is longer than %(limit)d characters.") % {"limit": 200})


def _check_phone(row: RowPlan, value: str) -> None:
    if not value:
        return
    try:
        number = phonenumbers.parse(value, settings.PHONENUMBER_DEFAULT_REGION)
        if not phonenumbers.is_valid_number(number):
            raise phonenumbers.NumberParseException(0, "invalid")
        row.phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        row.errors.append(_("The phone %(phone)s is not a valid phone number.") % {"phone": value})


def _check_email(row: RowPlan, value: str) -> None:
    if not value:
        return
    try:
        validate_email(value)
        if len(value) > _max_length(Person, "email"):
            raise ValidationError("too long")
        row.email = value
    except ValidationError:
        row.errors.append(_("The email %(email)s is not a valid address.") % {"email": value})


def _check_role(row: RowPlan, values: dict[str, str], roles: dict[str, str]) -> None:
    role = values["role"].strip().lower()
    if not role:
        if values["organization"]:
            row.role = Affiliation.Role.MEMBER
        return
    if role not in roles:
        row.errors.append(
            _("Unknown role %(role)s: use one of %(roles)s.")
            % {"role": values["role"], "roles": ", ".join(Affiliation.Role.values)}
        )
    elif not values["organization"]:
        row.errors.append(_("A role needs an organization (BIN or number) in the same row."))
    row.role = roles.get(role, "")


def _check_position(row: RowPlan, values: dict[str, str]) -> None:
    row.position = values["position"]
    if len(row.position) > _max_length(Affiliation, "title"):
        row.errors.append(_("The position is longer than %(limit)d characters.") % {"limit": 150})
    if row.position and not values["organization"]:
        row.errors.append(_("A position needs an organization in the same row."))


def _check_consent(row: RowPlan, values: dict[str, str], today: date) -> None:
    consent = values["consent"].strip().lower()
    if consent in NO:
        row.errors.append(_("No consent to personal-data processing: the person cannot be recorded."))
    elif consent not in YES:
        row.errors.append(_("The consent cell must be yes or no."))
    else:
        _check_consent_date(row, values["consent_date"], today)


def _check_consent_date(row: RowPlan, value: str, today: date) -> None:
    given = _parse_date(value)
    if given is None:
        row.errors.append(_("The consent date must be a date such as 2026-11-27 or 27.11.2026."))
    elif given > today:
        row.errors.append(_("The consent date is in the future."))
    elif given.year < 2000:
        row.errors.append(_("The consent date is before 2000: check it."))
    else:
        row.consent_date = given.isoformat()


def _max_length(model: type[Model], name: str) -> int:
    """Return the length limit of a model's text field (the database's; a cell longer than it is refused)."""
    return cast(int, cast(CharField, model._meta.get_field(name)).max_length)


def _parse_date(value: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None
