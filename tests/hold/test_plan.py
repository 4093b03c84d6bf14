"""The pure hold planner at each threshold: estimates, interruptions, menu, callbacks,
and a channel that runs out."""

from __future__ import annotations

from datetime import time

import pytest

from app.flow.actions import Play, Say
from app.flow.phrases import phrases
from app.hold import plan

EN = phrases("en-US")
CHANNELS = (plan.Channel("jazz", "jazz", "music", "1"),
            plan.Channel("classical", "classical music", "music", "2"),
            plan.Channel("tips", "today's energy tips", "spoken", "4"),
            plan.Channel("quiz", "a quiz", "quiz", "5"),
            plan.Channel("callback", "a call back", "callback", "6"))
QUESTION = plan.Question(7, "Which uses the most energy?", ("the fridge", "heating"), 1)


def catalog(**kw) -> plan.Catalog:
    segments = {"jazz": tuple(plan.Segment(i, f"jazz-{i}", "v") for i in range(1, 60)),
                "classical": (plan.Segment(100, "c", "v"),), "tips": ()}
    defaults = dict(channels=CHANNELS, segments=segments, questions=(QUESTION,),
                    caller_last4="0001", now=time(14, 0), hours=(time(8), time(20)))
    return plan.Catalog(**{**defaults, **kw})


def texts(step) -> list[str]:
    out = []
    for action in step.actions:
        prompts = action.prompts if isinstance(action, plan.Ask) else (action,)
        out += [p.text for p in prompts if isinstance(p, Say)]
    return out


def joined(position=8, estimate=1800, cat=None) -> plan.HoldState:
    return plan.reply(plan.HoldState(), plan.Wait(position, 0, estimate), cat or catalog()).state


def at(state, t, position, estimate, agents=None, cat=None):
    return plan.reply(state, plan.Wait(position, t, estimate, agents), cat or catalog())


def kinds(step) -> list[str]:
    return [item.kind for item in step.trace]


@pytest.mark.parametrize(("seconds", "said"), [
    (59, "less than a minute"), (60, "about one to two minutes"),
    (240, "about three to five minutes"), (600, "about eight to twelve minutes"),
    (1800, "about 25 to 35 minutes")])
def test_estimates_are_honest_rounded_ranges(seconds, said):
    assert plan.wait_words(seconds, EN) == said


def test_a_smaller_estimate_never_says_a_bigger_range():
    ranges = [plan.minutes_range(s) for s in range(60, 3600)]
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in zip(ranges, ranges[1:], strict=False))


def test_interruptions_wait_at_least_90_seconds():
    state = joined()
    assert texts(at(state, 89, 7, 1600)) == []
    assert texts(at(state, 90, 7, 1600))[0].startswith("You're seventh in line, about 20 to 30")


def test_a_higher_estimate_is_not_said_without_a_reason():
    state = at(joined(), 100, 7, 1200).state
    step = at(state, 200, 6, 1500)
    assert "about 15 to 25 minutes" in texts(step)[0]  # the 1,200 s said before, not 1,500
    assert step.state.last_estimate_s == 1200


def test_fewer_agents_is_a_reason_said_before_a_higher_estimate():
    state = at(joined(), 100, 7, 1200, agents=3).state
    step = at(state, 200, 6, 1500, agents=1)
    said = texts(step)
    assert said[0] == "Fewer people are free to answer right now, so it's taking longer."
    assert "about 20 to 30 minutes" in said[1]


def test_youre_next_once_then_still_with_you_every_few_minutes():
    state = at(joined(position=2, estimate=200), 100, 1, 60).state
    assert "hold_next" in [t.kind for t in at(joined(2, 200), 100, 1, 60).trace]
    assert texts(at(state, 339, 1, 60)) == []  # 239 s after: nothing
    again = at(state, 340, 1, 60)
    assert texts(again)[0] == "Still with you. Thanks for holding."
    assert "You're next" not in " ".join(texts(again))


def test_still_with_you_when_the_place_does_not_change():
    state = at(joined(estimate=500), 100, 7, 450).state  # short: no callback offers
    assert texts(at(state, 339, 7, 450)) == []
    assert texts(at(state, 340, 7, 450)) == ["Still with you. Thanks for holding."]


def test_callback_is_offered_again_while_the_estimate_stays_long():
    state = joined(estimate=1800)
    first = at(state, 90, 7, 1600)  # at the first interruption
    assert "hold_callback_offered" in kinds(first)
    assert "To get a call back instead, press 6." in texts(first)[-1]
    [ask] = [a for a in first.actions if isinstance(a, plan.Ask)]
    assert ask.purpose == "listen" and isinstance(ask.prompts[-1], Play)  # pressable
    assert "hold_callback_offered" not in kinds(at(first.state, 389, 6, 1400))
    assert "hold_callback_offered" in kinds(at(first.state, 390, 6, 1400))


def test_no_callback_offer_when_the_wait_is_short():
    state = joined(estimate=599)
    assert "hold_callback_offered" not in kinds(at(state, 300, 7, 500))
    assert "hold_callback_offered" in kinds(at(joined(estimate=600), 300, 7, 600))
    assert "hold_callback_offered" not in kinds(at(joined(estimate=1800), 300, 1, 60))


def test_hold_menu_names_the_most_chosen_in_25_words():
    step = plan.reply(plan.HoldState(), plan.Wait(3, 0, 240),
                      catalog(popular=("quiz", "tips", "jazz")))
    menu = texts(step)[-1]
    assert menu == ("While you wait: For a quiz, press 5. For today's energy tips, press 4. "
                    "For jazz, press 1. Or say more for other choices.")
    assert len(menu.split()) <= plan.MENU_WORDS


