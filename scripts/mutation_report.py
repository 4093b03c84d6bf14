"""Logic mutants killed, per module, from the results `mutmut run` left in mutants/.

Each mutant is compared with its original function (both are in mutants/<path>, as
mutmut writes them) and put in one of three kinds:

* wording: only the text of a phrase changed, a string that reaches t(), tn(), N_(),
  say() or Say() directly or through a join, a concatenation, an f-string or a
  conditional. Never a string the code compares, indexes, looks up or passes to
  anything else: those are logic.
* trace: the change is inside a note(), Trace() or logger call, or in a `why` (the
  operator's explanation of a match) or a `via=` (how an option was chosen: only the
  trace records it). Trace lines starting with `self.note(` or `log.`
  are not mutated at all (do_not_mutate_patterns in pyproject.toml).
* logic: everything else. The target is LOGIC_TARGET of these killed.

Survivors listed in tests/mutation-survivors.md (with why they are equivalent) are
shown apart; any other surviving logic mutant is printed with its change.
Mutants not run yet (a run of one module) are left out of the figures and counted apart.
Exit status 1 when fewer than LOGIC_TARGET of the logic mutants run are killed.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
SURVIVORS = ROOT / "tests" / "mutation-survivors.md"
LOGIC_TARGET = 0.85
WORDING_CALLS = frozenset({"t", "tn", "N_", "say", "spoken", "Say"})
PASS_THROUGH = (ast.JoinedStr, ast.FormattedValue, ast.BinOp, ast.Tuple, ast.List,
                ast.keyword, ast.Starred)
TRACE_CALLS = frozenset({"note", "Trace"})
LOGGERS = frozenset({"log", "logger", "logging"})
WHY_NAMES = frozenset({"why", "whys"})
TRACE_KEYWORDS = WHY_NAMES | {"via"}  # choose(via=...): how an option was chosen, for the trace
# mutmut's exit codes: a test failed (or the mutant timed out, crashed, or was refused
# by the type check) is a kill; 0 is a survivor, 33 and 5 mean no test ran it.
KILLED = {1, 3, 24, -24, 36, 37, 152, 255, -9, -11}
SURVIVED = {0, 5, 33, 35}


def function_defs(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and "__mutmut_" in node.name}


def differences(a, b, path: tuple = ()):
    """Where two trees differ: the chain of (original node, mutant node, field) above
    each difference."""
    if type(a) is not type(b):
        yield (*path, (a, b, None))
    elif isinstance(a, ast.AST):
        for name in a._fields:
            if name in ("name", "type_comment"):
                continue  # the mutant's function has its own name
            yield from differences(getattr(a, name), getattr(b, name), (*path, (a, b, name)))
    elif isinstance(a, list):
        if len(a) != len(b):  # an argument dropped: the first one missing
            i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False))
                      if ast.dump(x) != ast.dump(y)),
                     min(len(a), len(b)))
            longer = a if len(a) > len(b) else b
            yield (*path, (longer[i], None, None))
        else:
            for x, y in zip(a, b, strict=True):
                yield from differences(x, y, path)
    elif a != b:
        yield path


def call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def is_wording(path: tuple) -> bool:
    """A string constant's text changed, and the string only goes into a phrase."""
    original, mutant, _ = path[-1] if path else (None, None, None)
    if not (isinstance(original, ast.Constant) and isinstance(mutant, ast.Constant)
            and isinstance(original.value, str) and isinstance(mutant.value, str)):
        return False
    for node, _, field in reversed(path[:-1]):
        if isinstance(node, ast.Call):
            if call_name(node) in WORDING_CALLS and field in ("args", "keywords"):
                return True
            if call_name(node) in ("join", "format") and field in ("func", "args"):
                continue  # a separator, or the parts of a phrase
            return False
        if isinstance(node, ast.Attribute) and node.attr in ("join", "format"):
            continue
        if isinstance(node, ast.IfExp) and field != "test":
            continue
        if not isinstance(node, PASS_THROUGH):
            return False
    return False


def is_trace(path: tuple) -> bool:
    for node, _, field in path:
        if isinstance(node, ast.Call) and (
                call_name(node) in TRACE_CALLS
                or (isinstance(node.func, ast.Attribute)
                    and getattr(node.func.value, "id", "") in LOGGERS)):
            return True
        if isinstance(node, ast.keyword) and node.arg in TRACE_KEYWORDS:
            return True
        if isinstance(node, ast.Assign) and field == "value" and any(
                getattr(t, "id", "") in WHY_NAMES for t in node.targets):
            return True
    return False


