"""Kazakhstan's IIN (individuals) and BIN (legal entities): 12 digits with a check digit (docs/domain.md §5)."""

from __future__ import annotations

import random
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS_1 = range(1, 12)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def check_digit(first11: str) -> int | None:
    """Return the check digit for 11 digits, or None when no digit is valid (the number cannot exist)."""
    digits = [int(c) for c in first11]
    for weights in (_WEIGHTS_1, _WEIGHTS_2):
        rest = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if rest != 10:
            return rest
    return None


def is_valid_number(value: str) -> bool:
    """Return whether ``value`` is 12 digits whose last is the right check digit."""
    return len(value) == 12 and value.isascii() and value.isdigit() and check_digit(value[:11]) == int(value[11])


def is_valid_iin(value: str) -> bool:
    """Return whether ``value`` is a valid IIN: check digit, a real birth date and a century/sex digit 1-6."""
    if not is_valid_number(value) or value[6] not in "123456":
        return False
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}[value[6]]
    try:
        date(century + int(value[:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        return False
    return True


def is_valid_bin(value: str) -> bool:
    """Return whether ``value`` is a valid BIN: check digit, month 01-12, type digit 4/5/6, unit digit 0-3."""
    return is_valid_number(value) and 1 <= int(value[2:4]) <= 12 and value[4] in "456" and value[5] in "0123"


def validate_bin(value: str) -> None:
    if not (value.isascii() and value.isdigit() and len(value) == 12):
        raise ValidationError(_("A BIN is exactly 12 digits."), code="bin_format")
    if not is_valid_bin(value):
        raise ValidationError(_("This BIN is not valid: check the digits."), code="bin_invalid")


def validate_iin(value: str) -> None:
    if not (value.isascii() and value.isdigit() and len(value) == 12):
        raise ValidationError(_("An IIN is exactly 12 digits."), code="iin_format")
    if not is_valid_iin(value):
        raise ValidationError(_("This IIN is not valid: check the digits."), code="iin_invalid")


def _complete(first11: str) -> str | None:
    digit = check_digit(first11)
    return None if digit is None else f"{first11}{digit}"


def synthetic_bin(rng: random.Random, *, year: int = 2005, month: int = 1, kind: str = "4", unit: str = "0") -> str:
    """Return a valid, made-up BIN (for demo data and tests; never a real organization's)."""
    while True:
        number = _complete(f"{year % 100:02d}{month:02d}{kind}{unit}{rng.randrange(100000):05d}")
        if number:
            return number


def synthetic_iin(rng: random.Random, *, born: date | None = None, female: bool | None = None) -> str:
    """Return a valid, made-up IIN for a person born on ``born`` (for demo data and tests)."""
    born = born or date(rng.randrange(1950, 2006), rng.randrange(1, 13), rng.randrange(1, 29))
    female = rng.random() < 0.5 if female is None else female
    century_digit = {1800: 1, 1900: 3, 2000: 5}[born.year // 100 * 100] + int(female)
    while True:
        number = _complete(f"{born:%y%m%d}{century_digit}{rng.randrange(10000):04d}")
        if number:
            return number