def test_long_channel_names_leave_two_in_the_menu():
    long = tuple(plan.Channel(f"c{i}", f"long channel number {i}", "music",
                              str(i)) for i in range(1, 4))
    menu = texts(plan.reply(plan.HoldState(), plan.Wait(None, 0, None),
                            catalog(channels=long)))[-1]
    assert "number 2" in menu and "number 3" not in menu and len(menu.split()) <= 25


def test_bad_input_gets_a_one_line_hint_and_more_gets_every_choice():
    state = joined()
    hint = plan.answer(state, plan.Wait(8, 5, 1800), catalog(), "channel", "9", None)
    assert texts(hint) == ["Sorry, that's not one of the choices. Say more to hear them all."]
    more = plan.answer(state, plan.Wait(8, 5, 1800), catalog(), "channel", None, "more")
    assert "To get a call back that keeps your place, press 6." in texts(more)[0]


def callback_offered(cat=None) -> plan.HoldState:
    return plan.answer(joined(cat=cat), plan.Wait(8, 5, 1800), cat or catalog(), "channel",
                       "6", None).state


def test_a_keyed_number_is_read_back_before_it_is_booked():
    cat, w = catalog(), plan.Wait(8, 5, 1800)
    state = plan.answer(callback_offered(), w, cat, "callback", "2", None).state
    read = plan.answer(state, w, cat, "callback_number", "4155550123", None)
    assert texts(read) == ["We'll call 4 1 5, 5 5 5, 0 1 2 3. Press 1 if that's right, or 2 "
                           "to key it again."]
    assert not any(isinstance(a, plan.RequestCallback) for a in read.actions)
    again = plan.answer(read.state, w, cat, "callback_readback", "2", None)
    assert [a.purpose for a in again.actions] == ["callback_number"]
    booked = plan.answer(read.state, w, cat, "callback_readback", "1", None)
    assert plan.RequestCallback("+14155550123") in booked.actions


@pytest.mark.parametrize(("said", "language", "when"), [
    ("after 5 pm", "en-US", time(17)), ("at 5:30", "en-US", time(17, 30)),
    ("call me at 7 in the evening", "en-US", time(19)),
    ("오후 5시 반 이후에", "ko-KR", time(17, 30))])
def test_a_later_time_today_within_the_hours(said, language, when):
    cat = catalog(language=language)
    step = plan.answer(callback_offered(cat), plan.Wait(8, 5, 1800), cat, "callback", None,
                       said)
    assert plan.RequestCallback(None, after=when) in step.actions


@pytest.mark.parametrize("said", ["after 9 pm", "at 1 pm", "after 20:01"])
def test_a_time_outside_the_hours_or_past_is_refused_with_the_closing_time(said):
    step = plan.answer(callback_offered(), plan.Wait(8, 5, 1800), catalog(), "callback", None,
                       said)
    assert not any(isinstance(a, plan.RequestCallback) for a in step.actions)
    assert texts(step)[0].startswith("We can call you back today until 8:00\u202fPM.")


def test_the_callback_offer_names_a_later_time_only_with_an_hour_left():
    offer = " ".join(texts(plan.answer(joined(), plan.Wait(8, 5, 1800), catalog(), "channel",
                                       "6", None)))
    assert "Or say a later time today, such as after 3:00\u202fPM." in offer
    late = catalog(now=time(19, 1))
    offer = " ".join(texts(plan.answer(joined(cat=late), plan.Wait(8, 5, 1800), late,
                                       "channel", "6", None)))
    assert "later time" not in offer


def test_a_used_up_channel_tells_the_caller_and_moves_them_never_looping():
    cat = catalog(segments={"jazz": (plan.Segment(1, "j", "v"),)})
    state, heard, said = joined(cat=cat), [], []
    for t in range(30, 400, 30):
        step = at(state, t, 8, 1800, cat=cat)
        state = step.state
        heard += [p.url for a in step.actions if isinstance(a, plan.Ask) for p in a.prompts
                  if isinstance(p, Play)]
        said += texts(step)
        if any(a.purpose == "quiz" for a in step.actions if isinstance(a, plan.Ask)):
            break
    assert heard == ["/segments/1"]
    assert "You've heard everything new we have today." in said
    assert "Here's a quiz." in said


def test_next_in_line_on_joining_is_not_told_again():
    state = joined(position=1, estimate=60)
    step = at(state, 100, 1, 60)
    assert "You're next. Thanks for waiting." not in texts(step)


@pytest.mark.parametrize("said", ["1.", "2", "yes"])
def test_a_spoken_key_is_an_answer_not_a_time(said):
    assert plan.later_time(said, EN) is None
    step = plan.answer(callback_offered(), plan.Wait(8, 5, 1800), catalog(), "callback", None,
                       said)
    assert not any(isinstance(a, plan.RequestCallback) and a.after for a in step.actions)


@pytest.mark.parametrize(("closes", "article"), [(time(13), "hasta la 1:00"),
                                                 (time(14), "hasta las 2:00")])
def test_spanish_names_the_closing_hour_with_its_article(closes, article):
    """Spanish says "hasta la 1:00" but "hasta las 2:00": the hour picks the form."""
    cat = catalog(language="es-US", now=time(11, 0), hours=(time(8), closes))
    step = plan.answer(callback_offered(cat), plan.Wait(8, 5, 1800), cat, "callback", None,
                       "a las 9 de la noche")
    assert not any(isinstance(a, plan.RequestCallback) for a in step.actions)
    assert article in texts(step)[0]
    assert ".." not in texts(step)[0]
