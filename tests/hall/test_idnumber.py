"""GB 11643 ID numbers: the check digit, the X, the length, the mask."""
import pytest

from hall import idnumber

# 11010519491231002X is the standard's own worked example (check digit X).
CASES = [
    ("11010519491231002X", None),
    ("11010519491231002x", None),              # readers may type a lower-case x
    ("110105 19491231 002X", None),            # spaces are ignored
    ("440524188001010014", None),
    ("110101199003074477", None),
    ("110101199003074478", "check_digit"),     # wrong check digit
    ("11010519491231002", "length"),           # 17 characters
    ("1101051949123100211", "length"),         # 19 characters
    ("", "length"),
    ("11010519491231002Y", "characters"),
    ("1101051949123A002X", "characters"),
    ("110105194902300028", "birth_date"),      # 30 February
]


@pytest.mark.parametrize("raw, problem", CASES)
def test_problem(raw, problem):
    assert idnumber.problem(raw) == problem


def test_check_digit_of_the_standards_example():
    assert idnumber.check_digit("11010519491231002") == "X"


def test_mask_keeps_four_and_four():
    assert idnumber.mask("110101199003074477") == "1101********4477"


def test_keyed_hash_matches_only_under_the_same_key():
    a = idnumber.keyed_hash("11010519491231002x", b"k1")
    assert a == idnumber.keyed_hash("11010519491231002X", b"k1")
    assert a != idnumber.keyed_hash("11010519491231002X", b"k2")
    assert "11010519491231002X" not in a
