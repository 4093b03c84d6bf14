"""The pure hold planner's rules from both sides: rounded estimates, places in line,
moving up, spoken channel names, the callback offer's answers, the keyed number, the
quiz, and nobody to answer."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from app.flow import yesno
from app.flow.actions import Play
from app.flow.phrases import phrases
from app.hold import plan
from tests.hold.test_plan import EN, QUESTION, at, callback_offered, catalog, joined, kinds, texts

W = plan.Wait(8, 5, 1800)


def ask(step) -> plan.Ask:
    [only] = [a for a in step.actions if isinstance(a, plan.Ask)]
    return only


# -- estimates and places --------------------------------------------------------------
@pytest.mark.parametrize("seconds, minutes", [
    (60, (1, 2)), (505, (6, 11)), (749, (9, 15)), (750, (10, 15)), (900, (10, 20)),
    (1700, (20, 35)), (3000, (40, 60))])
def test_long_estimates_are_rounded_to_fives_from_ten_minutes(seconds, minutes):
    assert plan.minutes_range(seconds) == minutes


@pytest.mark.parametrize("seconds, said", [
    (749, "about nine to fifteen minutes"), (750, "about ten to fifteen minutes"),
    (900, "about 10 to 20 minutes")])
def test_ranges_up_to_fifteen_are_words_and_beyond_are_digits(seconds, said):
    assert plan.wait_words(seconds, EN) == said


@pytest.mark.parametrize("position, said", [
    (1, "You're next in line"), (2, "You're second in line"), (10, "You're tenth in line"),
    (11, "You're number 11 in line")])
def test_places_in_line(position, said):
    assert plan.place_words(position, EN) == said


def test_an_announcement_without_an_estimate_names_only_the_place():
    assert plan.announcement(3, None, EN) == "You're third in line."
    assert plan.announcement(3, 240, EN) == \
        "You're third in line, about three to five minutes."


def test_joining_says_the_place_and_the_short_menu():
    said = texts(plan.reply(plan.HoldState(), plan.Wait(3, 0, 240), catalog()))
    assert said[0] == "You're third in line, about three to five minutes."
    assert said[1].startswith("While you wait:")


def test_joining_with_no_place_known_skips_the_announcement():
    said = texts(plan.reply(plan.HoldState(), plan.Wait(None, 0, None), catalog()))
    assert len(said) == 1 and said[0].startswith("While you wait:")


def test_second_in_line_is_an_update_of_its_own():
    state = joined(position=3, estimate=240)
    said = texts(at(state, 90, 2, 120))
    assert said[0] == "You're second in line, about one to three minutes."


@pytest.mark.parametrize("position, update", [(6, True), (7, False), (8, False)])
def test_only_moving_up_is_announced(position, update):
    state = at(joined(position=7, estimate=500), 100, 7, 450).state
    said = texts(at(state, 200, position, 400))
    assert bool(said) is update
    if update:
        assert said[0].startswith("You're sixth in line")


def test_the_place_said_is_remembered_so_it_is_not_said_twice():
    step = at(joined(position=7, estimate=500), 100, 6, 450)
    assert step.state.last_position == 6 and step.state.last_announce_s == 100
    assert texts(at(step.state, 200, 6, 450)) == []


def test_an_unchanged_estimate_is_kept_and_a_lower_one_said():
    state = at(joined(position=7, estimate=1200), 100, 6, 1200).state
    lower = at(state, 200, 5, 600)
    assert "about eight to twelve minutes" in texts(lower)[0]
    assert lower.state.last_estimate_s == 600


def test_nothing_is_said_again_before_90_seconds_even_after_moving_up():
    state = at(joined(position=7, estimate=500), 100, 6, 450).state
    assert texts(at(state, 189, 5, 400)) == []
    assert texts(at(state, 190, 5, 400))[0].startswith("You're fifth in line")


def test_next_in_line_is_said_inside_the_pressable_piece():
    step = at(joined(position=2, estimate=200), 100, 1, 60)
    first = ask(step)
    assert first.purpose == "listen" and first.prompts[0].text == \
        "You're next. Thanks for waiting."
    assert isinstance(first.prompts[-1], Play) and step.state.told_next


# -- choosing a channel ------------------------------------------------------------------
LONG_NAMES = (plan.Channel("night", "smooth late night jazz hits", "music", "1"),
              plan.Channel("talk", "garden talk", "spoken", "2", ("plants",)),
              plan.Channel("callback", "a call back", "callback", "6"))


def long_names():
    return catalog(channels=LONG_NAMES,
                   segments={"night": (plan.Segment(1, "n", "v"),),
                             "talk": (plan.Segment(2, "t", "v"),)})


@pytest.mark.parametrize("speech, switched", [
    ("smooth late night jazz", True),  # four of five words: 0.8
    ("smooth late night", False),  # three of five: 0.6
    ("plants", True), ("garden", False)])
def test_a_spoken_channel_name_switches_only_when_clearly_heard(speech, switched):
    cat = long_names()
    state = plan.reply(plan.HoldState(), W, cat).state
    step = plan.answer(state, W, cat, "channel", None, speech)
    assert ("hold_channel" in kinds(step)) is switched
    if not switched:
        assert texts(step) == ["Sorry, that's not one of the choices. Say more to hear "
                               "them all."]
        assert step.state.channel is None


def test_a_key_picks_a_channel_while_listening_but_not_while_answering_the_quiz():
    cat = catalog()
    state = joined()
    step = plan.answer(state, W, cat, "listen", "2", None)
    assert step.state.channel == "classical" and "Here's classical music." in texts(step)
    assert plan.answer(state, W, cat, "callback_number", "2", None).state.channel is None


def test_a_misheard_word_while_listening_says_so_and_carries_on():
    cat = catalog()
    step = plan.answer(joined(), W, cat, "listen", None, "zebra crossing")
    assert texts(step)[0] == "Sorry, I didn't catch that. Press star for the choices."
    assert isinstance(ask(step).prompts[-1], Play)


def test_star_lists_every_choice():
    step = plan.answer(joined(), W, catalog(), "listen", "*", None)
    choices = texts(step)[0]
    assert choices.startswith("Here are the choices. For jazz, press 1.")
    assert choices.endswith("Press star at any time to come back to these choices.")
    assert ask(step).timeout_s == 5


def test_segments_heard_on_recent_calls_come_last_and_none_twice():
    cat = catalog(segments={"jazz": (plan.Segment(1, "old", "v"), plan.Segment(2, "new", "v"))},
                  recent_tracks=frozenset({"old"}))
    first = at(joined(cat=cat), 30, 8, 1800, cat=cat)
    second = at(first.state, 60, 8, 1800, cat=cat)
    urls = [p.url for s in (first, second) for p in ask(s).prompts if isinstance(p, Play)]
    assert urls == ["/segments/2", "/segments/1"]


def test_a_used_up_channel_moves_to_the_other_channel_first():
    cat = catalog(segments={"jazz": (), "classical": (plan.Segment(100, "c", "v"),),
                            "tips": ()})
    step = at(joined(cat=cat), 30, 8, 1800, cat=cat)
    assert texts(step)[0] == "That's all we have on jazz for now. Here's classical music."
    assert step.state.channel == "classical"


def test_with_nothing_left_and_no_quiz_the_callback_is_offered():
    cat = catalog(segments={"jazz": (), "classical": (), "tips": ()}, questions=())
    step = at(joined(cat=cat), 30, 8, 1800, cat=cat)
    said = " ".join(texts(step))
    assert "You've heard everything new we have today." in said
    assert "We can call you back" in said and step.state.channel is None


# -- the callback offer --------------------------------------------------------------------
@pytest.mark.parametrize("digits, speech", [("1", None), (None, "yes please")])
def test_yes_to_the_callback_offer_books_the_number_calling(digits, speech):
    step = plan.answer(callback_offered(), W, catalog(), "callback", digits, speech)
    assert plan.RequestCallback(None) in step.actions
    assert isinstance(step.actions[-1], plan.LeaveQueue)
    assert texts(step)[0].startswith("Thanks. We'll call you back when it's your turn")


@pytest.mark.parametrize("digits, speech", [("2", None), (None, "no")])
def test_no_to_the_callback_offer_asks_for_another_number(digits, speech):
    step = plan.answer(callback_offered(), W, catalog(), "callback", digits, speech)
    assert ask(step).purpose == "callback_number" and ask(step).max_digits == 15
    assert not any(isinstance(a, plan.RequestCallback) for a in step.actions)


def test_the_callback_offer_names_the_last_four_digits():
    offer = " ".join(texts(plan.answer(joined(), W, catalog(), "channel", "6", None)))
    assert "the number ending in 0 0 0 1" in offer
    assert "Press 1 to confirm, or 2 to give a different number." in offer


@pytest.mark.parametrize("keyed, number", [
    ("4155550123", "+14155550123"), ("4155550123#", "+14155550123"),
    ("442071838750", "+442071838750"), ("123456789012345", "+123456789012345")])
def test_a_keyed_number_becomes_an_international_one(keyed, number):
    step = plan.answer(callback_offered(), W, catalog(), "callback_number", keyed, None)
    assert step.state.callback_number == number and ask(step).purpose == "callback_readback"


@pytest.mark.parametrize("keyed", ["415555012", "1234567890123456", "41555501x3", None])
def test_a_number_too_short_too_long_or_not_digits_is_asked_again(keyed):
    step = plan.answer(callback_offered(), W, catalog(), "callback_number", keyed, None)
    assert texts(step)[0] == "Sorry, that number didn't look right."
    assert ask(step).purpose == "callback_number" and step.state.callback_number is None


def test_an_international_number_is_read_back_in_one_group():
    step = plan.answer(callback_offered(), W, catalog(), "callback_number", "442071838750",
                       None)
    assert texts(step) == ["We'll call 4 4 2 0 7 1 8 3 8 7 5 0. Press 1 if that's right, "
                           "or 2 to key it again."]


def test_a_misheard_read_back_answer_reads_the_number_again():
    cat = catalog()
    state = plan.answer(callback_offered(), W, cat, "callback_number", "4155550123", None).state
    step = plan.answer(state, W, cat, "callback_readback", None, "what")
    assert texts(step)[0].startswith("Sorry, I didn't catch that. We'll call 4 1 5, 5 5 5")


@pytest.mark.parametrize("now, example", [(time(14, 0), "3:00"), (time(14, 30), "4:00"),
                                          (time(19, 0), "8:00")])
def test_the_later_time_offered_is_the_next_whole_hour_but_not_past_closing(now, example):
    cat = catalog(now=now)
    offer = " ".join(texts(plan.answer(joined(cat=cat), W, cat, "channel", "6", None)))
    assert f"such as after {example}\u202fPM." in offer


@pytest.mark.parametrize("said, when", [
    ("at 7", time(19)), ("at 8", time(8)), ("9 am", time(9)), ("at 12", time(12)),
    ("at 3 in the morning", time(3)), ("after 6 tonight", time(18)), ("5:75", None),
    ("at 25", None), ("no number", None)])
def test_a_spoken_time_today(said, when):
    assert plan.later_time(said, EN) == when


def test_a_later_time_before_opening_is_refused():
    cat = catalog(now=time(6), hours=(time(8), time(20)))
    step = plan.answer(callback_offered(cat), W, cat, "callback", None, "at 7 am")
    assert not any(isinstance(a, plan.RequestCallback) for a in step.actions)


def test_a_later_time_without_known_hours_is_refused_plainly():
    cat = catalog(now=None, hours=None)
    step = plan.answer(callback_offered(cat), W, cat, "callback", None, "after 5 pm")
    assert texts(step)[0].startswith("We can't book a later time today.")


# -- nobody to answer -----------------------------------------------------------------------
@pytest.mark.parametrize("why, said", [("closed", "We're closed right now."),
                                       ("nobody available",
                                        "Everyone who could help is away right now.")])
def test_nobody_to_answer_offers_a_callback_and_a_message_first(why, said):
    step = plan.reply(plan.HoldState(), W, catalog(unanswerable=why))
    assert texts(step)[0] == said
    assert "Or press 3 to leave a message." in " ".join(texts(step))


def test_without_voicemail_no_message_is_offered():
    step = plan.reply(plan.HoldState(), W, catalog(unanswerable="closed", voicemail=False))
    assert "leave a message" not in " ".join(texts(step))


@pytest.mark.parametrize("digits, speech", [("3", None), (None, "leave a voicemail")])
def test_three_or_message_leaves_a_message(digits, speech):
    cat = catalog(unanswerable="closed")
    state = plan.reply(plan.HoldState(), W, cat).state
    step = plan.answer(state, W, cat, "callback", digits, speech)
    assert step.actions == [plan.LeaveMessage(), plan.LeaveQueue()]


def test_three_is_no_message_while_someone_can_answer():
    step = plan.answer(callback_offered(), W, catalog(), "callback", "3", None)
    assert plan.LeaveMessage() not in step.actions


# -- the quiz -------------------------------------------------------------------------------
def quiz_state(cat=None):
    cat = cat or catalog()
    return plan.answer(joined(cat=cat), W, cat, "channel", "5", None)


def test_the_quiz_asks_over_music_and_keeps_score():
    asked = quiz_state()
    question = ask(asked)
    assert question.purpose == "quiz" and question.timeout_s == 1  # music plays meanwhile
    assert question.prompts[0].text == ("Which uses the most energy? Press 1 for the fridge. "
                                        "Press 2 for heating.")
    wrong = plan.answer(asked.state, W, catalog(), "quiz", "1", None)
    assert texts(wrong)[0] == "Not quite: it's heating. Your score is 0 out of 1."
    right = plan.answer(asked.state, W, catalog(), "quiz", None, "heating")
    assert texts(right)[0] == "Correct! Your score is 1 out of 1."
    assert right.state.quiz_score == 1 and right.state.quiz_current is None


def test_after_the_last_question_the_final_score_then_music():
    right = plan.answer(quiz_state().state, W, catalog(), "quiz", "2", None)
    assert "That's every question we have. Your final score is 1 out of 1." in texts(right)
    assert right.state.channel is None and isinstance(ask(right).prompts[-1], Play)


@pytest.mark.parametrize("digits", ["0", "3", "9"])
def test_a_key_that_is_no_choice_gets_the_question_again(digits):
    step = plan.answer(quiz_state().state, W, catalog(), "quiz", digits, None)
    assert ask(step).prompts[0].text.startswith("Sorry, I didn't catch your answer. Press 1, 2,")
    assert step.state.quiz_answered == 0


def test_a_quiz_without_music_waits_longer_for_the_answer():
    cat = catalog(segments={"jazz": (), "classical": (), "tips": ()})
    question = ask(quiz_state(cat))
    assert question.timeout_s == 8 and len(question.prompts) == 1


# -- state -----------------------------------------------------------------------------------
def test_hold_state_round_trips_and_ignores_unknown_fields():
    state = quiz_state().state
    assert plan.HoldState.from_dict({**state.to_dict(), "gone": 1}) == state
    assert plan.HoldState.from_dict(None) == plan.HoldState()


def test_answering_never_changes_the_state_it_was_given():
    state = quiz_state().state
    before = plan.HoldState.from_dict(state.to_dict())
    plan.answer(state, W, catalog(), "quiz", "2", None)
    plan.reply(state, W, catalog())
    assert state == before


# -- what is left when content runs out, and the quiz's edges -------------------------------
JAZZ_AND_CALLBACK = (plan.Channel("jazz", "jazz", "music", "1"),
                     plan.Channel("callback", "a call back", "callback", "6"))


def test_with_no_quiz_channel_an_exhausted_wait_offers_the_callback():
    cat = catalog(channels=JAZZ_AND_CALLBACK, segments={"jazz": ()})
    step = at(joined(cat=cat), 30, 8, 1800, cat=cat)
    assert "You've heard everything new we have today." in texts(step)
    assert ask(step).purpose == "callback"


def test_everything_heard_is_said_once_then_the_house_music_plays():
    cat = catalog(channels=JAZZ_AND_CALLBACK[:1], segments={"jazz": ()},
                  fallback_url="/hold.mp3")
    first = at(joined(cat=cat), 30, 8, 1800, cat=cat)
    assert texts(first) == ["You've heard everything new we have today."]
    later = at(first.state, 60, 8, 1800, cat=cat)
    assert texts(later) == []
    music = ask(later)
    assert (music.purpose, music.prompts) == ("listen", (Play("/hold.mp3"),))
    assert "jazz" in music.hints and first.state.all_heard


def test_the_quiz_a_used_up_wait_moves_to_stays_on_the_quiz():
    cat = catalog(segments={"jazz": (), "classical": (), "tips": ()})
    step = at(joined(cat=cat), 30, 8, 1800, cat=cat)
    assert "Here's a quiz." in texts(step) and step.state.channel == "quiz"
    assert ask(step).purpose == "quiz"


def test_the_quiz_retry_listens_for_the_choices_a_while():
    step = plan.answer(quiz_state().state, W, catalog(), "quiz", "9", None)
    retry = ask(step)
    assert retry.hints == ("the fridge", "heating") and retry.timeout_s == 8


def test_an_answer_to_a_question_no_longer_there_is_not_dead_air():
    state = quiz_state().state
    state.quiz_current = 999  # the question was deleted while the caller waited
    step = plan.answer(state, W, catalog(), "quiz", "1", None)
    assert step.actions and ask(step).purpose in ("listen", "quiz")


def test_a_key_pressed_wins_over_words_heard_at_once():
    step = plan.answer(quiz_state().state, W, catalog(), "quiz", "1", "heating")
    assert texts(step)[0].startswith("Not quite")


def test_the_score_adds_up_over_questions():
    second = plan.Question(8, "Which is brighter?", ("LED", "candle"), 0)
    cat = catalog(questions=(plan.Question(7, "Which uses the most energy?",
                                           ("the fridge", "heating"), 1), second))
    state = quiz_state(cat).state
    state = plan.answer(state, W, cat, "quiz", "2", None).state
    last = plan.answer(state, W, cat, "quiz", "1", None)
    assert "Correct! Your score is 2 out of 2." in texts(last)
    assert (last.state.quiz_score, last.state.quiz_answered) == (2, 2)


def test_an_ordinal_said_in_korean_answers_the_quiz():
    cat = catalog(language="ko-KR")
    step = plan.answer(quiz_state(cat).state, W, cat, "quiz", None, "두 번째요")
    assert step.state.quiz_score == 1


def test_the_choices_are_asked_on_the_channel_menu():
    choices = ask(plan.answer(joined(), W, catalog(), "listen", "*", None))
    assert choices.purpose == "channel" and "classical music" in choices.hints


def test_the_quiz_question_listens_for_its_choices():
    assert ask(quiz_state()).hints == ("the fridge", "heating")


@pytest.mark.parametrize("said, booked", [
    ("at 2 pm", False),  # now: not later
    ("at 8 pm", True),  # closing time itself
    ("at 8 am", True)])  # opening time itself, before the centre opens
def test_a_later_time_at_the_edges_of_today(said, booked):
    cat = catalog(now=time(14) if "pm" in said else time(6))
    step = plan.answer(callback_offered(cat), W, cat, "callback", None, said)
    assert any(isinstance(a, plan.RequestCallback) for a in step.actions) is booked


def test_a_later_time_without_the_centres_clock_is_refused_with_the_closing_time():
    cat = catalog(now=None)
    step = plan.answer(callback_offered(cat), W, cat, "callback", None, "after 5 pm")
    assert texts(step)[0].startswith("We can call you back today until 8:00\u202fPM.")


@pytest.mark.parametrize("position, offered", [(2, True), (1, False), (None, False)])
def test_a_callback_is_offered_to_the_second_in_line_on_a_long_wait(position, offered):
    step = at(joined(estimate=1800), 300, position, 1800)
    assert ("hold_callback_offered" in kinds(step)) is offered


def test_a_quiet_poll_does_not_put_off_still_with_you():
    state = at(joined(estimate=500), 100, 7, 450).state
    quiet = at(state, 200, 7, 450)  # 100 s after: nothing to say
    assert texts(quiet) == []
    assert texts(at(quiet.state, 340, 7, 450)) == ["Still with you. Thanks for holding."]


def test_an_announcement_goes_inside_the_pressable_piece_with_its_choices():
    step = at(joined(position=2, estimate=200), 100, 1, 60)
    plain = at(step.state, 130, 1, 60)  # nothing said: the piece alone
    merged, alone = ask(step), ask(plain)
    assert (merged.hints, merged.max_digits, merged.timeout_s) == \
        (alone.hints, alone.max_digits, alone.timeout_s)
    assert merged.hints and len(merged.prompts) == len(alone.prompts) + 1


def test_nothing_to_play_and_nothing_left_is_said_without_failing():
    cat = catalog(channels=JAZZ_AND_CALLBACK[:1], segments={"jazz": ()})
    step = at(joined(cat=cat), 30, 8, 1800, cat=cat)
    assert texts(step) == ["You've heard everything new we have today."]
    assert texts(at(step.state, 60, 8, 1800, cat=cat)) == []  # told once


@pytest.mark.parametrize("n, word", [(0, "zero"), (15, "fifteen"), (16, "16"), (40, "40")])
def test_small_numbers_are_words_and_larger_ones_digits(n, word):
    assert plan.number_word(n, EN) == word


def test_another_number_is_asked_for_with_the_area_code_and_time_to_key_it():
    step = plan.answer(callback_offered(), W, catalog(), "callback", "2", None)
    number = ask(step)
    assert texts(step) == ["Please key in the number to call, with the area code, then "
                           "press pound."]
    assert (number.max_digits, number.timeout_s) == (15, 10)


# -- every question listens for the right answers, long enough --------------------------
@pytest.mark.parametrize("said, when", [
    ("at 12 pm", time(12)), ("at 1", time(13)), ("at 9 pm", time(21)), ("at 11 pm", time(23)),
    ("at 5:59", time(17, 59)), ("at 5:60", None), ("at 24", None)])
def test_a_spoken_time_at_the_edges_of_the_clock(said, when):
    assert plan.later_time(said, EN) == when


def test_a_clock_time_is_said_the_callers_way():
    assert plan.said_time(time(17), phrases("ko-KR")) == "오후 5:00"
    assert plan.said_time(time(17), phrases(None)) == "5:00\u202fPM"


YES_NO = tuple(sorted(yesno.word_lists("en-US")[0] | yesno.word_lists("en-US")[1]))


def test_the_callback_offer_listens_for_yes_and_no_over_music_then_again_briefly():
    offer = plan.answer(joined(), W, catalog(), "channel", "6", None)
    first = ask(offer)
    assert (first.purpose, first.hints, first.timeout_s) == ("callback", YES_NO, 1)
    assert isinstance(first.prompts[-1], Play)
    assert texts(offer)[0].endswith("Press star to go back to the choices.")
    again = plan.answer(offer.state, W, catalog(), "callback", None, "what")
    retry = ask(again)
    assert (retry.purpose, retry.hints, retry.timeout_s) == ("callback", YES_NO, 6)
    assert "Press star" not in texts(again)[0]


def test_without_music_the_callback_offer_waits_six_seconds():
    cat = catalog(segments={"jazz": (), "classical": (), "tips": ()})
    offer = ask(plan.answer(joined(cat=cat), W, cat, "channel", "6", None))
    assert (offer.timeout_s, len(offer.prompts)) == (6, 1)


def test_when_nobody_can_answer_message_is_a_word_to_listen_for():
    step = plan.reply(plan.HoldState(), W, catalog(unanswerable="closed"))
    assert ask(step).hints == (*YES_NO, "message")


def test_leave_a_message_in_words_leaves_one():
    cat = catalog(unanswerable="closed")
    state = plan.reply(plan.HoldState(), W, cat).state
    step = plan.answer(state, W, cat, "callback", None, "I'd like to leave a message")
    assert plan.LeaveMessage() in step.actions


def test_an_eleven_digit_number_with_the_country_code_is_kept():
    step = plan.answer(callback_offered(), W, catalog(), "callback_number", "14155550123", None)
    assert step.state.callback_number == "+14155550123"


def test_a_fifteen_digit_number_is_read_back_whole():
    step = plan.answer(callback_offered(), W, catalog(), "callback_number", "123456789012345",
                       None)
    assert texts(step)[0].startswith("We'll call 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5.")
    readback = ask(step)
    assert (readback.purpose, readback.timeout_s) == ("callback_readback", 6)


def test_yes_to_a_later_offer_books_the_callers_own_number_not_one_keyed_before():
    cat = catalog()
    state = plan.answer(callback_offered(), W, cat, "callback_number", "4155550123", None).state
    state = plan.answer(state, W, cat, "callback_readback", "*", None).state
    state = plan.answer(state, W, cat, "channel", "6", None).state
    booked = plan.answer(state, W, cat, "callback", "1", None)
    assert plan.RequestCallback(None) in booked.actions


def test_a_booked_later_time_thanks_the_caller_and_leaves_the_queue():
    step = plan.answer(callback_offered(), W, catalog(), "callback", None, "after 5 pm")
    assert step.actions[0] == plan.RequestCallback(None, after=time(17))
    assert texts(step) == ["Thanks. We'll call you back after 5:00\u202fPM today, and you keep "
                           "your place in line. Goodbye."]
    assert len(step.actions) == 3 and isinstance(step.actions[-1], plan.LeaveQueue)


def test_a_refused_later_time_asks_the_callback_question_again():
    step = plan.answer(callback_offered(), W, catalog(), "callback", None, "after 9 pm")
    again = ask(step)
    assert (again.purpose, again.timeout_s) == ("callback", 6) and len(step.actions) == 1


@pytest.mark.parametrize("now, example", [(time(14, 1), "4:00\u202fPM"),
                                          (time(22, 30), "11:00\u202fPM")])
def test_the_example_later_time_rounds_up_to_the_hour_and_stays_today(now, example):
    cat = catalog(now=now, hours=(time(8), time(23, 59)))
    offer = " ".join(texts(plan.answer(joined(cat=cat), W, cat, "channel", "6", None)))
    assert f"such as after {example}." in offer


def test_without_music_channels_the_wait_starts_on_the_house_music():
    cat = catalog(channels=(plan.Channel("tips", "tips", "spoken", "4"),),
                  segments={"tips": ()}, fallback_url="/hold.mp3")
    step = at(joined(cat=cat), 30, 8, 1800, cat=cat)
    assert Play("/hold.mp3") in ask(step).prompts


def test_an_exhausted_channel_moves_to_a_spoken_one():
    cat = catalog(segments={"jazz": (), "classical": (), "tips": (plan.Segment(5, "t", "v"),)})
    step = at(joined(cat=cat), 30, 8, 1800, cat=cat)
    assert step.state.channel == "tips" and "jazz" in ask(step).hints


def test_a_miss_at_the_choices_during_a_quiz_or_a_read_back_is_about_the_choices():
    cat = catalog()
    in_quiz = quiz_state().state
    number = plan.answer(callback_offered(), W, cat, "callback_number", "4155550123",
                         None).state
    for state in (in_quiz, number):
        step = plan.answer(state, W, cat, "channel", None, "zebra")
        hint = ask(step)
        assert texts(step) == ["Sorry, that's not one of the choices. Say more to hear them "
                               "all."]
        assert hint.purpose == "channel" and "jazz" in hint.hints


def test_the_music_under_a_question_counts_as_heard():
    cat = catalog()
    asked = quiz_state(cat)
    assert ask(asked).prompts[-1] == Play("/segments/1") and 1 in asked.state.heard
    later = at(asked.state, 200, 8, 1800, cat=cat)
    assert Play("/segments/1") not in ask(later).prompts


def test_with_no_music_left_the_house_music_plays_under_a_question():
    cat = catalog(segments={"jazz": (), "classical": (), "tips": ()}, fallback_url="/hold.mp3")
    assert ask(quiz_state(cat)).prompts[-1] == Play("/hold.mp3")


@pytest.mark.parametrize("said", ["menu", "options", "choices", "more"])
def test_each_word_for_the_choices_lists_them(said):
    step = plan.answer(joined(), W, catalog(), "listen", None, said)
    assert texts(step)[0].startswith("Here are the choices.")


def test_switching_to_a_spoken_channel_names_it():
    step = plan.answer(joined(), W, catalog(), "channel", "4", None)
    assert texts(step)[0] == "Here's today's energy tips."


@pytest.mark.parametrize("known, said", [
    (dict(today=date(2026, 12, 4), next_opening=datetime(2026, 12, 7, 8, 0)),
     "We're closed right now. We open again on Monday at 8:00\u202fAM."),
    (dict(today=None, next_opening=datetime(2026, 12, 7, 8, 0)), "We're closed right now."),
    (dict(today=date(2026, 12, 4), next_opening=None), "We're closed right now.")])
def test_closed_says_when_it_opens_again_only_when_both_dates_are_known(known, said):
    step = plan.reply(plan.HoldState(), W, catalog(unanswerable="closed", **known))
    assert texts(step)[0] == said


def test_closed_says_when_it_opens_again_in_the_callers_language():
    cat = catalog(unanswerable="closed", language="es-US", today=date(2026, 12, 4),
                  next_opening=datetime(2026, 12, 7, 8, 0))
    assert "Volvemos a abrir el lunes" in texts(plan.reply(plan.HoldState(), W, cat))[0]


def test_the_english_word_message_leaves_one_in_another_language_too():
    cat = catalog(unanswerable="closed", language="es-US")
    state = plan.reply(plan.HoldState(), W, cat).state
    step = plan.answer(state, W, cat, "callback", None, "message")
    assert step.actions == [plan.LeaveMessage(), plan.LeaveQueue()]


def test_fewer_agents_with_an_estimate_no_higher_than_before_gives_no_reason():
    """The apology explains a longer wait; an unchanged estimate needs none."""
    state = at(joined(), 100, 7, 1200, agents=3).state
    said = texts(at(state, 200, 6, 1200, agents=1))
    assert not any("taking longer" in line for line in said)
    assert any("about 15 to 25 minutes" in line for line in said)


# -- the survivors of the 03:40 UTC run ------------------------------------------------
def test_as_many_agents_as_before_is_no_reason_for_a_higher_estimate():
    state = at(joined(), 100, 7, 1200, agents=3).state
    said = texts(at(state, 200, 6, 1500, agents=3))
    assert not any("taking longer" in line for line in said)
    assert "about 15 to 25 minutes" in said[0]  # the 1,200 s said before


def test_agents_counted_only_now_are_no_reason_for_a_higher_estimate():
    state = at(joined(), 100, 7, 1200).state
    said = texts(at(state, 200, 6, 1500, agents=1))
    assert not any("taking longer" in line for line in said)
    assert "about 15 to 25 minutes" in said[0]


def test_a_menu_of_exactly_25_words_keeps_three_channels():
    names = ("smooth jazz", "classical music", "today's energy tips")
    channels = tuple(plan.Channel(f"c{i}", name, "music", str(i))
                     for i, name in enumerate(names, 1))
    menu = texts(plan.reply(plan.HoldState(), plan.Wait(None, 0, None),
                            catalog(channels=channels)))[-1]
    assert len(menu.split()) == plan.MENU_WORDS
    assert all(f"For {name}, press" in menu for name in names)


def test_a_key_pressed_at_the_joining_menu_picks_that_channel():
    step = plan.reply(plan.HoldState(), plan.Wait(None, 0, None), catalog())
    menu = ask(step)
    picked = plan.answer(step.state, W, catalog(), menu.purpose, "2", None)
    assert picked.state.channel == "classical"
    assert texts(picked) == ["Here's classical music."]


def test_the_joining_menu_listens_for_channel_names_and_more():
    menu = ask(plan.reply(plan.HoldState(), plan.Wait(None, 0, None), catalog()))
    assert {"jazz", "classical music", "a quiz", "more", "all choices"} <= set(menu.hints)


@pytest.mark.parametrize("said", ["other choices", "all choices", "everything"])
def test_each_phrase_for_the_choices_lists_them(said):
    step = plan.answer(joined(), W, catalog(), "listen", None, said)
    assert texts(step)[0].startswith("Here are the choices.")


def test_the_words_for_the_choices_in_the_callers_language_list_them():
    cat = catalog(language="es-US")
    state = joined(cat=cat)
    star = plan.answer(state, W, cat, "listen", "*", None)
    said = plan.answer(state, W, cat, "listen", None, "todas las opciones")
    assert texts(said) == texts(star)


def test_the_callback_offer_listens_for_yes_and_no_in_the_callers_language():
    cat = catalog(language="es-US")
    offer = ask(plan.answer(joined(cat=cat), W, cat, "channel", "6", None))
    assert {"sí", "claro", "vale"} <= set(offer.hints)


def test_a_quiz_without_music_after_an_update_still_waits_for_one_key_a_while():
    cat = catalog(segments={"jazz": (), "classical": (), "tips": ()})
    state = quiz_state(cat).state
    state.quiz_current = None  # the question answered: the next poll asks the next one
    cat = catalog(segments={"jazz": (), "classical": (), "tips": ()},
                  questions=(QUESTION, plan.Question(8, "Which is cheaper?", ("gas", "sun"), 1)))
    step = at(state, 100, 6, 1800, cat=cat)
    question = ask(step)
    assert question.purpose == "quiz" and question.prompts[0].text.startswith("You're sixth")
    assert (question.max_digits, question.timeout_s) == (1, 8)


def test_when_the_music_runs_out_the_quiz_moves_on_past_an_unanswered_question():
    two = (QUESTION, plan.Question(8, "Which is cheaper?", ("gas", "sun"), 1))
    jazz = (plan.Segment(1, "j1", "v"), plan.Segment(2, "j2", "v"))  # one under the question
    cat = catalog(questions=two, segments={"jazz": jazz, "classical": (), "tips": ()})
    state = quiz_state(cat).state  # question 7 asked, not answered
    state = plan.answer(state, W, cat, "quiz", "*", None).state
    step = plan.answer(state, W, cat, "channel", "1", None)  # back to jazz
    step = at(step.state, 20, 8, 1800, cat=cat)  # jazz used up
    said = " ".join(texts(step))
    assert "Which is cheaper?" in said and "didn't catch" not in said


@pytest.mark.parametrize("position", [7, None])
def test_nothing_is_said_within_90_seconds_of_joining_late(position):
    joined_late = plan.reply(plan.HoldState(), plan.Wait(position, 50, 1800), catalog())
    assert texts(at(joined_late.state, 100, 5, 1800)) == []
    assert texts(at(joined_late.state, 140, 5, 1800))[0].startswith("You're fifth in line")


def test_audio_left_on_a_channel_that_became_a_quiz_is_never_played():
    cat = catalog(segments={"jazz": (plan.Segment(1, "j", "v"),), "classical": (), "tips": (),
                            "quiz": (plan.Segment(50, "old", "v"),)},
                  questions=())
    step = at(joined(cat=cat), 20, 8, 1800, cat=cat)
    step = at(step.state, 40, 8, 1800, cat=cat)
    assert 50 not in step.state.heard
    assert "You've heard everything new we have today." in texts(step)
