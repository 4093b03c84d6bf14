"""The call-flow engine: (menu, call state, input event) -> (actions, new state, trace).

Pure and synchronous. Global commands work from every node, failures escalate to a
person, and nothing here can leave a caller in silence or in an endless loop.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

from . import embedding, intents, yesno
from .actions import (
    Action,
    Enqueue,
    Event,
    Hangup,
    Input,
    LinkSent,
    Listen,
    Lookup,
    LookupDone,
    NoInput,
    Record,
    Say,
    SendLink,
    Start,
    Trace,
    Transfer,
)
from .patterns import full_match
from .phrases import N_, phrases
from .schema import TERMINAL_TYPES, CollectNode, Escalation, Menu, MenuNode, Node
from .spoken_numbers import luhn_valid, spoken_to_digits
from .state import CallState
from .template import fill

MAX_HOPS = 25  # say/lookup chains longer than this are a broken menu, not a call flow
# System phrases are English message ids, said in the caller's language (app/locale).
DEFAULT_REPROMPTS = {
    "no_input": [
        N_("Sorry, I didn't hear anything."),
        N_("I still didn't hear you. You can press a key, or press 0 to talk to a person."),
    ],
    "no_match": [
        N_("Sorry, I didn't catch that."),
        N_("Sorry, I still didn't understand. You can press a key, or say agent for a person."),
    ],
}
HANDOFF_LINE = N_("Let me get you to someone who can help.")
APOLOGY = N_("Sorry, something went wrong on our side.")
# Commands that work everywhere, in languages other than the menu's own (the operator's
# settings.globals list the menu language's words).
GLOBAL_WORDS = {"person": N_("agent, representative, operator, human, person"),
                "repeat": N_("repeat, say that again"), "main_menu": N_("main menu, start over"),
                "back": N_("go back, previous menu")}
OPEN_LINK_NOTICE = N_("We texted you a link to {form} earlier. If you need help with it, "
                      "say agent or press 0.")


@dataclass
class Step:
    actions: list[Action] = field(default_factory=list)
    state: CallState = field(default_factory=CallState)
    trace: list[Trace] = field(default_factory=list)


def step(menu: Menu, state: CallState, event: Event,
         embedder: embedding.Embedder | None = None) -> Step:
    """Advance one call by one event; speech is matched by meaning with `embedder`
    (default: the process's shared model)."""
    turn = _Turn(menu, copy.deepcopy(state), embedder or embedding.shared())
    turn.handle(event)
    turn.state.turn += 1
    return Step(turn.actions, turn.state, turn.trace)


class _Turn:
    """Collects the actions and trace of a single step."""

    def __init__(self, menu: Menu, state: CallState, embedder: embedding.Embedder) -> None:
        self.menu, self.state, self.embedder = menu, state, embedder
        self.settings = menu.settings
        self.actions: list[Action] = []
        self.trace: list[Trace] = []

    # -- dispatch -------------------------------------------------------------------
    def handle(self, event: Event) -> None:
        if self.state.done:
            self.note("ignored", reason="call already handed off or ended")
            return
        if isinstance(event, Start):
            self.state.variables["caller"] = dict(event.caller)
            # a returning caller stuck on a texted form hears so after the greeting
            self.state.notice_due = bool(event.caller.get("open_link")) and \
                event.caller.get("open_link_unheard", True)  # once per open link
            self.enter(self.menu.start)
            return
        node = self.menu.nodes.get(self.state.node or "")
        if node is None:
            self.note("error", reason=f"no such node {self.state.node!r}")
            self.hand_off("the menu could not continue", apology=True)
        elif isinstance(event, LookupDone):
            self.lookup_done(node, event)
        elif isinstance(event, LinkSent):
            self.link_sent(node, event)
        elif isinstance(event, NoInput):
            self.note("no_input")
            self.fail(node, "no_input")
        elif isinstance(event, Input):
            self.on_input(node, event)

    def note(self, kind: str, node: str | None = None, **detail) -> None:
        self.trace.append(Trace(kind, node or self.state.node, detail))

    # -- entering nodes -------------------------------------------------------------
    def enter(self, node_id: str, *, remember: bool = True) -> None:
        """Go to a node and run it until it waits for the caller or the call leaves."""
        if remember and self.state.node and self.state.node != node_id:
            self.state.history.append(self.state.node)
            del self.state.history[:-10]
        for _ in range(MAX_HOPS):
            node = self.menu.nodes[node_id]
            self.state.node, self.state.attempts, self.state.pending = node_id, 0, None
            self.state.rejections = 0
            self.note("entered", node_id, type=node.type)
            next_id = self.run(node_id, node)
            if next_id is None:
                return
            node_id = next_id
        self.note("error", reason="too many steps without input")
        self.hand_off("the menu could not continue", apology=True)

    def run(self, node_id: str, node: Node) -> str | None:
        """Emit a node's actions; return the next node when it does not wait."""
        if node.type == "say":
            self.say(node.prompt)
            return node.next
        if node.type not in ("lookup", "sms_link"):
            self.give_notice()
        if node.type == "menu" and self.carried_forward(node):
            return None
        if node.type in ("menu", "collect"):
            self.acknowledge(node)
            self.say(node.prompt)
            self.listen(node_id, node)
        elif node.type == "lookup":
            params = {k: self.fill(v) for k, v in node.params.items()}
            http = node.http.model_dump() if node.http else None
            self.actions.append(Lookup(node.source, params, http))
        elif node.type == "sms_link":
            self.actions.append(SendLink(node.form))
        elif node.type == "queue":
            self.say(node.prompt)
            reason = self.state.handoff_reason or node.reason
            self.actions.append(Enqueue(node.queue, reason))
            self.finish()
        elif node.type == "transfer":
            self.say(node.prompt)
            self.actions.append(Transfer(node.number))
            self.finish()
        elif node.type == "hangup":
            self.say(node.prompt)
            self.actions.append(Hangup())
            self.finish()
        elif node.type == "voicemail":
            self.say(node.prompt)
            self.actions.append(Record(node.queue, node.max_length_s, self.language(),
                                       self.settings.voice_for(self.language())))
            self.finish()
        return None

    def finish(self) -> None:
        self.state.done = True
        self.state.carry = None

    def give_notice(self) -> None:
        """The returning-caller notice: once, after the greeting, before the first question."""
        caller = self.state.variables.get("caller", {})
        if not self.state.notice_due:
            return
        self.state.notice_due = False
        self.note("returning_caller", form=caller.get("open_link"))
        template = self.settings.open_link_prompt
        self.say(template if template else self.t(OPEN_LINK_NOTICE, form=caller["open_link"]))

    def carried_forward(self, node: MenuNode) -> bool:
        """The caller's words already name one of this menu's options: take it, unasked."""
        speech = (self.state.carry or {}).get("speech")
        if not speech or yesno.hear(speech, language=self.language()).bare:
            return False  # "no" answered the last question, not this one
        # Words only, on purpose: skipping a question needs the caller's own words.
        match = intents.best_match(speech, [o.phrases for o in node.options],
                                   self.settings.synonyms)
        if match.index is None or match.score < self.settings.accept_threshold \
                or match.score - match.runner_up < intents.CLEAR_MARGIN:
            return False
        self.choose(node, node.options[match.index], via="carried", speech=speech,
                    score=round(match.score, 3))
        return True

    def acknowledge(self, node: Node) -> None:
        """A question for details (an account number) right after a choice gets a word of
        acknowledgement first, so it doesn't come out of nowhere."""
        label = (self.state.carry or {}).get("label")
        if label and isinstance(node, CollectNode):
            self.say(self.t("Sure, I can help with {label}.", label=label))

    def t(self, message: str, **params) -> str:
        """A system phrase in the current node's language."""
        return phrases(self.language()).t(message, **params)

    def fill(self, text: str) -> str:
        return fill(text, self.state.variables)

    def language(self) -> str:
        """The current node's language (a branch for another language), else the menu's."""
        node = self.menu.nodes.get(self.state.node or "")
        return (node and node.language) or self.settings.language

    def say(self, text: str | None) -> None:
        if text:
            language = self.language()
            self.actions.append(Say(self.fill(text), language, self.settings.voice_for(language)))

    def listen(self, node_id: str, node: Node) -> None:
        self.state.carry = None  # the caller is asked: their last words are used up
        numeric = isinstance(node, CollectNode) and node.input == "digits"
        self.actions.append(
            Listen(
                node=node_id,
                hints=self.hints(node),
                numeric=numeric,
                max_digits=node.max_length if isinstance(node, CollectNode) else None,
                timeout_s=self.settings.input_timeout_s,
                language=self.language(),
                recognizer=node.recognizer or self.settings.recognizer,
            )
        )

    def hints(self, node: Node) -> tuple[str, ...]:
        phrases = [p for o in getattr(node, "options", []) for p in o.phrases]
        phrases += [p for name in self.settings.globals for p in self.global_phrases(name)]
        return tuple(dict.fromkeys(phrases))

    def prompt_again(self, node_id: str, node: Node, lead: str | None = None) -> None:
        self.say(lead)
        self.say(node.reprompt or node.prompt)
        self.listen(node_id, node)

    # -- input ----------------------------------------------------------------------
    def on_input(self, node: Node, event: Input) -> None:
        self.note("input", digits=event.digits, speech=event.speech,
                  confidence=event.confidence)
        if event.speech and not intents.is_usable(event.speech, self.language(),
                                                  self.hints(node)):
            self.note("unusable_speech", length=len(event.speech))
            event = dataclasses.replace(event, speech="")  # heard as nothing understood
        command = self.global_command(event)
        if command:
            self.note("global", command=command)
            self.run_global(command, node)
        elif self.state.pending and self.answer_pending(node, event):
            return
        elif isinstance(node, MenuNode):
            self.menu_input(node, event)
        elif isinstance(node, CollectNode):
            self.collect_input(node, event)
        else:
            self.fail(node, "no_match")

    def global_phrases(self, name: str) -> list[str]:
        command = self.settings.globals[name]
        local = phrases(self.language()).translated_list(GLOBAL_WORDS[name])
        return [*command.phrases, *local]

    def global_command(self, event: Input) -> str | None:
        for name, command in self.settings.globals.items():
            if event.digits and event.digits in command.keys:
                return name
            if not event.speech:
                continue
            said = self.global_phrases(name)
            if name == "person" and intents.mentions(event.speech, said):
                return name
            if name != "person" and intents.says_whole(event.speech, said):
                return name
        return None

    def run_global(self, command: str, node: Node) -> None:
        if command == "person":
            stuck = self.state.variables.get("caller", {}).get("open_link")
            self.hand_off("self-service could not help" if stuck else "asked for a person")
        elif command == "repeat":
            if self.state.pending:
                self.ask_confirm(self.state.pending)
            else:
                self.prompt_again(self.state.node, node)
        elif command == "main_menu":
            self.state.history.clear()
            self.enter(self.menu.main_menu, remember=False)
        elif command == "back":
            previous = self.state.history.pop() if self.state.history else self.menu.main_menu
            self.enter(previous, remember=False)

    def menu_input(self, node: MenuNode, event: Input) -> None:
        if event.speech and (option := self.yes_no_option(node, event.speech)):
            self.choose(node, option, via="speech", score=1.0)  # a yes/no: nothing to carry
            return
        if event.digits:
            chosen = next((o for o in node.options if o.key == event.digits), None)
            if chosen:
                self.choose(node, chosen, via="key")
            else:
                self.note("no_match", digits=event.digits)
                self.fail(node, "no_match")
            return
        match = self.match_speech(node, event.speech or "")
        if match.index == len(node.options):  # the person command, in the caller's words
            if self.accepted(match, event):
                self.note("global", command="person", score=round(match.score, 3),
                          why=match.why)
                self.run_global("person", node)
                return
            match = intents.Match(None, 0.0, why=f"nearest the person command, unsure: "
                                                 f"{match.why}")
        self.judge_speech(node, event, match)

    def yes_no_option(self, node: MenuNode, speech: str):
        """A bare yes or no (in the caller's language) picks the option whose phrase is a
        yes or a no: "네" answers "Is there anything else?" as well as "yes" does."""
        answer = yesno.hear(speech, language=self.language())
        if not answer.bare:
            return None
        return next((o for o in node.options if any(
            yesno.is_yes_or_no(p, self.language()) is answer.yes for p in o.phrases)), None)

    def match_speech(self, node: MenuNode, speech: str) -> intents.Match:
        """Options by words and by meaning (examples and label count too); the person
        command competes as one more option. Meaning needs an English model, so other
        languages match by words only."""
        person = self.settings.globals.get("person")
        extra = [person] if person else []
        english = self.language().startswith("en")
        return intents.best_match(
            speech, [o.phrases for o in node.options] + [g.phrases for g in extra],
            self.settings.synonyms, self.embedder if english else None,
            [o.examples + [o.label] for o in node.options] + [g.examples for g in extra])

    def accepted(self, match: intents.Match, event: Input) -> bool:
        unsure_asr = event.confidence is not None and event.confidence < 0.35
        clear_winner = match.score - match.runner_up >= intents.CLEAR_MARGIN
        return match.score >= self.settings.accept_threshold and clear_winner \
            and not unsure_asr

    def judge_speech(self, node: MenuNode, event: Input, match: intents.Match) -> None:
        option = node.options[match.index] if match.index is not None else None
        detail = {"speech": event.speech, "score": round(match.score, 3), "why": match.why}
        if option and self.accepted(match, event):
            self.choose(node, option, via="speech", score=detail["score"], why=match.why,
                        speech=event.speech)
        elif option and match.score >= self.settings.confirm_threshold:
            self.note("confirm", intent=option.label, **detail)
            self.state.pending = {"kind": "option", "index": match.index,
                                  "speech": event.speech}
            self.ask_confirm(self.state.pending)
        else:
            self.note("no_match", **detail)
            self.fail(node, "no_match")

    def choose(self, node: MenuNode, option, *, speech: str | None = None, **detail) -> None:
        self.note("match", intent=option.label, go=option.go, **detail)
        self.state.variables["last_intent"] = option.label
        self.state.carry = {"speech": speech, "label": option.label}
        self.enter(option.go)

    def ask_confirm(self, pending: dict) -> None:
        node = self.menu.nodes[self.state.node]
        if pending["kind"] == "option":
            question = self.t("Did you want help with {label}?",
                              label=node.options[pending["index"]].label)
        else:
            question = self.t("I heard {digits}. Is that right?",
                              digits=" ".join(pending["value"]))
        self.say(question + " " + self.t("Say yes or press 1, or say no or press 2."))
        self.listen(self.state.node, node)

    def answer_pending(self, node: Node, event: Input) -> bool:
        """Resolve a confirm question; False when the input was a fresh answer instead.

        A "no" means we misheard, not that the caller failed: it re-asks without counting
        an attempt, and "no, I said outage" is taken as the fresh answer it contains.
        Only repeated rejections lead to a person, so no caller loops forever."""
        answer = yesno.hear(event.speech, event.digits, self.language())
        pending, self.state.pending = self.state.pending, None
        if answer.yes is None:
            return False
        self.note("confirmed" if answer.yes else "rejected", pending=pending)
        if not answer.yes:
            self.state.rejections += 1
            if self.state.rejections > self.settings.max_attempts:
                self.escalate(node, "no_match")
            elif not answer.bare and isinstance(node, MenuNode):
                self.menu_input(node, Input(speech=answer.rest))
            else:
                self.prompt_again(self.state.node, node, self.t("Okay, let's try again."))
        elif pending["kind"] == "option":
            self.choose(node, node.options[pending["index"]], via="confirm",
                        speech=pending.get("speech"))
        else:
            self.store_value(node, pending["value"])
        return True

    def collect_input(self, node: CollectNode, event: Input) -> None:
        value = event.digits or spoken_to_digits(event.speech or "")
        problem = self.check_value(node, value)
        if problem:
            self.note("no_match", value=value, problem=problem)
            self.fail(node, "no_match", lead=problem)
        elif node.confirm:
            self.state.pending = {"kind": "value", "value": value}
            self.note("confirm", value=value)
            self.ask_confirm(self.state.pending)
        else:
            self.store_value(node, value)

    def check_value(self, node: CollectNode, value: str | None) -> str | None:
        if not value or not value.isdigit():
            return self.t("Sorry, I need the number as digits.")
        if not node.min_length <= len(value) <= node.max_length:
            return self.length_problem(node)
        if node.pattern and not full_match(node.pattern, value):
            return self.t("That number doesn't look right.")
        if node.check_digit == "luhn" and not luhn_valid(value):
            return self.t("That number doesn't look right.")
        return None

    def length_problem(self, node: CollectNode) -> str:
        if node.min_length == node.max_length:
            return phrases(self.language()).tn("That number should have {n} digit.",
                                               "That number should have {n} digits.",
                                               node.min_length)
        return self.t("That number should have {low} to {high} digits.",
                      low=node.min_length, high=node.max_length)

    def store_value(self, node: CollectNode, value: str) -> None:
        self.state.variables[node.variable] = value
        self.note("collected", variable=node.variable)
        self.enter(node.next)

    # -- lookups --------------------------------------------------------------------
    def lookup_done(self, node: Node, event: LookupDone) -> None:
        if node.type != "lookup":
            self.note("ignored", reason="lookup result for a node that is not a lookup")
            self.prompt_again(self.state.node, node)
            return
        if not event.ok:
            self.note("lookup_failed", source=node.source, error=event.error)
            if node.error:
                self.enter(node.error)
            else:
                self.hand_off("lookup failed",
                              apology=self.t("Sorry, I can't look that up right now."))
            return
        self.state.variables[node.result] = event.data or {}
        self.note("lookup", source=node.source, found=bool(event.data))
        self.enter(node.found if event.data else node.not_found)

    def link_sent(self, node: Node, event: LinkSent) -> None:
        if node.type != "sms_link":
            self.note("ignored", reason="link result for a node that is not sms_link")
            self.prompt_again(self.state.node, node)
            return
        self.note("link_sent" if event.ok else "link_failed", form=node.form, error=event.error)
        if event.ok:
            self.state.variables["link_sent"] = node.form
            self.say(node.prompt)
            self.enter(node.next)
        elif event.error == "rate limited":
            self.hand_off("self-service could not help",
                          apology=self.t("We've already texted you several links in the "
                                         "last hour."))
        else:
            self.hand_off("self-service could not help",
                          apology=self.t("Sorry, I couldn't send the text message right now."))

    # -- failures and hand-off ------------------------------------------------------
    def fail(self, node: Node, kind: str, lead: str | None = None) -> None:
        """Escalating reprompts, then a person: never a hang-up, never an endless loop."""
        self.state.attempts += 1
        self.state.pending = None
        if self.state.attempts >= self.settings.max_attempts or node.type in TERMINAL_TYPES:
            self.escalate(node, kind)
            return
        lines = self.escalation(node, kind).reprompts or [
            self.t(line) for line in DEFAULT_REPROMPTS[kind]]
        line = lines[min(self.state.attempts, len(lines)) - 1]
        self.prompt_again(self.state.node, node, lead or line)

    def escalation(self, node: Node, kind: str) -> Escalation:
        return getattr(node, kind) or Escalation()

    def escalate(self, node: Node, kind: str) -> None:
        reason = "no input" if kind == "no_input" else "kept failing to be understood"
        self.note("escalate", reason=reason, attempts=self.state.attempts)
        target = self.escalation(node, kind).then
        if target:
            self.enter(target)
        else:
            self.hand_off(reason)

    def hand_off(self, reason: str, apology: bool | str = False) -> None:
        if apology:
            self.say(apology if isinstance(apology, str) else self.t(APOLOGY))
        self.state.handoff_reason = reason
        self.note("handoff", reason=reason)
        self.say(None if reason in ("asked for a person", "self-service could not help")
                 else self.t(HANDOFF_LINE))
        self.enter(self.person_node())

    def person_node(self) -> str:
        """The person node for the caller's language (a Korean caller reaches Korean hold)."""
        return self.settings.person_for.get(self.language()) or self.settings.person

