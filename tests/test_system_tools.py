"""The list of system tools (app/system_tools.py) is the truth: every program the code
runs is on it, every tool on it is used, and a missing one is named in one line."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app import system_tools

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for folder in ("app", "tests", "bench") for p in (ROOT / folder).rglob("*.py")]
RUNNERS = {"run", "Popen", "check_output", "check_call", "call"}
OWN_PYTHON = "own-python"  # the venv's interpreter and entry points, not a system tool


class Programs(ast.NodeVisitor):
    """The program each subprocess call in one file runs, resolved from literals,
    system_tools.path("x"), names bound to those, and parameters passed by callers."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree, self.found, self.unresolved = tree, [], []
        self.functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr in RUNNERS
                and isinstance(func.value, ast.Name) and func.value.id == "subprocess"):
            scope = self.enclosing(node)
            program = self.first(node.args[0], scope) if node.args else None
            (self.found if program else self.unresolved).append(program or node.lineno)
        self.generic_visit(node)

    def enclosing(self, node: ast.AST) -> ast.AST:
        for function in self.functions.values():
            if function.lineno <= node.lineno <= function.end_lineno:
                return function
        return self.tree

    def first(self, node: ast.AST, scope: ast.AST) -> str | None:
        """The program an argv expression starts with."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.List | ast.Tuple) and node.elts:
            return self.first(node.elts[0], scope)
        if isinstance(node, ast.Starred | ast.BinOp):
            return self.first(node.value if isinstance(node, ast.Starred) else node.left, scope)
        if isinstance(node, ast.Call) and _name(node.func) == "path" and node.args:
            return self.first(node.args[0], scope)
        if isinstance(node, ast.Call) and _name(node.func) == "str" and node.args:
            return OWN_PYTHON if "venv" in ast.unparse(node.args[0]) else None
        if isinstance(node, ast.Attribute) and ast.unparse(node) == "sys.executable":
            return OWN_PYTHON
        if isinstance(node, ast.Name):
            return self.bound(node.id, scope)
        return None

    def bound(self, name: str, scope: ast.AST) -> str | None:
        for assign in ast.walk(scope):
            if isinstance(assign, ast.Assign):
                for target in assign.targets:
                    value = _value_for(target, assign.value, name)
                    if value is not None:
                        return self.first(value, scope)
        if isinstance(scope, ast.FunctionDef):
            if name in [a.arg for a in scope.args.args]:
                return self.passed(scope, [a.arg for a in scope.args.args].index(name))
            return self.bound(name, self.tree)
        return None

    def passed(self, function: ast.FunctionDef, index: int) -> str | None:
        """A parameter: every caller in the file must pass a resolvable program."""
        params = [a.arg for a in function.args.args]
        if params[:1] in (["self"], ["cls"]):
            index -= 1  # called as self.run(...): the instance is not among the arguments
        calls = [c for c in ast.walk(self.tree) if isinstance(c, ast.Call)
                 and _name(c.func) == function.name and len(c.args) > index
                 and not ast.unparse(c.func).startswith("subprocess.")]
        programs = {self.first(c.args[index], self.enclosing(c)) for c in calls}
        if not programs or None in programs:
            return None
        first, *others = sorted(programs)
        self.found.extend(others)  # one wrapper may run several tools
        return first


def _name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _value_for(target: ast.AST, value: ast.AST, name: str) -> ast.AST | None:
    if isinstance(target, ast.Name) and target.id == name:
        return value
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
        for t, v in zip(target.elts, value.elts, strict=False):
            if isinstance(t, ast.Name) and t.id == name:
                return v
    return None


def programs_run() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for source in SOURCES:
        finder = Programs(ast.parse(source.read_text()))
        finder.visit(finder.tree)
        where = str(source.relative_to(ROOT))
        assert not finder.unresolved, (
            f"{where}: subprocess call(s) at line(s) {finder.unresolved} run a program this "
            "test cannot name: start the argv with a tool's name or system_tools.path(name)")
        for program in finder.found:
            used.setdefault(program, set()).add(where)
    return used


def test_every_program_the_code_runs_is_on_the_list():
    used = programs_run()
    strays = {p: sorted(w) for p, w in used.items() if p not in system_tools.TOOLS
              and p != OWN_PYTHON}
    assert not strays, f"add these to app/system_tools.py (make installs them): {strays}"
    assert {"ffmpeg", "ffprobe", "espeak-ng"} <= used.keys()


def test_every_tool_on_the_list_is_used():
    listing = {ROOT / "app" / "system_tools.py", Path(__file__).resolve()}
    code = "\n".join(p.read_text() for p in SOURCES if p not in listing)
    shell = (ROOT / "tests" / "postgres.sh").read_text()
    for name in system_tools.TOOLS:
        assert f'"{name}"' in code or re.search(rf"\b{name}\b", shell), f"{name} is unused"


def test_a_missing_tool_is_one_line_naming_its_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(system_tools, "EXTRA_DIRS", "/nonexistent/*")
    with pytest.raises(FileNotFoundError) as raised:
        system_tools.path("espeak-ng")
    assert "apt-get install espeak-ng" in str(raised.value)
    result = subprocess.run([sys.executable, str(ROOT / "app" / "system_tools.py"), "check",
                             "run"], capture_output=True, text=True,
                            env={"PATH": "/nonexistent"})
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert [line.split()[1] for line in lines] == ["ffmpeg", "ffprobe", "espeak-ng", "bash"]
    assert all(line.startswith("missing: ") and "apt-get install" in line for line in lines)


def test_everything_make_test_needs_is_here():
    assert system_tools.missing("test") == [], "make test installs these: run it, or make doctor"


def test_a_skip_fails_the_run_unless_it_is_the_english_model(pytester):
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makepyfile(test_skips="""
        import pytest

        def test_tool_missing():
            raise pytest.skip.Exception("ffmpeg is not installed")

        @pytest.mark.skipif(True, reason="no English Vosk model in models/")
        def test_english():
            pass
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*skipped, which only*ffmpeg is not installed*"])


@pytest.mark.parametrize("uid, has_apt, says", [
    ("0", False, "This machine has no apt-get: install them with its package manager"),
    ("1000", True, "Install them as root: apt-get install espeak-ng ffmpeg"),
])
def test_without_apt_or_root_the_install_step_is_one_line(tmp_path, uid, has_apt, says):
    """scripts/system-tools.sh on a machine where the tools are missing and cannot be
    installed: it names the packages once and stops, with nothing half-done."""
    (tmp_path / "python3").symlink_to(sys.executable)
    (tmp_path / "bash").symlink_to(system_tools.path("bash"))
    (tmp_path / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (tmp_path / "id").chmod(0o755)
    if has_apt:
        (tmp_path / "apt-get").write_text("#!/bin/sh\necho apt-get must not run >&2\nexit 9\n")
        (tmp_path / "apt-get").chmod(0o755)
    script = str(ROOT / "scripts" / "system-tools.sh")
    result = subprocess.run([system_tools.path("bash"), script, "run"], cwd=ROOT,
                            capture_output=True, text=True, env={"PATH": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Missing system packages: espeak-ng ffmpeg. {says}" + (
            ", then run make again." if not has_apt else "")]
