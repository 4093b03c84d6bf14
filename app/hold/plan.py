"""What a waiting caller hears next: pure, like the call-flow engine.

The provider re-requests the waitUrl each time our reply ends, so every reply is one
short piece (a segment, a quiz question, an announcement) and the state says what came
before. Nothing repeats, updates are honest and sparse, and the caller picks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

from ..flow import intents, yesno
from ..flow.actions import Play, Say, Trace
from ..flow.phrases import N_, Phrases, phrases

ANNOUNCE_EVERY_S = 90
# Places and small numbers are words in English ("you're third in line, about four
# minutes"); each language's catalogue says them its own way.
PLACES = [N_("You're next in line"), N_("You're second in line"), N_("You're third in line"),
          N_("You're fourth in line"), N_("You're fifth in line"), N_("You're sixth in line"),
          N_("You're seventh in line"), N_("You're eighth in line"),
          N_("You're ninth in line"), N_("You're tenth in line")]
ORDINAL_WORDS = N_("first second third fourth fifth sixth")  # "the second one" is choice 2
NUMBER_WORDS = [N_("zero"), N_("one"), N_("two"), N_("three"), N_("four"), N_("five"),
                N_("six"), N_("seven"), N_("eight"), N_("nine"), N_("ten"), N_("eleven"),
                N_("twelve"), N_("thirteen"), N_("fourteen"), N_("fifteen")]


@dataclass
class HoldState:
    channel: str | None = None
    offered: bool = False
    heard: list[int] = field(default_factory=list)  # segment ids in this wait
    quiz_asked: list[int] = field(default_factory=list)
    quiz_current: int | None = None
    quiz_score: int = 0
    quiz_answered: int = 0
    last_announce_s: int | None = None
    last_position: int | None = None
    callback_number: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> HoldState:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


@dataclass(frozen=True)
class Wait:
    position: int | None
    queue_time_s: int
    estimate_s: int | None


@dataclass(frozen=True)
class Channel:
    key: str
    name: str
    kind: str  # music | spoken | quiz | callback
    digit: str
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Segment:
    id: int
    track: str
    version: str  # content hash: the URL changes when the audio does


@dataclass(frozen=True)
class Question:
    id: int
    question: str
    choices: tuple[str, ...]
    answer: int
    fact: str = ""


@dataclass(frozen=True)
class Catalog:
    channels: tuple[Channel, ...]
    segments: dict[str, tuple[Segment, ...]]  # per channel, today's, in play order
    questions: tuple[Question, ...] = ()
    recent_tracks: frozenset[str] = frozenset()  # heard on this number's recent calls
    caller_last4: str = ""
    fallback_url: str | None = None
    language: str = "en-US"  # the caller's: the language of the node where they queued
    voice: str | None = None
    segment_url: Callable[[Segment], str] = lambda s: f"/segments/{s.id}"
    unanswerable: str | None = None  # "closed" | "nobody available": offer a callback first
    voicemail: bool = True  # when unanswerable, a message is offered next to the callback


@dataclass(frozen=True)
class Ask:
    """Listen for a key or words while the prompts play (interruptible)."""

    purpose: str  # channel | listen | quiz | callback | callback_number
    prompts: tuple[Say | Play, ...]
    hints: tuple[str, ...] = ()
    max_digits: int = 1
    timeout_s: int = 1


@dataclass(frozen=True)
class RequestCallback:
    number: str | None  # None: the number the caller is calling from


@dataclass(frozen=True)
class LeaveQueue:
    pass


@dataclass(frozen=True)
class LeaveMessage:
    """Out of the queue into a voicemail for the same team (when nobody can answer)."""


@dataclass
class HoldStep:
    actions: list = field(default_factory=list)
    state: HoldState = field(default_factory=HoldState)
    trace: list[Trace] = field(default_factory=list)


def place_words(position: int, p: Phrases) -> str:
    if position <= len(PLACES):
        return p.t(PLACES[position - 1])
    return p.t("You're number {position} in line", position=position)


def wait_words(seconds: int, p: Phrases) -> str:
    if seconds < 60:
        return p.t("less than a minute")
    minutes = round(seconds / 60)
    if minutes > 10:
        minutes = 5 * round(minutes / 5)
    word = p.t(NUMBER_WORDS[minutes]) if minutes < len(NUMBER_WORDS) \
        else str(minutes)
    return p.tn("about a minute", "about {word} minutes", minutes, word=word)


def announcement(wait: Wait, p: Phrases | None = None) -> str:
    p = p or phrases(None)
    if wait.estimate_s:
        return p.t("{place}, {wait}.", place=place_words(wait.position, p),
                   wait=wait_words(wait.estimate_s, p))
    return p.t("{place}.", place=place_words(wait.position, p))


def announcement_due(state: HoldState, wait: Wait, every_s: int = ANNOUNCE_EVERY_S) -> bool:
    """Sparse and honest: only when the caller moved up (or after a long gap), never when
    they are next, and never more often than every_s."""
    if not wait.position or wait.position <= 1:
        return False
    since = wait.queue_time_s - (state.last_announce_s or 0)
    moved_up = state.last_position is None or wait.position < state.last_position
    return since >= every_s and (moved_up or since >= 3 * every_s)


def reply(state: HoldState, wait: Wait, catalog: Catalog) -> HoldStep:
    """Answer one waitUrl request."""
    return _Hold(state, wait, catalog).on_wait()


def answer(state: HoldState, wait: Wait, catalog: Catalog, purpose: str,
           digits: str | None, speech: str | None) -> HoldStep:
    """Answer a key press or words said while waiting."""
    return _Hold(state, wait, catalog).on_answer(purpose, digits, speech)


class _Hold:
    def __init__(self, state: HoldState, wait: Wait, catalog: Catalog) -> None:
        self.state, self.wait, self.catalog = copy.deepcopy(state), wait, catalog
        self.step = HoldStep(state=self.state)
        self.p = phrases(catalog.language)

    def t(self, message: str, **params) -> str:
        return self.p.t(message, **params)

    def spoken(self, text: str) -> Say:
        return Say(text, self.catalog.language, self.catalog.voice)

    def say(self, text: str) -> None:
        self.step.actions.append(self.spoken(text))

    def note(self, kind: str, **detail) -> None:
        self.step.trace.append(Trace(kind, None, detail))

    def channel(self, key: str | None) -> Channel | None:
        return next((c for c in self.catalog.channels if c.key == key), None)

    def default_channel(self) -> Channel | None:
        return next((c for c in self.catalog.channels if c.kind == "music"), None)

    # -- waitUrl --------------------------------------------------------------------
    def on_wait(self) -> HoldStep:
        if not self.state.offered:
            self.state.offered = True
            self.note("hold_joined", position=self.wait.position)
            if self.catalog.unanswerable and self.channel("callback"):
                self.note("hold_unanswerable", why=self.catalog.unanswerable)
                self.say(self.t("We're closed right now.")
                         if self.catalog.unanswerable == "closed"
                         else self.t("Everyone who could help is away right now."))
                self.offer_callback()
                return self.step
            if self.wait.position:
                self.announce()
            self.offer_channels(lead=self.t("While you wait, choose what you'd like to hear."))
            return self.step
        if announcement_due(self.state, self.wait):
            self.announce()
        self.play_channel()
        return self.step

    def announce(self) -> None:
        self.say(announcement(self.wait, self.p))
        self.state.last_announce_s = self.wait.queue_time_s
        self.state.last_position = self.wait.position
        self.note("hold_announced", position=self.wait.position, estimate_s=self.wait.estimate_s,
                  queue_time_s=self.wait.queue_time_s)

    def offer_channels(self, lead: str) -> None:
        parts = [lead]
        for c in self.catalog.channels:
            parts.append(self.t("To get a call back that keeps your place, press {digit}.",
                                digit=c.digit) if c.kind == "callback"
                         else self.t("For {name}, press {digit}.", name=c.name, digit=c.digit))
        parts.append(self.t("Press star at any time to come back to these choices."))
        self.step.actions.append(Ask("channel", (self.spoken(" ".join(parts)),), self.hints(),
                                     timeout_s=5))

    def hints(self) -> tuple[str, ...]:
        return tuple(p for c in self.catalog.channels for p in (c.name, *c.phrases))

    def play_channel(self) -> None:
        channel = self.channel(self.state.channel) or self.default_channel()
        if channel is None:
            self.play_fallback()
        elif channel.kind == "quiz":
            self.ask_question()
        elif channel.kind == "callback":
            self.offer_callback()
        else:
            self.play_segment(channel)

    def play_fallback(self) -> None:
        if self.catalog.fallback_url:
            self.step.actions.append(Ask("listen", (Play(self.catalog.fallback_url),),
                                         self.hints()))

    def play_segment(self, channel: Channel) -> None:
        segment = self.next_segment(channel)
        if segment is None:
            others = [c for c in self.catalog.channels if c.kind in ("music", "spoken")
                      and c.key != channel.key and self.next_segment(c)]
            if not others:
                self.play_fallback()
                return
            self.say(self.t("That's all we have on {channel} for now. Here's {other}.",
                            channel=channel.name, other=others[0].name))
            self.note("hold_channel", channel=others[0].key, why="channel exhausted")
            self.state.channel, channel = others[0].key, others[0]
            segment = self.next_segment(channel)
        self.state.heard.append(segment.id)
        self.note("hold_played", channel=channel.key, segment=segment.id, track=segment.track)
        self.step.actions.append(Ask("listen", (Play(self.catalog.segment_url(segment)),),
                                     self.hints()))

    def next_segment(self, channel: Channel) -> Segment | None:
        """Never twice in one wait; tracks from this number's recent calls come last."""
        fresh = [s for s in self.catalog.segments.get(channel.key, ())
                 if s.id not in self.state.heard]
        new = [s for s in fresh if s.track not in self.catalog.recent_tracks]
        return (new or fresh or [None])[0]

    # -- answers ----------------------------------------------------------------------
    def on_answer(self, purpose: str, digits: str | None, speech: str | None) -> HoldStep:
        self.note("hold_input", purpose=purpose, digits=digits, speech=speech)
        if digits == "*" or (speech and intents.says_whole(speech, ["menu", "options",
                                                                    "choices"])):
            self.offer_channels(lead=self.t("Here are the choices."))
        elif purpose == "quiz" and self.state.quiz_current is not None and \
                self.quiz_answer(digits, speech):
            pass
        elif purpose in ("callback", "callback_number") and self.callback_answer(
                purpose, digits, speech):
            pass
        elif picked := self.picked_channel(purpose, digits, speech):
            self.switch(picked)
        else:
            self.note("hold_no_match", purpose=purpose)
            self.retry(purpose)
        return self.step

    def retry(self, purpose: str) -> None:
        """A misheard answer gets a short second try of the same thing, not the whole
        channel menu again (the choices are a star away)."""
        if purpose == "quiz" and self.current_question() is not None:
            self.ask_question(again=True)
        elif purpose == "callback":
            self.offer_callback(again=True)
        elif purpose == "channel":
            self.offer_channels(lead=self.t("Sorry, that's not one of the choices."))
        else:  # while listening to a channel: say so briefly and carry on
            self.say(self.t("Sorry, I didn't catch that. Press star for the choices."))
            self.play_channel()

    def picked_channel(self, purpose: str, digits: str | None, speech: str | None):
        if digits and purpose in ("channel", "listen"):
            return next((c for c in self.catalog.channels if c.digit == digits), None)
        if speech:
            options = [(c.name, *c.phrases) for c in self.catalog.channels]
            match = intents.best_match(speech, options)
            if match.index is not None and match.score >= 0.8:
                return self.catalog.channels[match.index]
        return None

    def switch(self, channel: Channel) -> None:
        self.note("hold_channel", channel=channel.key, why="caller chose")
        self.state.channel = channel.key
        if channel.kind in ("music", "spoken"):
            self.say(self.t("Here's {name}.", name=channel.name))
        self.play_channel()

    # -- quiz -------------------------------------------------------------------------
    def ask_question(self, again: bool = False) -> None:
        if again:  # the same question, shortly: only its choices
            question = self.current_question()
            keys = ", ".join(str(i + 1) for i in range(len(question.choices)))
            self.step.actions.append(Ask("quiz", (self.spoken(self.t(
                "Sorry, I didn't catch your answer. Press {keys}, or say your answer.",
                keys=keys)),), question.choices, timeout_s=8))
            return
        question = next((q for q in self.catalog.questions
                         if q.id not in self.state.quiz_asked), None)
        if question is None:
            self.say(self.t("That's every question we have. Your final score is {score} "
                            "out of {answered}.", score=self.state.quiz_score,
                            answered=self.state.quiz_answered))
            self.state.channel = None
            self.play_channel()
            return
        self.state.quiz_asked.append(question.id)
        self.state.quiz_current = question.id
        choices = " ".join(self.t("Press {key} for {choice}.", key=i + 1, choice=c)
                           for i, c in enumerate(question.choices))
        self.step.actions.append(Ask("quiz", (self.spoken(f"{question.question} {choices}"),),
                                     question.choices, timeout_s=8))

    def ordinal(self, speech: str) -> int | None:
        ordinals = self.p.t(ORDINAL_WORDS).split()
        said = speech.lower().replace(" ", "")
        return next((i for i, word in enumerate(ordinals)
                     if word.replace(" ", "") in said), None)

    def current_question(self) -> Question | None:
        return next((q for q in self.catalog.questions if q.id == self.state.quiz_current),
                    None)

    def quiz_answer(self, digits: str | None, speech: str | None) -> bool:
        question = self.current_question()
        if question is None:
            return False
        chosen = int(digits) - 1 if digits and digits.isdigit() else None
        if chosen is None and speech:
            chosen = intents.best_match(speech, [[c] for c in question.choices]).index
        if chosen is None and speech:
            chosen = self.ordinal(speech)
        if chosen is None or not 0 <= chosen < len(question.choices):
            return False
        right = chosen == question.answer
        self.state.quiz_current = None
        self.state.quiz_answered += 1
        self.state.quiz_score += int(right)
        self.note("hold_quiz_answered", question=question.id, correct=right)
        verdict = self.t("Correct!") if right else \
            self.t("Not quite: it's {answer}.", answer=question.choices[question.answer])
        score = self.t("Your score is {score} out of {answered}.",
                       score=self.state.quiz_score, answered=self.state.quiz_answered)
        self.say(" ".join(part for part in (verdict, question.fact, score) if part))
        self.ask_question()  # straight on: the quiz continues until answered or switched
        return True

    # -- callback ---------------------------------------------------------------------
    def offer_callback(self, again: bool = False) -> None:
        message = self.message_offered()
        parts = [self.t("Sorry, I didn't catch that.") if again else self.t(
            "We can call you back at the number ending in {digits} and keep your place in "
            "line.", digits=" ".join(self.catalog.caller_last4)),
            self.t("Press 1 to confirm, or 2 to give a different number.")]
        if message:
            parts.append(self.t("Or press 3 to leave a message."))
        if not again:
            parts.append(self.t("Press star to go back to the choices."))
        yes, no, _ = yesno.word_lists(self.catalog.language)
        hints = tuple(sorted(yes | no)) + ((self.t("message"),) if message else ())
        self.step.actions.append(Ask("callback", (self.spoken(" ".join(parts)),), hints,
                                     timeout_s=6))

    def message_offered(self) -> bool:
        return bool(self.catalog.unanswerable and self.catalog.voicemail)

    def leave_message(self) -> bool:
        self.note("hold_voicemail_chosen")
        self.step.actions += [LeaveMessage(), LeaveQueue()]
        return True

    def callback_answer(self, purpose: str, digits: str | None, speech: str | None) -> bool:
        if purpose == "callback" and self.message_offered() and (
                digits == "3" or intents.mentions(speech or "", [
                    "message", "voicemail", self.t("message")])):
            return self.leave_message()
        if purpose == "callback_number":
            number = (digits or "").strip("#")
            if not 10 <= len(number) <= 15 or not number.isdigit():
                self.say(self.t("Sorry, that number didn't look right."))
                self.ask_number()
                return True
            return self.confirm_callback("+" + number if len(number) > 10 else "+1" + number)
        yes = yesno.hear(speech, digits, self.catalog.language).yes
        if yes is None:
            return False
        if yes:
            return self.confirm_callback(None)
        self.ask_number()
        return True

    def ask_number(self) -> None:
        self.step.actions.append(Ask("callback_number", (self.spoken(self.t(
            "Please key in the number to call, with the area code, then press pound.")),),
            max_digits=15, timeout_s=10))

    def confirm_callback(self, number: str | None) -> bool:
        self.note("hold_callback_requested", other_number=number is not None)
        self.step.actions.append(RequestCallback(number))
        self.say(self.t("Thanks. We'll call you back when it's your turn, and you keep "
                        "your place in line. Goodbye."))
        self.step.actions.append(LeaveQueue())
        return True
