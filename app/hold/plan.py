"""What a waiting caller hears next: pure, like the call-flow engine.

The provider re-requests the waitUrl each time our reply ends, so every reply is one
short piece (a segment, a quiz question, an announcement) and the state says what came
before. Nothing repeats, updates are honest and sparse, and the caller picks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from babel.dates import format_time

from ..flow import intents, yesno
from ..flow.actions import Play, Say, Trace
from ..flow.phrases import N_, Phrases, phrases
from ..flow.state import Stored
from ..hours.spoken import opens_again
from .kinds import ChannelKind

ANNOUNCE_EVERY_S = 90  # no interruption of the content more often than this
STILL_WITH_YOU_S = 240  # "still with you" when nothing else changed for this long
LONG_WAIT_S = 600  # an estimate this long offers a callback...
CALLBACK_REOFFER_S = 300  # ...and again this often while it stays long
MENU_WORDS = 25  # the hold menu on joining is at most this many words
MORE_WORDS = N_("more, other choices, all choices, everything")
PM_WORDS = N_("pm, p.m., afternoon, evening, tonight")
AM_WORDS = N_("am, a.m., morning")
HALF_WORDS = N_("half, thirty")
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
class HoldState(Stored):
    channel: str | None = None
    offered: bool = False
    heard: list[int] = field(default_factory=list)  # segment ids in this wait
    quiz_asked: list[int] = field(default_factory=list)
    quiz_current: int | None = None
    quiz_score: int = 0
    quiz_answered: int = 0
    last_announce_s: int | None = None
    last_position: int | None = None
    callback_number: str | None = None  # keyed in, waiting for the caller to confirm it
    last_estimate_s: int | None = None  # the last estimate said: later ones never exceed it
    last_agents: int | None = None
    told_next: bool = False
    last_callback_offer_s: int | None = None
    all_heard: bool = False  # told that every channel is used up


@dataclass(frozen=True)
class Wait:
    position: int | None
    queue_time_s: int
    estimate_s: int | None
    agents: int | None = None  # agents free or busy on this queue now (not away)


@dataclass(frozen=True)
class Channel:
    key: str
    name: str
    kind: ChannelKind  # a name ("music") is taken as its kind
    digit: str
    phrases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        kind = ChannelKind(self.kind)  # type: ignore[call-arg]  # by value, not __new__
        object.__setattr__(self, "kind", kind)


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
    popular: tuple[str, ...] = ()  # channel keys, most chosen first
    now: time | None = None  # the line's local time, and today's hours for this queue:
    hours: tuple[time, time] | None = None  # a callback can be asked for later today
    today: date | None = None  # the line's local date, and while closed when it opens
    next_opening: datetime | None = None  # (local): "We open again tomorrow at 8:00 AM."


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
    after: time | None = None  # a later time today the caller asked for (centre's time)


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


def minutes_range(seconds: int) -> tuple[int, int]:
    """An honest range around the estimate: -20 % to +20 %, in whole minutes (fives
    beyond ten). Monotone in seconds, so a falling estimate never says a bigger range."""
    low = max(1, math.floor(seconds * 0.8 / 60))
    high = max(low, math.ceil(seconds * 1.2 / 60))
    if low >= 10:
        low, high = 5 * round(low / 5), 5 * round(high / 5)
    return low, high


def number_word(n: int, p: Phrases) -> str:
    return p.t(NUMBER_WORDS[n]) if n < len(NUMBER_WORDS) else str(n)


def wait_words(seconds: int, p: Phrases) -> str:
    if seconds < 60:
        return p.t("less than a minute")
    low, high = minutes_range(seconds)
    if low == high:
        return p.tn("about a minute", "about {word} minutes", low, word=number_word(low, p))
    if high >= len(NUMBER_WORDS):  # one way for both ends: "25 to 35", not "fifteen to 25"
        return p.t("about {low} to {high} minutes", low=low, high=high)
    return p.t("about {low} to {high} minutes", low=number_word(low, p),
               high=number_word(high, p))


def announcement(position: int, estimate_s: int | None, p: Phrases | None = None) -> str:
    p = p or phrases(None)
    if estimate_s:
        return p.t("{place}, {wait}.", place=place_words(position, p),
                   wait=wait_words(estimate_s, p))
    return p.t("{place}.", place=place_words(position, p))


def words_in(text: str) -> int:
    return len(text.split())


def said_time(at: time, p: Phrases) -> str:
    """5 pm as this language says a clock time ("5:00 PM", "오후 5:00")."""
    return format_time(at, format="short", locale=(p.language or "en-US").replace("-", "_"))


def later_time(speech: str, p: Phrases) -> time | None:
    """"after 5 pm", "at 5:30", "오후 5시 반" -> the clock time; None when no hour is said.
    An hour without am/pm from 1 to 7 is taken as afternoon (callbacks are in hours)."""
    said = speech.lower()
    found = re.search(r"(\d{1,2})(?:\s*(?:[:.]|시)\s*(\d{2})?)?", said)
    if not found or re.fullmatch(r"\W*\d\W*", said):  # "1." is the key word, not 1 pm
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if not minute and any(w in said[found.end():] for w in p.words(HALF_WORDS)):
        minute = 30
    pm = any(w in said for w in p.words(PM_WORDS) if w)
    am = any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", said) for w in p.words(AM_WORDS))
    if hour < 12 and (pm or (not am and 1 <= hour <= 7)):
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def reply(state: HoldState, wait: Wait, catalog: Catalog) -> HoldStep:
    """Answer one waitUrl request."""
    return _Hold(state, wait, catalog).on_wait()


def answer(state: HoldState, wait: Wait, catalog: Catalog, purpose: str,
           digits: str | None, speech: str | None) -> HoldStep:
    """Answer a key press or words said while waiting."""
    return _Hold(state, wait, catalog).on_answer(purpose, digits, speech)


class _Hold:
    def __init__(self, state: HoldState, wait: Wait, catalog: Catalog) -> None:
        self.state, self.wait, self.catalog = state.copy(), wait, catalog
        self.step = HoldStep(state=self.state)
        self.p = phrases(catalog.language)

    def t(self, message: str, **params) -> str:
        return self.p.t(message, **params)

    def spoken(self, text: str) -> Say:
        return Say(text, self.catalog.language, self.catalog.voice)

    def say(self, text: str) -> None:
        self.step.actions.append(self.spoken(text))

    def listed(self, english: str) -> list[str]:
        """A catalogued phrase list: the English entries and this language's."""
        return [*english.split(", "), *self.p.translated_list(english)]

    def note(self, kind: str, **detail) -> None:
        self.step.trace.append(Trace(kind, None, detail))

    def channel(self, key: str | None) -> Channel | None:
        return next((c for c in self.catalog.channels if c.key == key), None)

    def callback_channel(self) -> Channel | None:
        """Found by kind: each line names its own channels."""
        return next((c for c in self.catalog.channels if c.kind is ChannelKind.CALLBACK), None)

    def default_channel(self) -> Channel | None:
        return next((c for c in self.catalog.channels if c.kind.music_bed), None)

    # -- waitUrl --------------------------------------------------------------------
    def on_wait(self) -> HoldStep:
        if not self.state.offered:
            self.state.offered = True
            self.state.last_announce_s = self.wait.queue_time_s
            self.note("hold_joined", position=self.wait.position)
            if self.catalog.unanswerable and self.callback_channel():
                self.note("hold_unanswerable", why=self.catalog.unanswerable)
                self.say(self.closed_notice() if self.catalog.unanswerable == "closed"
                         else self.t("Everyone who could help is away right now."))
                self.offer_callback()
                return self.step
            if self.wait.position:
                self.announce(self.wait.position)
            if not self.catalog.channels:  # a line with no hold content: music, no menu
                self.play_channel()
                return self.step
            self.offer_short_menu()
            return self.step
        self.interrupt()
        self.play_channel()
        self.make_interruptible()
        return self.step

    def closed_notice(self) -> str:
        opening, today = self.catalog.next_opening, self.catalog.today
        again = opens_again(today, opening, self.p) if opening and today else ""
        return " ".join(filter(None, (self.t("We're closed right now."), again)))

    def make_interruptible(self) -> None:
        """What is said before the next piece goes inside its Gather, so a key pressed
        during an announcement (a callback offer) is heard."""
        actions = self.step.actions
        first = next((i for i, a in enumerate(actions) if isinstance(a, Ask)), None)
        if first and all(isinstance(a, Say) for a in actions[:first]):
            ask = actions[first]
            actions[:first + 1] = [Ask(ask.purpose, (*actions[:first], *ask.prompts),
                                       ask.hints, ask.max_digits, ask.timeout_s)]

    def interrupt(self) -> None:
        """At most one interruption every ANNOUNCE_EVERY_S: a new place (with an estimate
        that never rises without a reason said), "you're next" once, or a short "still
        with you"; plus a callback offer while the wait stays long."""
        since = self.wait.queue_time_s - (self.state.last_announce_s or 0)
        if since < ANNOUNCE_EVERY_S:
            return
        position, told = self.wait.position, len(self.step.actions)
        if position == 1 and not self.state.told_next:
            self.state.told_next = True
            self.note("hold_next", queue_time_s=self.wait.queue_time_s)
            self.say(self.t("You're next. Thanks for waiting."))
        elif position and position > 1 and (self.state.last_position is None
                                            or position < self.state.last_position):
            self.announce(position)
        elif since >= STILL_WITH_YOU_S:
            self.note("hold_still_with_you", queue_time_s=self.wait.queue_time_s)
            self.say(self.t("Still with you. Thanks for holding."))
        if callback := self.callback_offer_due():
            self.reoffer_callback(callback)
        if len(self.step.actions) > told:
            self.state.last_announce_s = self.wait.queue_time_s

    def estimate(self) -> int | None:
        """The estimate to say: never above the last one said, unless fewer agents are
        answering now (and then the caller is told why)."""
        estimate, last = self.wait.estimate_s, self.state.last_estimate_s
        if estimate is None or last is None or estimate <= last:
            return estimate
        fewer = self.wait.agents is not None and self.state.last_agents is not None \
            and self.wait.agents < self.state.last_agents
        if not fewer:
            return last
        self.say(self.t("Fewer people are free to answer right now, so it's taking longer."))
        self.note("hold_estimate_rose", estimate_s=estimate, was_s=last)
        return estimate

    def announce(self, position: int) -> None:
        estimate = self.estimate()
        self.say(announcement(position, estimate, self.p))
        self.state.last_announce_s = self.wait.queue_time_s
        self.state.last_position = self.wait.position
        self.state.last_agents = self.wait.agents
        self.state.told_next = self.state.told_next or self.wait.position == 1
        if estimate is not None:
            self.state.last_estimate_s = estimate
        self.note("hold_announced", position=self.wait.position, estimate_s=estimate,
                  queue_time_s=self.wait.queue_time_s,
                  said=wait_words(estimate, self.p) if estimate else None)

    def callback_offer_due(self) -> Channel | None:
        """The callback channel, when it is time to offer it again."""
        callback = self.callback_channel()
        long_wait = (self.state.last_estimate_s or 0) >= LONG_WAIT_S
        last = self.state.last_callback_offer_s
        due = last is None or self.wait.queue_time_s - last >= CALLBACK_REOFFER_S
        return callback if (callback and long_wait and due and self.state.channel != callback.key
                            and (self.wait.position or 0) > 1) else None

    def reoffer_callback(self, callback: Channel) -> None:
        self.state.last_callback_offer_s = self.wait.queue_time_s
        self.note("hold_callback_offered", queue_time_s=self.wait.queue_time_s)
        self.say(self.t("It's still a long wait. To get a call back instead, press {digit}.",
                        digit=callback.digit))

    def most_chosen(self) -> list[Channel]:
        rank = {key: i for i, key in enumerate(self.catalog.popular)}
        return sorted(self.catalog.channels, key=lambda c: rank.get(c.key, len(rank)))

    def offer_short_menu(self) -> None:
        """The two or three most chosen channels and "say more": at most MENU_WORDS."""
        for count in (3, 2):
            parts = [self.t("While you wait:")] + [
                self.t("For {name}, press {digit}.", name=c.name, digit=c.digit)
                for c in self.most_chosen()[:count]] + [self.t("Or say more for other choices.")]
            if words_in(" ".join(parts)) <= MENU_WORDS:
                break
        self.step.actions.append(Ask("channel", (self.spoken(" ".join(parts)),), self.hints()))

    def offer_channels(self, lead: str) -> None:
        parts = [lead]
        for c in self.catalog.channels:
            parts.append(self.t(c.kind.offer, name=c.name, digit=c.digit))
        parts.append(self.t("Press star at any time to come back to these choices."))
        self.step.actions.append(Ask("channel", (self.spoken(" ".join(parts)),), self.hints(),
                                     timeout_s=5))

    def hints(self) -> tuple[str, ...]:
        return (*(p for c in self.catalog.channels for p in (c.name, *c.phrases)),
                *self.listed(MORE_WORDS))

    def play_channel(self) -> None:
        channel = self.channel(self.state.channel) or self.default_channel()
        if channel is None:
            self.play_fallback()
        else:
            channel.kind.play(self, channel)

    def play_fallback(self) -> None:
        if self.catalog.fallback_url:
            self.step.actions.append(Ask("listen", (Play(self.catalog.fallback_url),),
                                         self.hints()))

    def play_segment(self, channel: Channel) -> None:
        segment = self.next_segment(channel)
        if segment is None:
            other = self.other_with_audio(channel)
            if other is None:
                self.everything_heard()
                return
            self.say(self.t("That's all we have on {channel} for now. Here's {other}.",
                            channel=channel.name, other=other[0].name))
            self.note("hold_channel", channel=other[0].key, why="channel exhausted")
            channel, segment = other
            self.state.channel = channel.key
        self.state.heard.append(segment.id)
        self.note("hold_played", channel=channel.key, segment=segment.id, track=segment.track)
        self.step.actions.append(Ask("listen", (Play(self.catalog.segment_url(segment)),),
                                     self.hints()))

    def other_with_audio(self, channel: Channel) -> tuple[Channel, Segment] | None:
        """The first other channel with audio not heard yet, and its next segment."""
        for other in self.catalog.channels:
            if other.kind.plays_audio and other.key != channel.key:
                segment = self.next_segment(other)
                if segment is not None:
                    return other, segment
        return None

    def everything_heard(self) -> None:
        """Nothing new left on any channel: say so and move the caller to what is left
        (the quiz, then a callback offer), never round the same audio again unasked."""
        quiz = next((c for c in self.catalog.channels if c.kind is ChannelKind.QUIZ), None)
        questions_left = any(q.id not in self.state.quiz_asked for q in self.catalog.questions)
        if not self.state.all_heard:
            self.state.all_heard = True
            self.note("hold_all_heard", queue_time_s=self.wait.queue_time_s)
            self.say(self.t("You've heard everything new we have today."))
            callback = self.callback_channel()
            if quiz and questions_left:
                self.say(self.t("Here's {name}.", name=quiz.name))
                self.note("hold_channel", channel=quiz.key, why="all heard")
                self.state.channel = quiz.key
                self.ask_question()
            elif callback:
                self.state.channel = None  # asked once; staying means the house music
                self.offer_callback()
            else:
                self.play_fallback()
            return
        self.play_fallback()  # told already, and asked to stay: the house music

    def next_segment(self, channel: Channel) -> Segment | None:
        """Never twice in one wait; tracks from this number's recent calls come last."""
        fresh = [s for s in self.catalog.segments.get(channel.key, ())
                 if s.id not in self.state.heard]
        new = [s for s in fresh if s.track not in self.catalog.recent_tracks]
        return next(iter(new or fresh), None)

    # -- answers ----------------------------------------------------------------------
    def on_answer(self, purpose: str, digits: str | None, speech: str | None) -> HoldStep:
        self.note("hold_input", purpose=purpose, digits=digits, speech=speech)
        if digits == "*" or (speech and intents.says_whole(speech, [
                "menu", "options", "choices", *self.listed(MORE_WORDS)])):
            self.offer_channels(lead=self.t("Here are the choices."))
        elif purpose == "quiz" and self.state.quiz_current is not None and \
                self.quiz_answer(digits, speech):
            pass
        elif purpose in ("callback", "callback_number", "callback_readback") and \
                self.callback_answer(
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
        elif purpose == "callback_readback" and self.state.callback_number:
            self.read_back(self.state.callback_number, again=True)
        elif purpose == "channel":  # one line, not the whole menu again
            self.step.actions.append(Ask("channel", (self.spoken(self.t(
                "Sorry, that's not one of the choices. Say more to hear them all.")),),
                self.hints()))
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
        if channel.kind.plays_audio:
            self.say(self.t("Here's {name}.", name=channel.name))
        self.play_channel()

    # -- quiz -------------------------------------------------------------------------
    def ask_question(self, again: bool = False) -> None:
        if again and (question := self.current_question()):  # the same, only its choices
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
        self.ask_over_music("quiz", self.spoken(f"{question.question} {choices}"),
                            question.choices, timeout_s=8)

    def ask_over_music(self, purpose: str, prompt: Say, hints: tuple[str, ...],
                       timeout_s: int) -> None:
        """A question the caller may take time over: music plays while they think and
        they answer at any moment, so there is no dead air while we wait."""
        bed = self.music_bed()
        self.step.actions.append(Ask(purpose, (prompt, bed) if bed else (prompt,), hints,
                                     timeout_s=1 if bed else timeout_s))

    def music_bed(self) -> Play | None:
        for channel in self.catalog.channels:
            if channel.kind.music_bed and (segment := self.next_segment(channel)):
                self.state.heard.append(segment.id)
                self.note("hold_played", channel=channel.key, segment=segment.id,
                          track=segment.track)
                return Play(self.catalog.segment_url(segment))
        return Play(self.catalog.fallback_url) if self.catalog.fallback_url else None

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
        elif not again and (example := self.later_example()):
            parts.append(self.p.at_clock("Or say a later time today, such as after {time}.",
                                             said_time(example, self.p)))
        if not again:
            parts.append(self.t("Press star to go back to the choices."))
        yes, no, _ = yesno.word_lists(self.catalog.language)
        hints = tuple(sorted(yes | no)) + ((self.t("message"),) if message else ())
        if again:
            self.step.actions.append(Ask("callback", (self.spoken(" ".join(parts)),), hints,
                                         timeout_s=6))
        else:
            self.ask_over_music("callback", self.spoken(" ".join(parts)), hints, timeout_s=6)

    def later_example(self) -> time | None:
        """An hour from now, on the hour, but not past closing; None when no later callback
        is possible today (that needs the queue's hours and at least an hour left)."""
        now, hours = self.catalog.now, self.catalog.hours
        if not (now and hours and minutes_of(hours[1]) - minutes_of(now) >= 60):
            return None
        start = minutes_of(now) + 60
        return min(time(min(23, start // 60 + (start % 60 > 0))), hours[1])

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
            self.state.callback_number = "+" + number if len(number) > 10 else "+1" + number
            self.read_back(self.state.callback_number)
            return True
        if purpose == "callback" and speech and (at := later_time(speech, self.p)):
            return self.callback_later(at)
        yes = yesno.hear(speech, digits, self.catalog.language).yes
        if yes is None:
            return False
        if yes:
            return self.confirm_callback(self.state.callback_number
                                         if purpose == "callback_readback" else None)
        self.ask_number()
        return True

    def ask_number(self) -> None:
        self.step.actions.append(Ask("callback_number", (self.spoken(self.t(
            "Please key in the number to call, with the area code, then press pound.")),),
            max_digits=15, timeout_s=10))

    def read_back(self, number: str, again: bool = False) -> None:
        """The keyed number, digit by digit in groups, before anything is booked."""
        local = number[2:] if number.startswith("+1") and len(number) == 12 else number[1:]
        groups = [local[:3], local[3:6], local[6:]] if len(local) == 10 else [local]
        said = ", ".join(" ".join(group) for group in groups)
        lead = self.t("Sorry, I didn't catch that.") + " " if again else ""
        self.note("hold_callback_read_back")
        self.step.actions.append(Ask("callback_readback", (self.spoken(lead + self.t(
            "We'll call {number}. Press 1 if that's right, or 2 to key it again.",
            number=said)),), timeout_s=6))

    def callback_later(self, at: time) -> bool:
        opens, closes = self.catalog.hours or (None, None)
        now = self.catalog.now
        if not (now and opens and closes) \
                or not minutes_of(now) < minutes_of(at) <= minutes_of(closes) \
                or minutes_of(at) < minutes_of(opens):
            self.note("hold_callback_time_refused", at=at.isoformat())
            said = self.p.at_clock("We can call you back today until {time}.",
                                   said_time(closes, self.p)) if closes else \
                self.t("We can't book a later time today.")
            self.step.actions.append(Ask("callback", (self.spoken(" ".join((said, self.t(
                "Press 1 to confirm, or 2 to give a different number.")))),), timeout_s=6))
            return True
        self.note("hold_callback_requested", other_number=False, after=at.isoformat())
        self.step.actions.append(RequestCallback(None, after=at))
        self.say(self.p.at_clock("Thanks. We'll call you back after {time} today, and you keep "
                                 "your place in line. Goodbye.", said_time(at, self.p)))
        self.step.actions.append(LeaveQueue())
        return True

    def confirm_callback(self, number: str | None) -> bool:
        self.note("hold_callback_requested", other_number=number is not None)
        self.step.actions.append(RequestCallback(number))
        self.say(self.t("Thanks. We'll call you back when it's your turn, and you keep "
                        "your place in line. Goodbye."))
        self.step.actions.append(LeaveQueue())
        return True


def minutes_of(at: time) -> int:
    return at.hour * 60 + at.minute
