"""What a waiting caller hears next: pure, like the call-flow engine.

The provider re-requests the waitUrl each time our reply ends, so every reply is one
short piece (a segment, a quiz question, an announcement) and the state says what came
before. Nothing repeats, updates are honest and sparse, and the caller picks.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

from ..flow import intents
from ..flow.actions import Play, Say, Trace

ANNOUNCE_EVERY_S = 90
ORDINALS = ["", "next", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth"]
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen"]


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


def place_words(position: int) -> str:
    if position < len(ORDINALS):
        return f"you're {ORDINALS[position]} in line"
    return f"you're number {position} in line"


def wait_words(seconds: int) -> str:
    if seconds < 60:
        return "less than a minute"
    minutes = round(seconds / 60)
    if minutes > 10:
        minutes = 5 * round(minutes / 5)
    word = NUMBER_WORDS[minutes] if minutes < len(NUMBER_WORDS) else str(minutes)
    return "about a minute" if minutes == 1 else f"about {word} minutes"


def announcement(wait: Wait) -> str:
    text = place_words(wait.position).capitalize()
    if wait.estimate_s:
        text += f", {wait_words(wait.estimate_s)}"
    return text + "."


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

    def say(self, text: str) -> None:
        self.step.actions.append(Say(text))

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
                self.say("We're closed right now." if self.catalog.unanswerable == "closed"
                         else "Everyone who could help is away right now.")
                self.offer_callback()
                return self.step
            if self.wait.position:
                self.announce()
            self.offer_channels(lead="While you wait, choose what you'd like to hear.")
            return self.step
        if announcement_due(self.state, self.wait):
            self.announce()
        self.play_channel()
        return self.step

    def announce(self) -> None:
        self.say(announcement(self.wait))
        self.state.last_announce_s = self.wait.queue_time_s
        self.state.last_position = self.wait.position
        self.note("hold_announced", position=self.wait.position, estimate_s=self.wait.estimate_s,
                  queue_time_s=self.wait.queue_time_s)

    def offer_channels(self, lead: str) -> None:
        parts = [lead]
        for c in self.catalog.channels:
            verb = "to get a call back that keeps your place" if c.kind == "callback" \
                else f"for {c.name}"
            parts.append(f"{verb.capitalize()}, press {c.digit}.")
        parts.append("Press star at any time to come back to these choices.")
        self.step.actions.append(Ask("channel", (Say(" ".join(parts)),), self.hints(),
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
            self.say(f"That's all we have on {channel.name} for now. "
                     f"Here's {others[0].name}.")
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
            self.offer_channels(lead="Here are the choices.")
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
            self.offer_channels(lead="Sorry, that's not one of the choices.")
        return self.step

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
            self.say(f"Here's {channel.name}.")
        self.play_channel()

    # -- quiz -------------------------------------------------------------------------
    def ask_question(self) -> None:
        question = next((q for q in self.catalog.questions
                         if q.id not in self.state.quiz_asked), None)
        if question is None:
            self.say(f"That's every question we have. Your final score is "
                     f"{self.state.quiz_score} out of {self.state.quiz_answered}.")
            self.state.channel = None
            self.play_channel()
            return
        self.state.quiz_asked.append(question.id)
        self.state.quiz_current = question.id
        choices = " ".join(f"Press {i + 1} for {c}." for i, c in enumerate(question.choices))
        self.step.actions.append(Ask("quiz", (Say(f"{question.question} {choices}"),),
                                     question.choices, timeout_s=8))

    def quiz_answer(self, digits: str | None, speech: str | None) -> bool:
        question = next((q for q in self.catalog.questions
                         if q.id == self.state.quiz_current), None)
        if question is None:
            return False
        chosen = int(digits) - 1 if digits and digits.isdigit() else None
        if chosen is None and speech:
            chosen = intents.best_match(speech, [[c] for c in question.choices]).index
        if chosen is None or not 0 <= chosen < len(question.choices):
            return False
        right = chosen == question.answer
        self.state.quiz_current = None
        self.state.quiz_answered += 1
        self.state.quiz_score += int(right)
        self.note("hold_quiz_answered", question=question.id, correct=right)
        verdict = "Correct!" if right else \
            f"Not quite: it's {question.choices[question.answer]}."
        self.say(f"{verdict} {question.fact} Your score is {self.state.quiz_score} "
                 f"out of {self.state.quiz_answered}.")
        self.ask_question()  # straight on: the quiz continues until answered or switched
        return True

    # -- callback ---------------------------------------------------------------------
    def offer_callback(self) -> None:
        ending = self.catalog.caller_last4
        message = self.message_offered()
        self.step.actions.append(Ask("callback", (Say(
            f"We can call you back at the number ending in {' '.join(ending)} and keep your "
            "place in line. Press 1 to confirm, or 2 to give a different number. "
            + ("Or press 3 to leave a message. " if message else "")
            + "Press star to go back to the choices."),),
            ("yes", "no") + (("message",) if message else ()), timeout_s=6))

    def message_offered(self) -> bool:
        return bool(self.catalog.unanswerable and self.catalog.voicemail)

    def leave_message(self) -> bool:
        self.note("hold_voicemail_chosen")
        self.step.actions += [LeaveMessage(), LeaveQueue()]
        return True

    def callback_answer(self, purpose: str, digits: str | None, speech: str | None) -> bool:
        if purpose == "callback" and self.message_offered() and (
                digits == "3" or intents.mentions(speech or "", ["message", "voicemail"])):
            return self.leave_message()
        if purpose == "callback_number":
            number = (digits or "").strip("#")
            if not 10 <= len(number) <= 15 or not number.isdigit():
                self.say("Sorry, that number didn't look right.")
                self.ask_number()
                return True
            return self.confirm_callback("+" + number if len(number) > 10 else "+1" + number)
        yes = intents.yes_or_no(speech, digits)
        if yes is None:
            return False
        if yes:
            return self.confirm_callback(None)
        self.ask_number()
        return True

    def ask_number(self) -> None:
        self.step.actions.append(Ask("callback_number", (Say(
            "Please key in the number to call, with the area code, then press pound."),),
            max_digits=15, timeout_s=10))

    def confirm_callback(self, number: str | None) -> bool:
        self.note("hold_callback_requested", other_number=number is not None)
        self.step.actions.append(RequestCallback(number))
        self.say("Thanks. We'll call you back when it's your turn, and you keep your place "
                 "in line. Goodbye.")
        self.step.actions.append(LeaveQueue())
        return True
