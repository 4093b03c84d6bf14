"""The call-flow engine: (menu, call state, input event) -> (actions, new state, trace).

Pure and synchronous. Global commands work from every node, failures escalate to a
person, and nothing here can leave a caller in silence or in an endless loop. What
happens at each type of node is that type's declaration (flow/node_types.py, flow/nodes/).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from . import embedding, intents, node_types, yesno
from .actions import (
    Action,
    EffectResult,
    Event,
    HoursChecked,
    Input,
    LinkSent,
    Listen,
    LookupDone,
    NoInput,
    Say,
    Start,
    Trace,
)
from .nodes import menu as menu_node
from .parts import GlobalName
from .phrases import N_, phrases
from .schema import Escalation, Menu, Node
from .state import CallState
from .template import fill

# An effect result sent to a node that is not waiting for it (a stale or forged request).
UNEXPECTED = {LookupDone: "lookup result for a node that is not a lookup",
              LinkSent: "link result for a node that is not sms_link",
              HoursChecked: "hours result for a node that is not hours"}
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
# Asking to talk to whoever follows ("can I speak to the manager", "put me through to
# reception") asks for a person, unless what follows is one of the menu's options.
# {whom} marks where the one asked for goes ("{whom} 바꿔 주세요" in Korean).
TALK_TO = N_("talk to {whom}, talk with {whom}, speak to {whom}, speak with {whom}, "
             "chat with {whom}, put me through to {whom}, connect me to {whom}, "
             "connect me with {whom}, transfer me to {whom}")
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
    turn = _Turn(menu, state.copy(), embedder or embedding.shared())
    turn.handle(event)
    turn.state.turn += 1
    return Step(turn.actions, turn.state, turn.trace)


class _Turn:
    """Collects the actions and trace of a single step; node types act through it (what
    they may use: node_types.Turn)."""

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
        elif isinstance(event, EffectResult):
            self.on_result(node, event)
        elif isinstance(event, NoInput):
            self.note("no_input")
            self.fail(node, "no_input")
        elif isinstance(event, Input):
            self.on_input(node, event)

    def note(self, kind: str, node: str | None = None, **detail: Any) -> None:
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
        node_type = node_types.of(node)
        if node_type.gives_notice:
            self.give_notice()
        return node_type.run(self, node_id, node)

    @property
    def here(self) -> str:
        """The node being handled: the state names one whenever a node is."""
        assert self.state.node is not None, "no node is being handled"
        return self.state.node

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

    def t(self, message: str, **params: Any) -> str:
        """A system phrase in the current node's language."""
        return phrases(self.language()).t(message, **params)

    def fill(self, text: str) -> str:
        """{{ line.name }} is the line's display name (without one, the menu's name)."""
        line = {"name": self.settings.display_name or self.menu.name}
        return fill(text, {**self.state.variables, "line": line})

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
        numeric, max_digits = node.listens_for()
        self.actions.append(
            Listen(
                node=node_id,
                hints=self.hints(node),
                numeric=numeric,
                max_digits=max_digits,
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
        elif self.state.pending and self.answer_pending(node, event, self.state.pending):
            return
        elif on_input := node_types.of(node).on_input:
            on_input(self, node, event)
        else:
            self.fail(node, "no_match")

    def global_phrases(self, name: GlobalName) -> list[str]:
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
            # Handing off ends self-service, so a person word must be named as whom the
            # caller wants, each word nearly exact; a near miss of the whole utterance
            # ("operater") is enough only for the navigation words. At a number question
            # such a near miss asks for the digits again instead of handing the call off.
            if name == "person" and (intents.asks_for_person(event.speech, said)
                                     or self.asks_to_talk(event)):
                return name
            if name != "person" and intents.says_whole(event.speech, said):
                return name
        return None

    def asks_to_talk(self, event: Input) -> bool:
        """Heard surely enough to end self-service (see TALK_TO)."""
        if intents.unsure_recognition(event.confidence):
            return False
        node = self.menu.nodes[self.here]
        options = [p for o in getattr(node, "options", []) for p in [*o.phrases, o.label]]
        return intents.asks_to_talk(event.speech or "", phrases(self.language()).listed(TALK_TO),
                                    options)

    def run_global(self, command: str, node: Node) -> None:
        if command == "person":
            stuck = self.state.variables.get("caller", {}).get("open_link")
            self.hand_off("self-service could not help" if stuck else "asked for a person")
        elif command == "repeat":
            if self.state.pending:
                self.ask_confirm(self.state.pending)
            else:
                self.prompt_again(self.here, node)
        elif command == "main_menu":
            self.state.history.clear()
            self.enter(self.menu.main_menu, remember=False)
        elif command == "back":
            previous = self.state.history.pop() if self.state.history else self.menu.main_menu
            self.enter(previous, remember=False)

    def ask_confirm(self, pending: dict[str, Any]) -> None:
        node = self.menu.nodes[self.here]
        question = node_types.of(node).confirm_question
        assert question, "only a node type with a confirm question sets `pending`"
        self.say(question(self, node, pending) + " "
                 + self.t("Say yes or press 1, or say no or press 2."))
        self.listen(self.here, node)

    def answer_pending(self, node: Node, event: Input, pending: dict[str, Any]) -> bool:
        """Resolve a confirm question; False when the input was a fresh answer instead.

        A "no" means we misheard, not that the caller failed: it re-asks without counting
        an attempt, and "no, I said outage" is taken as the fresh answer it contains.
        Only repeated rejections lead to a person, so no caller loops forever."""
        answer = yesno.hear(event.speech, event.digits, self.language())
        self.state.pending = None
        if answer.yes is None:
            return False
        self.note("confirmed" if answer.yes else "rejected", pending=pending)
        node_type = node_types.of(node)
        if answer.yes:
            assert node_type.on_confirmed, "only a node type that confirms sets `pending`"
            node_type.on_confirmed(self, node, pending)
            return True
        self.state.rejections += 1
        if self.state.rejections > self.settings.max_attempts:
            self.escalate(node, "no_match")
        elif not answer.bare and node_type.on_rejected:
            node_type.on_rejected(self, node, answer.rest)
        else:
            self.prompt_again(self.here, node, self.t("Okay, let's try again."))
        return True

    # -- effect results -------------------------------------------------------------
    def on_result(self, node: Node, event: EffectResult) -> None:
        node_type = node_types.of(node)
        if node_type.result is not type(event) or node_type.on_result is None:
            self.note("ignored", reason=UNEXPECTED[type(event)])
            self.prompt_again(self.here, node)
            return
        node_type.on_result(self, node, event)

    def match_speech(self, node: menu_node.MenuNode, speech: str) -> intents.Match:
        """A menu node's match for these words (bench/understanding.py times it)."""
        return menu_node.match_speech(self, node, speech)

    # -- failures and hand-off ------------------------------------------------------
    def fail(self, node: Node, kind: str, lead: str | None = None) -> None:
        """Escalating reprompts, then a person: never a hang-up, never an endless loop."""
        self.state.attempts += 1
        self.state.pending = None
        if self.state.attempts >= self.settings.max_attempts or node_types.of(node).ends:
            self.escalate(node, kind)
            return
        lines = self.escalation(node, kind).reprompts or [
            self.t(line) for line in DEFAULT_REPROMPTS[kind]]
        line = lines[min(self.state.attempts, len(lines)) - 1]
        self.prompt_again(self.here, node, lead or line)

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
