"""Hold in the caller's language, and misheard answers get a short retry."""

from __future__ import annotations

from app.flow.actions import Say
from app.hold import plan

QUESTION = plan.Question(7, "Which uses the most energy?", ("the fridge", "heating", "the TV"),
                         1, "Heating and cooling is about half.")
CHANNELS = (plan.Channel("jazz", "jazz", "music", "1"), plan.Channel("quiz", "a quiz", "quiz", "5"),
            plan.Channel("callback", "a call back", "callback", "6"))


def catalog(language: str = "en-US", voice: str | None = None) -> plan.Catalog:
    return plan.Catalog(channels=CHANNELS, segments={"jazz": (plan.Segment(1, "t1", "v"),)},
                        questions=(QUESTION,), caller_last4="0001", language=language,
                        voice=voice)


WAIT = plan.Wait(3, 0, 240)


def spoken(step) -> list[Say]:
    says = [a for a in step.actions if isinstance(a, Say)]
    return says + [p for a in step.actions if isinstance(a, plan.Ask) for p in a.prompts
                   if isinstance(p, Say)]


def in_quiz(cat: plan.Catalog) -> plan.HoldState:
    state = plan.reply(plan.HoldState(), WAIT, cat).state
    return plan.answer(state, WAIT, cat, "channel", "5", None).state


def test_a_misheard_quiz_answer_gets_a_short_retry_not_the_channel_menu():
    cat = catalog()
    step = plan.answer(in_quiz(cat), WAIT, cat, "quiz", None, "um the blue one maybe")
    [ask] = [a for a in step.actions if isinstance(a, plan.Ask)]
    assert ask.purpose == "quiz"
    assert ask.prompts[0].text == ("Sorry, I didn't catch your answer. Press 1, 2, 3, or "
                                   "say your answer.")
    assert "For jazz" not in ask.prompts[0].text
    assert step.state.quiz_current == QUESTION.id  # still the same question


def test_the_second_one_answers_the_quiz():
    cat = catalog()
    step = plan.answer(in_quiz(cat), WAIT, cat, "quiz", None, "the second one")
    assert "Correct!" in spoken(step)[0].text


def test_a_misheard_callback_answer_is_asked_again_briefly():
    cat = catalog()
    state = plan.reply(plan.HoldState(), WAIT, cat).state
    offered = plan.answer(state, WAIT, cat, "channel", "6", None)
    step = plan.answer(offered.state, WAIT, cat, "callback", None, "what")
    [ask] = [a for a in step.actions if isinstance(a, plan.Ask)]
    assert ask.purpose == "callback" and ask.prompts[0].text.startswith(
        "Sorry, I didn't catch that. Press 1 to confirm")


def test_korean_hold_speaks_korean_with_the_korean_voice():
    cat = catalog("ko-KR", "Polly.Seoyeon")
    first = plan.reply(plan.HoldState(), WAIT, cat)
    says = spoken(first)
    assert says[0].text == "대기 순서는 세 번째입니다. 예상 대기 시간은 약 3~5분입니다."
    assert says[1].text.startswith("기다리시는 동안: jazz은(는) 1번을 누르세요.")
    assert all((s.language, s.voice) == ("ko-KR", "Polly.Seoyeon") for s in says)
    offered = plan.answer(first.state, WAIT, cat, "channel", "6", None)
    assert spoken(offered)[0].text.startswith("끝자리가 0 0 0 1인 번호로")
    confirmed = plan.answer(offered.state, WAIT, cat, "callback", None, "네")
    assert any(isinstance(a, plan.RequestCallback) for a in confirmed.actions)
    assert spoken(confirmed)[0].text.startswith("감사합니다. 순서가 되면 다시 전화드리겠습니다.")


def test_korean_quiz_frame_and_score_are_korean():
    cat = catalog("ko-KR")
    step = plan.answer(in_quiz(cat), WAIT, cat, "quiz", "2", None)
    assert spoken(step)[0].text.startswith("정답입니다!")
    assert "지금까지 1문제 중 1점입니다." in spoken(step)[0].text
