import random
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from coalition.identifiers import (
    check_digit,
    is_valid_bin,
    is_valid_iin,
    synthetic_bin,
    synthetic_iin,
    validate_bin,
    validate_iin,
)


def test_election_commission_bin_is_valid():
    assert is_valid_bin("940740000892")


def test_rejects_bin_with_wrong_check_digit():
    assert not is_valid_bin("940740000893")
    with pytest.raises(ValidationError) as exc:
        validate_bin("940740000893")
    assert exc.value.code == "bin_invalid"


@pytest.mark.parametrize("value", ["", "94074000089", "9407400008921", "94074000089a", "９４０７４０００００８９２"])
def test_rejects_bin_that_is_not_12_ascii_digits(value):
    with pytest.raises(ValidationError) as exc:
        validate_bin(value)
    assert exc.value.code == "bin_format"


def test_uses_second_weights_when_first_sum_gives_ten():
    # digits chosen so the first weighting sums to 10 mod 11: 1*10 = 10
    first11 = "00000000010"
    assert sum(int(d) * w for d, w in zip(first11, range(1, 12), strict=True)) % 11 == 10
    assert check_digit(first11) == (1 * 1) % 11  # weight of position 10 in the second set is 1


def test_number_whose_both_weightings_give_ten_is_invalid():
    # search a few numbers for one with no possible check digit; none of its 10 endings may validate
    rng = random.Random(0)
    for _ in range(20000):
        first11 = f"{rng.randrange(10**11):011d}"
        if check_digit(first11) is None:
            assert not any(is_valid_bin(first11 + str(d)) or is_valid_iin(first11 + str(d)) for d in range(10))
            return
    pytest.fail("no number without a check digit found")


def test_bin_needs_month_and_type_digits():
    rng = random.Random(1)
    good = synthetic_bin(rng, year=2005, month=3)
    assert is_valid_bin(good)
    assert good[4] == "4" and good[5] == "0"


def test_iin_encodes_birth_date_and_sex():
    rng = random.Random(2)
    iin = synthetic_iin(rng, born=date(1984, 2, 29), female=True)
    assert iin.startswith("840229") and iin[6] == "4"
    assert is_valid_iin(iin)
    validate_iin(iin)


def test_rejects_iin_with_impossible_birth_date():
    rng = random.Random(3)
    iin = synthetic_iin(rng, born=date(1985, 3, 1))
    bad = "850230" + iin[6:11]
    digit = check_digit(bad)
    if digit is not None:
        assert not is_valid_iin(bad + str(digit))
    with pytest.raises(ValidationError):
        validate_iin("850230300000")


def test_synthetic_numbers_are_always_valid():
    rng = random.Random(4)
    assert all(is_valid_bin(synthetic_bin(rng)) for _ in range(500))
    assert all(is_valid_iin(synthetic_iin(rng)) for _ in range(500))
