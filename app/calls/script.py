"""A caller's script, typed by a person: what they say, press, or leave silent, in order.

One reading of a script for both ways it is written: lines in the admin test-call panel
('say: my power is out') and options of `flask call` (--say "my power is out").
"""

from __future__ import annotations

from ..flow.actions import Input, NoInput

KEYS = set("0123456789*#")
HOW = "'say: words', 'press: 1' or 'silence'"


class ScriptError(ValueError):
    pass


def caller_turn(verb: str, value: str) -> Input | NoInput | None:
    """One turn of a script, or None when the verb and value make no turn."""
    verb, value = verb.strip().lower(), value.strip()
    if verb == "silence" and not value:
        return NoInput()
    if verb == "say" and value:
        return Input(speech=value)
    if verb == "press" and value and set(value) <= KEYS:
        return Input(digits=value)
    return None


def parse_script(text: str) -> list[Input | NoInput]:
    """'say: ...', 'press: 1' or 'silence', one per line; blank lines are skipped."""
    turns: list[Input | NoInput] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        verb, _, value = line.partition(":")
        turn = caller_turn(verb, value)
        if turn is None:
            raise ScriptError(f"line {number}: {line!r} — write {HOW}")
        turns.append(turn)
    return turns


def parse_options(args: list[str]) -> list[Input | NoInput]:
    """--say TEXT, --press DIGITS and --silence, in order (the options of `flask call`)."""
    turns: list[Input | NoInput] = []
    items = list(args)
    while items:
        flag = items.pop(0)
        verb = flag.removeprefix("--") if flag.startswith("--") else ""
        value = items.pop(0) if verb in ("say", "press") and items else ""
        turn = caller_turn(verb, value)
        if turn is None:
            raise ScriptError(f"unexpected {flag!r}: use --say TEXT, --press DIGITS "
                              "or --silence")
        turns.append(turn)
    return turns
