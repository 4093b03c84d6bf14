"""Readings of a caller's spoken numbers that mix cardinals with "oh" or repeat a
scale: the number a caller means, not the words glued together."""

from __future__ import annotations

import pytest

from app.flow.spoken_numbers import spoken_to_digits


@pytest.mark.parametrize("said, digits", [
    ("one hundred oh five", "105"),          # not 100 then 0 then 5
    ("a hundred oh five", "105"),
    ("room one hundred oh five please", "105"),
    ("twelve hundred oh nine", "1209"),
    ("one hundred oh", "1000"),              # no digit after it: "oh" is a zero
    ("one hundred oh one", "101"),
    ("one hundred oh oh five", "100005"),    # two zeros said: neither is dropped
    ("one hundred and five", "105"),
])
def test_oh_after_hundred_is_the_tens_place_left_empty(said, digits):
    assert spoken_to_digits(said) == digits


@pytest.mark.parametrize("said, digits", [
    ("five thousand five thousand", "50005000"),  # two numbers, not 5005 then 1000
    ("five thousand and five thousand", "50005000"),
    ("two million three million", "20000003000000"),
    ("three million four thousand", "3004000"),   # a smaller scale still adds on
    ("two million thousand", "2001000"),          # a bare smaller scale is one of it
    ("two thousand five hundred", "2500"),
])
def test_a_scale_said_again_starts_a_new_number(said, digits):
    assert spoken_to_digits(said) == digits


@pytest.mark.parametrize("said, digits", [
    ("a hundred", "100"), ("an hundred and five", "105"), ("a thousand", "1000"),
    ("two thousand and a hundred", "2100"),   # "a" inside a cardinal is one
    ("one thousand a hundred", "1100"),
    ("a million", "1000000"),
    ("seven a", "7"),                          # "a" alone is a filler word
])
def test_a_or_an_before_a_scale_is_one(said, digits):
    assert spoken_to_digits(said) == digits


@pytest.mark.parametrize("said, digits", [
    ("one hundred a", "100"),                  # "a" after a number, before no scale: a filler
    ("two thousand a", "2000"),
    ("one thousand an hundred", "1100"),       # "an" inside a cardinal is one, as "a" is
    ("five thousand thousand", "50001000"),    # the same scale again starts a new number
])
def test_a_or_an_counts_only_before_a_scale_and_a_scale_only_once(said, digits):
    assert spoken_to_digits(said) == digits


@pytest.mark.parametrize("said, digits", [
    ("double five please", "55"),
    ("double 5 please", "55"),
    ("double 55", "55"),                       # double applies to one digit, not a group
    ("one two double twenty three", None),     # double of no digit: ask again
])
def test_double_repeats_the_one_digit_after_it(said, digits):
    assert spoken_to_digits(said) == digits


@pytest.mark.parametrize("said, digits", [
    ("120 thousand", "120000"),                # up to three recognised digits take a scale
    ("5 thousand please", "5000"),
    ("1200 thousand", "12001000"),             # four are a group of their own
])
def test_recognised_digits_before_a_scale(said, digits):
    assert spoken_to_digits(said) == digits


@pytest.mark.parametrize("said, digits", [
    ("please one for two", "142"),             # a homophone between numbers is a digit
    ("one for me", "1"),                       # not with a number on one side only
    ("one oh for two", "1042"),                # "oh" next to it counts as a number
    ("one for oh two", "1402"),
    ("one two um oh um three", "123"),         # "oh" among fillers is an interjection
    ("one two it\u2019s three four", "1234"),  # a typographic apostrophe: "it's", a filler
])
def test_homophones_and_oh_are_read_from_their_neighbours(said, digits):
    assert spoken_to_digits(said) == digits
