"""The system tools Holdline runs, in one list.

The Makefile installs their Debian packages, `make doctor` names each one that is
missing, and the code finds them here; a test keeps every subprocess call in app/,
tests/ and bench/ on this list. Standard library only: the Makefile runs this file with
the system python3 before the virtualenv exists.

    python3 app/system_tools.py packages run|test|bench  # Debian packages still missing
    python3 app/system_tools.py check run|test|bench     # one line per missing tool, exit 1
    python3 app/system_tools.py path NAME           # where a tool is
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    name: str
    package: str  # the Debian package that ships it
    needed_for: str  # "run": serving the demo; "test": the test suite; "bench": benchmarks
    why: str


TOOLS = {tool.name: tool for tool in (
    Tool("ffmpeg", "ffmpeg", "run", "decodes, resamples and encodes hold audio"),
    Tool("ffprobe", "ffmpeg", "run", "reads an uploaded track's format before import"),
    Tool("espeak-ng", "espeak-ng", "run", "speaks built-in-speech prompts and demo tips"),
    Tool("bash", "bash", "run", "runs the install step and the PostgreSQL test wrapper"),
    Tool("chromium", "chromium", "test", "runs the browser tests"),
    Tool("initdb", "postgresql", "test", "makes the throwaway PostgreSQL of the tests"),
    Tool("pg_ctl", "postgresql", "test", "starts and stops that PostgreSQL"),
    Tool("createdb", "postgresql", "test", "creates the test database"),
    Tool("postgres", "postgresql", "test", "is the PostgreSQL server"),
    Tool("wrk", "wrk", "bench", "loads the server in the throughput benchmark"),
    Tool("haproxy", "haproxy", "bench", "balances the two app servers of the scale-out run"),
)}
PURPOSES = ("run", "test", "bench")  # each needs its own tools and those before it

# Debian keeps the PostgreSQL server binaries off PATH, one folder per major version.
EXTRA_DIRS = "/usr/lib/postgresql/*/bin"


class ToolMissing(FileNotFoundError):
    """A system tool is not installed; the message says which package brings it."""


def _search_path() -> str:
    versions = sorted(glob.glob(EXTRA_DIRS), key=lambda d: [int(p) for p in d.split("/")
                                                            if p.isdigit()], reverse=True)
    return os.pathsep.join([os.environ.get("PATH", os.defpath), *versions])


def find(name: str) -> str | None:
    """The tool's path, or None when it is not installed."""
    if name not in TOOLS:
        raise KeyError(f"{name} is not on the list of system tools (app/system_tools.py)")
    return shutil.which(name, path=_search_path())


def path(name: str) -> str:
    """The tool's path; a missing tool is a ToolMissing that says how to install it."""
    found = find(name)
    if found is None:
        raise ToolMissing(missing_line(TOOLS[name]))
    return found


def missing_line(tool: Tool) -> str:
    return (f"{tool.name} is not installed (it {tool.why}): run make, or "
            f"apt-get install {tool.package}")


def needed(purpose: str) -> list[Tool]:
    """The tools `make run` ("run"), `make test` ("test") or `make bench` ("bench") needs."""
    wanted = PURPOSES[:PURPOSES.index(purpose) + 1]
    return [tool for tool in TOOLS.values() if tool.needed_for in wanted]


def missing(purpose: str) -> list[Tool]:
    return [tool for tool in needed(purpose) if find(tool.name) is None]


def main(argv: list[str]) -> int:
    verb, arg = (argv + ["", ""])[:2]
    if verb == "packages":
        print(" ".join(sorted({tool.package for tool in missing(arg or "test")})))
        return 0
    if verb == "check":
        absent = missing(arg or "test")
        for tool in absent:
            print("missing: " + missing_line(tool), file=sys.stderr)
        return 1 if absent else 0
    if verb == "path" and arg in TOOLS:
        found = find(arg)
        print(found or missing_line(TOOLS[arg]), file=sys.stdout if found else sys.stderr)
        return 0 if found else 1
    print("\n".join(__doc__.strip().splitlines()[-3:]), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
