"""Spoken numbers: how callers read digits, as recognisers write them down."""

from __future__ import annotations

import pytest

from app.flow.spoken_numbers import luhn_valid, spoken_to_digits

SPOKEN = [
    # digit by digit
    ("one oh four two", "1042"),
    ("one zero four two", "1042"),
    ("One, oh, four, two.", "1042"),
    ("nine eight seven six five four three two one", "987654321"),
    ("one o four two", "1042"),
    ("nought seven", "07"),
    # the recogniser's own digits
    ("1 0 4 2", "1042"),
    ("1042", "1042"),
    ("10 42", "1042"),
    ("1042.", "1042"),
    ("1,042", "1042"),
    ("10:42", "1042"),
    ("555-1234", "5551234"),
    ("0042", "0042"),
    ("one 0 four 2", "1042"),
    # pairs and years
    ("ten forty two", "1042"),
    ("nineteen eighty four", "1984"),
    ("twenty twenty four", "2024"),
    ("twenty oh five", "2005"),
    ("forty two", "42"),
    ("twenty-one", "21"),
    ("forty-two seventeen", "4217"),
    ("eleven", "11"),
    ("ninety", "90"),
    # cardinals
    ("two hundred and five", "205"),
    ("two hundred five", "205"),
    ("one hundred", "100"),
    ("a hundred", "100"),
    ("hundred", "100"),
    ("twelve hundred", "1200"),
    ("twelve hundred thirty four", "1234"),
    ("nineteen hundred and eighty four", "1984"),
    ("one thousand", "1000"),
    ("a thousand", "1000"),
    ("two thousand and twenty four", "2024"),
    ("two thousand twenty four", "2024"),
    ("five thousand five hundred", "5500"),
    ("one thousand two hundred and thirty four", "1234"),
    ("5 hundred", "500"),
    ("ten thousand", "10000"),
    ("one million two hundred thousand", "1200000"),
    # repeats
    ("double five", "55"),
    ("triple 3", "333"),
    ("treble two", "222"),
    ("double oh seven", "007"),
    ("four double five one", "4551"),
    ("quadruple nine", "9999"),
    # zero and oh on their own
    ("zero", "0"),
    ("oh", "0"),
    ("o", "0"),
    ("Oh.", "0"),
    ("oh oh", "00"),
    # words around the number
    ("it's one oh four two", "1042"),
    ("it’s one oh four two", "1042"),
    ("um one two three four", "1234"),
    ("uh, my account number is 1042", "1042"),
    ("the number is one two, three four", "1234"),
    ("oh it's one two three", "123"),
    ("one two three four please", "1234"),
    ("yeah it's 1042 thanks", "1042"),
    ("my zip code is nine oh two one oh", "90210"),
    ("one two dash three four", "1234"),
    ("1 0 4 2 and that's it", "1042"),
    ("TEN FORTY TWO", "1042"),
    # homophones count only between numbers
    ("one for two", "142"),
    ("one to three", "123"),
    ("eight ate eight", "888"),
]

NOT_NUMBERS = [
    "",
    "   ",
    "I want to pay my bill",
    "agent",
    "representative please",
    "I'd like to talk to someone",
    "for billing",
    "oh no",
    "um",
    "yes",
    "double check",
    "hmm, it's",
    # other words between groups are ambiguous: better to ask again
    "one two, sorry, three four",
    "one two wait three",
    "ten point five",
]


@pytest.mark.parametrize(("said", "digits"), SPOKEN)
def test_spoken_to_digits(said: str, digits: str) -> None:
    assert spoken_to_digits(said) == digits


@pytest.mark.parametrize("said", NOT_NUMBERS)
def test_not_a_number(said: str) -> None:
    assert spoken_to_digits(said) is None


def test_accepts_none_like_input() -> None:
    assert spoken_to_digits(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("digits", "valid"), [
    ("79927398713", True),
    ("4111111111111111", True),
    ("4111111111111112", False),
    ("0", True),
    ("18", True),
    ("10", False),
    ("79927398710", False),
    ("", False),
    ("12a4", False),
    ("١٢", False),  # non-ASCII digits are not account digits
])
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize("said, digits", [
    ("thousand", "1000"), ("a thousand", "1000"), ("5 thousand", "5000"), ("2 hundred", "200"),
    ("five thousand", "5000"), ("two million three thousand", "2003000"), ("hundred", "100")])
def test_scales_said_alone_or_after_digits(said, digits):
    assert spoken_to_digits(said) == digits


@pytest.mark.parametrize("number, valid", [("59", True), ("58", False),
                                           ("\u0665\u0669", False)])  # Arabic-Indic 5 9
def test_luhn_doubles_every_second_digit_and_wants_ascii_digits(number, valid):
    assert luhn_valid(number) is valid
