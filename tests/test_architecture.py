"""The shape of app/: no import cycles, and no layer imports one above it.

Every import counts, also those inside functions or under TYPE_CHECKING, so a lazy
import cannot hide a cycle. Read from the source with the standard library's ast.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

APP = Path(__file__).parent.parent / "app"

# Bottom to top; a module may import its own layer or a lower one. The most specific
# prefix decides. The factory (the package `app` itself) sits above everything.
LAYERS = {
    "core": ("app.flow", "app.events", "app.hold.plan", "app.phone", "app.operator_yaml",
             "app.hold.kinds", "app.providers.port", "app.hours.rules", "app.hours.spoken"),
    "foundation": ("app.config", "app.models", "app.ids", "app.urls", "app.instance",
                   "app.event_log", "app.call_rows", "app.system_tools", "app.apology",
                   "app.headers", "app.process_cache",
                   "app.lookups", "app.migrate", "app.auth.models", "app.agents.models",
                   "app.hold.models", "app.selfservice.models", "app.hours.models",
                   "app.providers"),  # the adapters: provider words in, neutral ones out
    "services": ("app.telephony", "app.menus", "app.lines", "app.selfservice", "app.hold",
                 "app.hours", "app.speech", "app.agents", "app.auth", "app.analytics",
                 "app.doctor", "app.supervisor"),
    "application": ("app.calls", "app.demo"),
    "edges": ("app.voice", "app.admin", "app.agents.views", "app.agents.softphone_views",
              "app.agents.controls_views", "app.live",
              "app.selfservice.views", "app.auth.views", "app.supervisor.views", "app.cli",
              "app.jobs", "app.simulator", "app.stale_calls",
              "app.providers.twilio.simulator", "app.providers.twilio.stream_caller",
              "app.speech.caller"),
}
ORDER = [*LAYERS, "factory"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in APP.rglob("*.py")}


def imported(name: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The app modules one import statement loads (a package's module, else the package)."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parts, base] if base else parts)
        targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base
                   for alias in node.names]
    found = []
    for target in targets:
        while target and target not in modules():
            target = target.rpartition(".")[0]
        if target and target != name:
            found.append(target)
    return found


@cache
def graph() -> dict[str, frozenset[str]]:
    edges = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(), str(path))
        edges[name] = frozenset(target for node in ast.walk(tree)
                                if isinstance(node, ast.Import | ast.ImportFrom)
                                for target in imported(name, path, node))
    return edges


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            if group:
                found.append(sorted([node, *group]))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def layer(name: str) -> str:
    if name == "app":
        return "factory"
    matches = [(len(prefix), layer) for layer, prefixes in LAYERS.items()
               for prefix in prefixes if name == prefix or name.startswith(prefix + ".")]
    assert matches, f"{name} is in no layer: add it to LAYERS in {__file__}"
    return max(matches)[1]


def test_the_graph_is_read_from_every_module():
    edges = graph()
    assert len(edges) > 100
    assert "app.calls.session" in edges["app.voice.views"]  # a plain relative import
    assert "app.models" in edges["app.hold.service"]


def test_the_cycle_finder_finds_a_cycle_through_a_lazy_import():
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}),
             "d": frozenset({"a"})}
    assert cycles(edges) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from .calls import session\n")
    lazy = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    assert imported("app.menus", APP / "menus.py", lazy) == ["app.calls.session"]


def test_no_import_cycles():
    assert cycles(graph()) == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_imports_a_layer_above_its_own(name):
    mine = ORDER.index(layer(name))
    upward = sorted(target for target in graph()[name] if ORDER.index(layer(target)) > mine)
    assert not upward, f"{name} ({layer(name)}) imports {upward}"


def test_the_core_imports_nothing_but_the_core():
    core = [name for name in modules() if layer(name) == "core"]
    assert {"app.flow.engine", "app.events", "app.hold.plan"} <= set(core)
    for name in core:
        assert {layer(target) for target in graph()[name]} <= {"core"}, name


def written_kinds() -> set[str]:
    """Event kinds given as literals where the log is written: note("…"), Trace("…"),
    record_event(call, "…")."""
    kinds = set()
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            at = {"note": 0, "Trace": 0, "record_event": 1}.get(name)
            if at is not None and len(node.args) > at and isinstance(
                    node.args[at], ast.Constant) and isinstance(node.args[at].value, str):
                kinds.add(node.args[at].value)
    return kinds


def test_every_event_kind_written_is_an_event_kind():
    from app.events import EventKind

    kinds = written_kinds()
    assert {"handoff", "hold_joined", "stale_turn"} <= kinds  # the three ways are read
    assert kinds - set(EventKind) == set()


def literals(node: ast.expr) -> set[str]:
    """The strings an argument can be: a constant, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return literals(node.body) | literals(node.orelse)
    return set()


def test_every_hand_off_reason_written_is_a_handoff_reason():
    from app.events import HandoffReason

    reasons = set()
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                at = {"hand_off": 0, "Enqueue": 1}.get(name)
                if at is not None and len(node.args) > at:
                    reasons |= literals(node.args[at])
    assert {"asked for a person", "lookup failed", "call replayed"} <= reasons
    assert reasons - set(HandoffReason) == set()