def kind_of(original: ast.AST, mutant: ast.AST) -> tuple[str, str]:
    """(wording | trace | logic, the changed statement before -> after)."""
    paths = list(differences(original, mutant))
    if not paths:
        return "logic", "(no change found)"
    # the smallest expression (or statement) that differs, both sides
    changed = next(((a, b) for a, b, _ in reversed(paths[0])
                    if isinstance(a, ast.expr | ast.stmt) and isinstance(b, ast.expr | ast.stmt)
                    and ast.dump(a) != ast.dump(b)), (original, mutant))
    change = f"{_one_line(changed[0])}  ->  {_one_line(changed[1])}"
    if all(is_trace(p) for p in paths):
        return "trace", change
    if all(is_wording(p) for p in paths):
        return "wording", change
    return "logic", change


def _one_line(node: ast.AST | None) -> str:
    text = ast.unparse(node).splitlines()[0] if node is not None else "(removed)"
    return text if len(text) <= 110 else text[:107] + "..."


def listed_survivors() -> set[str]:
    if not SURVIVORS.exists():
        return set()
    return set(re.findall(r"app\.[\w.ǁ]+__mutmut_\d+", SURVIVORS.read_text()))


def module_report(path: str, listed: set[str]) -> tuple[Counter, list[str]]:
    meta = json.loads((MUTANTS / f"{path}.meta").read_text())
    defs = function_defs(ast.parse((MUTANTS / path).read_text()))
    counts: Counter = Counter()
    unexplained = []
    for key, code in sorted(meta["exit_code_by_key"].items()):
        name = key.rsplit(".", 1)[1]
        original = defs.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
        kind, change = kind_of(original, defs[name]) if original else ("logic", "?")
        status = ("killed" if code in KILLED else "survived" if code in SURVIVED
                  else "unchecked")
        if kind == "logic" and status == "survived" and key in listed:
            status = "equivalent"
        counts[kind, status] += 1
        if kind == "logic" and status == "survived":
            unexplained.append(f"  {key}: {change}")
    return counts, unexplained


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    listed = listed_survivors()
    total: Counter = Counter()
    unexplained: list[str] = []
    print(f"{'module':32} {'logic killed':>14} {'%':>6} {'equivalent':>11} "
          f"{'wording':>9} {'trace':>7}")
    for path in module_paths(config["only_mutate"]):
        if not (MUTANTS / f"{path}.meta").exists():
            print(f"{path:32} not run")
            continue
        counts, missed = module_report(path, listed)
        if not any(status != "unchecked" for _, status in counts):
            print(f"{path:32} not run")
            continue
        total.update(counts)
        unexplained += missed
        print(row(path, counts))
    print(row("all", total))
    if unexplained:
        print(f"\nlogic mutants that survived and are not in {SURVIVORS.relative_to(ROOT)}:")
        print("\n".join(unexplained))
    logic = checked(total, "logic")
    return 0 if logic and total["logic", "killed"] / logic >= LOGIC_TARGET else 1


def module_paths(patterns: list[str]) -> list[str]:
    """only_mutate's entries, a glob such as app/flow/nodes/*.py spelled out per file."""
    return [str(found.relative_to(ROOT)) for pattern in patterns
            for found in (sorted(ROOT.glob(pattern)) if "*" in pattern else [ROOT / pattern])]


def checked(counts: Counter, kind: str) -> int:
    return sum(n for (k, status), n in counts.items() if k == kind and status != "unchecked")


def row(name: str, counts: Counter) -> str:
    logic = checked(counts, "logic")
    killed = counts["logic", "killed"]
    share = f"{100 * killed / logic:.1f}" if logic else "-"

    def of(kind: str) -> str:
        return f"{counts[kind, 'killed']}/{checked(counts, kind)}"

    unchecked = sum(n for (_, status), n in counts.items() if status == "unchecked")
    return (f"{name:32} {f'{killed}/{logic}':>14} {share:>6} "
            f"{counts['logic', 'equivalent']:>11} {of('wording'):>9} {of('trace'):>7}"
            + (f"  ({unchecked} not run)" if unchecked else ""))


if __name__ == "__main__":
    sys.exit(main())
