"""Hold instructions come from the one renderer: a Korean caller's hold questions listen
in Korean and speak with the menu's Korean voice (the old hold renderer set neither on
the Gather)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app import menus
from app.models import db
from app.simulator import press, say

DEMO = Path(__file__).parents[3] / "app/demo/menus/northwind.yaml"


@pytest.fixture
def korean(app):
    definition = yaml.safe_load(DEMO.read_text())
    for node in definition["nodes"].values():
        if node.get("language") == "ko-KR":
            node.pop("recognizer", None)  # provider speech, so the simulator runs in process
    menus.save_version(definition, publish=True)
    db.session.commit()


def test_a_korean_callers_hold_questions_listen_and_speak_in_korean(simulate, korean):
    t = simulate([press("9"), say("상담원")], wait_loops=2)
    hold_gathers = [g for doc in t.responses for g in doc.iter("Gather")
                    if "/voice/hold-input" in g.get("action", "")]
    assert hold_gathers, t
    for gather in hold_gathers:
        assert gather.get("language") == "ko-KR"
        says = list(gather.iter("Say"))
        assert says and {(s.get("language"), s.get("voice")) for s in says} == {
            ("ko-KR", "Polly.Seoyeon")}
