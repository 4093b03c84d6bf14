"""The hours rules with literal hours: no app, no database."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.flow.phrases import phrases
from app.hours.rules import (
    ALWAYS,
    Hours,
    HoursError,
    is_open,
    next_opening,
    read_default,
    read_special,
    read_weekly,
    special_text,
    weekly_text,
)
from app.hours.spoken import opens_again

# 2026-12-04 is a Friday.
FRI = date(2026, 12, 4)
CLINIC = "Mon-Fri 08:00-12:00 13:00-17:00\nSat 09:00-13:00"


def at(day: int, hhmm: str, month: int = 12) -> datetime:
    return datetime.fromisoformat(f"2026-{month:02d}-{day:02d}T{hhmm}")


def clinic(special: str = "") -> Hours:
    return Hours(read_weekly(CLINIC), read_special(special, FRI))


@pytest.mark.parametrize("moment, expected", [
    (at(4, "07:59"), False), (at(4, "08:00"), True), (at(4, "11:59"), True),
    (at(4, "12:30"), False),  # the lunch gap between two spans
    (at(4, "13:00"), True), (at(4, "17:00"), False),  # a span's end is closed
    (at(5, "10:00"), True), (at(5, "13:00"), False),  # Saturday's own hours
    (at(6, "10:00"), False),  # Sunday: no rule names it
])
def test_weekdays_and_several_spans_a_day(moment, expected):
    assert is_open(clinic(), moment) is expected


def test_a_holiday_closes_the_day_and_a_special_day_has_its_own_spans():
    hours = clinic("2026-12-25 closed Christmas Day\n2026-12-24 09:00-11:00 Christmas Eve")
    assert not is_open(hours, at(25, "10:00"))  # a Friday, but a holiday
    assert is_open(hours, at(24, "10:30")) and not is_open(hours, at(24, "14:00"))
    assert is_open(hours, at(23, "14:00"))  # the Wednesday before is a plain weekday


def test_the_next_opening_after_closing_on_friday_is_saturday_and_after_that_monday():
    assert next_opening(clinic(), at(4, "18:00")) == at(5, "09:00")
    assert next_opening(clinic(), at(5, "14:00")) == at(7, "08:00")  # across Sunday
    assert next_opening(clinic(), at(4, "12:15")) == at(4, "13:00")  # after lunch, today


def test_the_next_opening_skips_holidays():
    hours = clinic("2026-12-25 closed\n2026-12-26 closed\n2026-12-28 10:00-12:00")
    assert next_opening(hours, at(24, "18:00")) == at(28, "10:00")


def test_a_night_shift_is_two_spans_and_opens_once():
    hours = Hours(read_weekly("Fri 22:00-24:00; Sat 00:00-06:00"))
    assert is_open(hours, at(4, "23:30")) and is_open(hours, at(5, "05:59"))
    assert not is_open(hours, at(5, "06:00"))
    assert next_opening(hours, at(5, "07:00")) == at(11, "22:00")  # not Saturday 00:00


def test_closed_for_good_has_no_next_opening_and_no_hours_means_always_open():
    assert next_opening(Hours(), at(4, "10:00")) is None
    assert is_open(ALWAYS, at(6, "03:00"))


@pytest.mark.parametrize("text, field, says", [
    ("Mon 08:00-12:00; Tue 08:00-09:00; Mon 11:00-13:00", "weekly hours, Mon",
     "11:00-13:00 overlaps 08:00-12:00"),
    ("Mon 17:00-09:00", "weekly hours", "ends before it starts"),
    ("Mnn 08:00-17:00", "weekly hours", "'Mnn' is not a weekday"),
    ("Mon 8:00-25:00", "weekly hours", "'8:00-25:00' is not a span"),
    ("Mon 09:00-12:00\nTue 9am-5pm", "weekly hours, line 2", "'9am-5pm' is not a span"),
    ("Mon-Fri", "weekly hours", "give at least one span"),
])
def test_wrong_weekly_hours_are_refused_with_the_field_named(text, field, says):
    with pytest.raises(HoursError) as refused:
        read_weekly(text)
    [problem] = refused.value.problems
    assert problem.field == field and says in problem.message


@pytest.mark.parametrize("text, says", [
    ("2026-12-03 closed", "2026-12-03 is in the past"),
    ("2026-13-01 closed", "'2026-13-01' is not a date"),
    ("2026-12-24 12:00-10:00", "ends before it starts"),
    ("2026-12-24 Christmas Eve", "say closed, or give its spans"),
])
def test_wrong_special_days_are_refused(text, says):
    with pytest.raises(HoursError) as refused:
        read_special(text, FRI)
    assert refused.value.problems[0].field == "special days, line 1"
    assert says in refused.value.problems[0].message


def test_the_default_takes_the_simple_form_and_weekdays_and_names_what_is_wrong():
    hours = read_default("general=08:00-20:00,front_desk=Mon-Fri 08:00-17:00;Sat 09:00-13:00,"
                         "*=09:00-17:00")
    assert is_open(hours["general"], at(6, "19:00"))  # every day
    assert is_open(hours["front_desk"], at(5, "12:00"))
    assert not is_open(hours["front_desk"], at(6, "12:00"))
    assert set(hours) == {"general", "front_desk", "*"}
    with pytest.raises(HoursError, match="queue 'front_desk', line 1: 'Mnn-Fri' is not a weekday"):
        read_default("general=08:00-20:00,front_desk=Mnn-Fri 08:00-17:00;Sat 09:00-13:00")
    with pytest.raises(HoursError, match="expected queue=hours"):
        read_default("general 08:00-20:00")


def test_hours_written_back_read_the_same():
    hours = clinic("2026-12-25 closed Christmas Day\n2026-12-24 09:00-11:00 Christmas Eve")
    assert weekly_text(hours.weekly) == "Mon-Fri 08:00-12:00 13:00-17:00\nSat 09:00-13:00"
    assert read_weekly(weekly_text(hours.weekly)) == hours.weekly
    assert read_special(special_text(hours.special), FRI) == hours.special


@pytest.mark.parametrize("language, opening, said", [
    ("en-US", at(5, "09:00"), "We open again tomorrow at 9:00\u202fAM."),
    ("en-US", at(7, "08:00"), "We open again on Monday at 8:00\u202fAM."),
    ("en-US", at(4, "13:00"), "We open again today at 1:00\u202fPM."),
    ("en-US", at(28, "10:00"), "We open again on December 28 at 10:00\u202fAM."),
    ("ko-KR", at(7, "08:00"), "월요일 오전 8:00에 다시 업무를 시작합니다."),
    ("es-US", at(5, "09:00"), "Volvemos a abrir mañana a las 9:00\u202fa.m."),
    # the article agrees with the hour on the clock: "a la una", "a las dos"
    ("es-US", at(5, "13:00"), "Volvemos a abrir mañana a la 1:00\u202fp.m."),
    ("es-US", at(4, "13:30"), "Volvemos a abrir hoy a la 1:30\u202fp.m."),
    ("es-US", at(7, "01:00"), "Volvemos a abrir el lunes a la 1:00\u202fa.m."),
    ("es-US", at(28, "01:00"), "Volvemos a abrir el 28 de diciembre a la 1:00\u202fa.m."),
    ("es-US", at(5, "11:00"), "Volvemos a abrir mañana a las 11:00\u202fa.m."),
    ("es-ES", at(5, "13:00"), "Volvemos a abrir mañana a las 13:00."),  # a 24-hour clock
    ("es-ES", at(5, "01:00"), "Volvemos a abrir mañana a la 1:00."),
    ("en-US", at(5, "13:00"), "We open again tomorrow at 1:00\u202fPM."),
    ("ko-KR", at(5, "13:00"), "내일 오후 1:00에 다시 업무를 시작합니다."),
])
def test_the_next_opening_is_said_in_the_callers_language(language, opening, said):
    assert opens_again(FRI, opening, phrases(language)).replace(" ", "\u202f") == \
        said.replace(" ", "\u202f")


def test_an_overlap_on_several_days_is_named_once_with_its_days():
    with pytest.raises(HoursError) as refused:
        read_weekly("Mon-Fri 08:00-12:00; Mon 11:00-13:00; Wed 11:30-14:00; Tue 09:00-10:00")
    assert [str(p) for p in refused.value.problems] == [
        "weekly hours, Mon: 11:00-13:00 overlaps 08:00-12:00",
        "weekly hours, Tue: 09:00-10:00 overlaps 08:00-12:00",
        "weekly hours, Wed: 11:30-14:00 overlaps 08:00-12:00"]
    with pytest.raises(HoursError) as refused:
        read_weekly("08:00-12:00 11:00-13:00")
    assert [str(p) for p in refused.value.problems] == [
        "weekly hours, Mon-Sun: 11:00-13:00 overlaps 08:00-12:00"]


@pytest.mark.parametrize("language, said", [
    ("en-US", "We're closed right now. We open again on Monday at 8:00\u202fAM."),
    ("ko-KR", "지금은 업무 시간이 아닙니다. 월요일 오전 8:00에 다시 업무를 시작합니다."),
])
def test_a_caller_who_reaches_a_closed_queue_hears_when_it_opens(language, said):
    from app.hold import plan
    from tests.hold.test_plan import catalog, texts

    hours = clinic()
    cat = catalog(unanswerable="closed", language=language, today=date(2026, 12, 5),
                  next_opening=next_opening(hours, at(5, "14:00")))
    step = plan.reply(plan.HoldState(), plan.Wait(3, 5, 600), cat)
    assert texts(step)[0].replace(" ", "\u202f") == said.replace(" ", "\u202f")
