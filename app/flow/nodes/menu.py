"""menu: ask a question and route the caller by a key, their words or their meaning.

Speech that is close but not sure gets a yes/no question first; words already said before
the menu was reached ("I want to pay my bill") choose an option without asking again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from .. import intents, yesno
from ..actions import Input
from ..errors import MenuError
from ..node_types import FormField, Known, MenuView, NodeType, Turn, register
from ..parts import NodeBase, Option


class MenuNode(NodeBase):
    type: Literal["menu"]
    options: list[Option]


def run(turn: Turn, node_id: str, node: MenuNode) -> None:
    if carried_forward(turn, node):
        return
    turn.say(node.prompt)
    turn.listen(node_id, node)


def carried_forward(turn: Turn, node: MenuNode) -> bool:
    """The caller's words already name one of this menu's options: take it, unasked."""
    speech = (turn.state.carry or {}).get("speech")
    if not speech or yesno.hear(speech, language=turn.language()).bare:
        return False  # "no" answered the last question, not this one
    # Words only, on purpose: skipping a question needs the caller's own words.
    match = intents.best_match(speech, [o.phrases for o in node.options],
                               turn.settings.synonyms)
    if match.index is None or match.score < turn.settings.accept_threshold \
            or match.score - match.runner_up < intents.CLEAR_MARGIN:
        return False
    choose(turn, node.options[match.index], via="carried", speech=speech,
           score=round(match.score, 3))
    return True


def menu_input(turn: Turn, node: MenuNode, event: Input) -> None:
    if event.speech and (option := yes_no_option(turn, node, event.speech)):
        choose(turn, option, via="speech", score=1.0)  # a yes/no: nothing to carry
        return
    if event.digits:
        chosen = next((o for o in node.options if o.key == event.digits), None)
        if chosen:
            choose(turn, chosen, via="key")
        else:
            turn.note("no_match", digits=event.digits)
            turn.fail(node, "no_match")
        return
    match = match_speech(turn, node, event.speech or "")
    if match.index == len(node.options):  # the person command, in the caller's words
        if accepted(turn, match, event):
            turn.note("global", command="person", score=round(match.score, 3), why=match.why)
            turn.run_global("person", node)
            return
        match = intents.Match(None, 0.0, why=f"nearest the person command, unsure: "
                                             f"{match.why}")
    judge_speech(turn, node, event, match)


def yes_no_option(turn: Turn, node: MenuNode, speech: str) -> Option | None:
    """A bare yes or no (in the caller's language) picks the option whose phrase is a
    yes or a no: "네" answers "Is there anything else?" as well as "yes" does."""
    language = turn.language()
    answer = yesno.hear(speech, language=language)
    if not answer.bare:
        return None
    return next((o for o in node.options if any(
        yesno.is_yes_or_no(p, language) is answer.yes for p in o.phrases)), None)


def match_speech(turn: Turn, node: MenuNode, speech: str) -> intents.Match:
    """Options by words and by meaning (examples and label count too); the person
    command competes as one more option. Meaning needs an English model, so other
    languages match by words only."""
    person = turn.settings.globals.get("person")
    extra = [person] if person else []
    english = turn.language().startswith("en")
    return intents.best_match(
        speech, [o.phrases for o in node.options] + [g.phrases for g in extra],
        turn.settings.synonyms, turn.embedder if english else None,
        [o.examples + [o.label] for o in node.options] + [g.examples for g in extra],
        no_keyword=intents.named_as_doers(speech, person.phrases) if person else ())


def accepted(turn: Turn, match: intents.Match, event: Input) -> bool:
    unsure_asr = intents.unsure_recognition(event.confidence)
    clear_winner = match.score - match.runner_up >= intents.CLEAR_MARGIN
    return match.score >= turn.settings.accept_threshold and clear_winner and not unsure_asr


def judge_speech(turn: Turn, node: MenuNode, event: Input, match: intents.Match) -> None:
    option = node.options[match.index] if match.index is not None else None
    detail: dict[str, Any] = {"speech": event.speech, "score": round(match.score, 3),
                              "why": match.why}
    if option and accepted(turn, match, event):
        choose(turn, option, via="speech", score=detail["score"], why=match.why,
               speech=event.speech)
    elif option and match.score >= turn.settings.confirm_threshold:
        turn.note("confirm", intent=option.label, **detail)
        turn.state.pending = {"kind": "option", "index": match.index, "speech": event.speech}
        turn.ask_confirm(turn.state.pending)
    else:
        turn.note("no_match", **detail)
        turn.fail(node, "no_match")


def choose(turn: Turn, option: Option, *, speech: str | None = None, **detail: Any) -> None:
    turn.note("match", intent=option.label, go=option.go, **detail)
    turn.state.variables["last_intent"] = option.label
    turn.state.carry = {"speech": speech, "label": option.label}
    turn.enter(option.go)


def did_you_mean(turn: Turn, node: MenuNode, pending: dict[str, Any]) -> str:
    return turn.t("Did you want help with {label}?", label=node.options[pending["index"]].label)


def confirmed(turn: Turn, node: MenuNode, pending: dict[str, Any]) -> None:
    choose(turn, node.options[pending["index"]], via="confirm", speech=pending.get("speech"))


def rejected(turn: Turn, node: MenuNode, rest: str) -> None:
    """ "No, I said outage": the fresh answer it contains."""
    menu_input(turn, node, Input(speech=rest))


# -- validation -----------------------------------------------------------------------
def check(menu: MenuView, node_id: str, node: MenuNode, known: Known) -> Iterator[MenuError]:
    yield from check_options(menu, node_id, node)
    yield from check_suggestions(menu, node_id, node)


def check_options(menu: MenuView, node_id: str, node: MenuNode) -> Iterator[MenuError]:
    if not node.options:
        yield MenuError(node_id, "options", "dead end: a menu needs at least one option")
    reserved = {k: name for name, g in menu.settings.globals.items() for k in g.keys}
    keys: dict[str, int] = {}
    phrases: dict[str, int] = {}
    examples: dict[str, int] = {}
    spoken = any(o.phrases or o.examples for o in node.options)
    for i, option in enumerate(node.options):
        if not option.key and not option.phrases and not option.examples:
            yield MenuError(node_id, f"options.{i}", "an option needs a key or phrases")
        elif spoken and not option.phrases and not option.examples:
            yield MenuError(node_id, f"options.{i}.examples",
                            "callers can answer this menu by voice, but this option has no "
                            "phrases or examples")
        yield from _said_twice(node_id, i, "examples", option.examples, examples,
                               menu.settings.synonyms)
        if option.key in reserved:
            yield MenuError(node_id, f"options.{i}.key",
                            f"key {option.key} is reserved for {reserved[option.key]}")
        if option.key and option.key in keys:
            yield MenuError(node_id, f"options.{i}.key",
                            f"duplicate key {option.key} (also option {keys[option.key]})")
        elif option.key:
            keys[option.key] = i
        yield from _said_twice(node_id, i, "phrases", option.phrases, phrases,
                               menu.settings.synonyms)


def _said_twice(node_id: str, index: int, field: str, texts: list[str], seen: dict[str, int],
                synonyms: Mapping[str, Sequence[str]]) -> Iterator[MenuError]:
    """A phrase or example that another option of the node has too (after normalising)."""
    for text in texts:
        said = intents.normalise(text, synonyms)
        if said in seen and seen[said] != index:
            yield MenuError(node_id, f"options.{index}.{field}",
                            f"duplicate {field[:-1]} {text!r} (also option {seen[said]})")
        seen.setdefault(said, index)


# "Say billing, outage, or request": the words a prompt tells callers to say. English and
# Spanish put the verb first, Korean after ("요금 확인 또는 상담원이라고 말씀해 주세요").
SUGGESTION = {
    "en": re.compile(r"\bsay\s+(?!or\b)(.+?)(?=,?\s+or\s+(?:press|key)\b|[.;:!?]|$)", re.I),
    "es": re.compile(r"\bdiga\s+(?!o\b)(.+?)(?=,?\s+u?o\s+oprima\b|[.;:!?]|$)", re.I),
    "ko": re.compile(r"([^.?!]+?)(?:이)?라고\s*말씀"),
}
LIST_JOINS = re.compile(r",\s*(?:or\s+|o\s+|또는\s*)?|\s+or\s+|\s+o\s+|\s*또는\s*")


def suggested_words(text: str, language: str) -> list[str]:
    """Each word or phrase a prompt suggests saying, in the prompt's language."""
    pattern = SUGGESTION.get(language.split("-")[0])
    if pattern is None:
        return []
    text = re.sub(r"\{\{.*?\}\}", "", text)  # variables are read out, not suggested
    words = [w.strip() for m in pattern.finditer(text) for w in LIST_JOINS.split(m.group(1))]
    return [w for w in words if w and len(w) <= 40]


def accepted_at(menu: MenuView, node: MenuNode, said: str) -> bool:
    """Would these words be taken at this node: an option, or a command that works anywhere."""
    settings = menu.settings
    if any(intents.says_whole(said, g.phrases) for g in settings.globals.values()):
        return True
    match = intents.best_match(said, [o.phrases for o in node.options], settings.synonyms)
    return match.index is not None and match.score >= settings.accept_threshold \
        and match.score - match.runner_up >= intents.CLEAR_MARGIN


def check_suggestions(menu: MenuView, node_id: str, node: MenuNode) -> Iterator[MenuError]:
    """A menu that says "say service" must accept "service" there, or callers who do as
    they are told hear "Sorry, I didn't catch that"."""
    language = node.language or menu.settings.language
    texts = [("prompt", node.prompt), ("reprompt", node.reprompt)] + [
        (f"{kind}.reprompts.{i}", line) for kind in ("no_input", "no_match")
        for i, line in enumerate(getattr(getattr(node, kind), "reprompts", []))]
    for field, text in texts:
        for said in suggested_words(text or "", language):
            if not accepted_at(menu, node, said):
                yield MenuError(node_id, field,
                                f"suggests saying {said!r}, but no option accepts it")


register(NodeType(
    "menu", MenuNode, run, links=("options.*.go",), form=(FormField("options", "Options"),),
    prompts=True, on_input=menu_input, confirm_question=did_you_mean, on_confirmed=confirmed,
    on_rejected=rejected, check=check))
