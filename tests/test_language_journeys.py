"""Whole calls in Korean and the returning-caller notice, through the real webhooks.

The demo's Korean branch is heard by Vosk on our own servers (its live tests are in
tests/speech); here the same branch is published with the provider's recogniser, which
hears Korean too, so the in-process simulator can speak it turn by turn."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from app import menus
from app.agents import service as agents
from app.hold.models import HoldSession
from app.models import Call, Message, db, utcnow
from app.simulator import press, say
from tests.conftest import csrf_from

DEMO = Path(__file__).parent.parent / "app/demo/menus/northwind.yaml"
CALLER = "+15559990000"
MARIA = "+15551230001"
HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.fixture
def korean(app):
    definition = yaml.safe_load(DEMO.read_text())
    for node in definition["nodes"].values():
        if node.get("language") == "ko-KR":
            node.pop("recognizer", None)
    menus.save_version(definition, publish=True)
    db.session.commit()


def after_korean_chosen(t) -> list[str]:
    """What the caller heard once they pressed 9, minus stage directions like [plays …]."""
    lines = t.lines[[text for _, text in t.lines].index("[presses 9]"):]
    return [text for who, text in lines if who == "IVR" and not text.startswith("[")]


def english_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if not HANGUL.search(line)]


def texts_to(number: str) -> list[Message]:
    return db.session.scalars(select(Message).where(Message.to_number == number)
                              .order_by(Message.id)).all()


def test_korean_billing_text_form_and_goodbye_have_no_english(simulate, client, korean):
    t = simulate([press("9"), say("요금 확인")])
    heard = after_korean_chosen(t)
    assert english_lines(heard) == []
    assert heard[-1] == "전화 주셔서 감사합니다. 안녕히 계세요." and t.ended_by == "hangup"
    [text] = texts_to(CALLER)
    assert re.fullmatch(r"Northwind Energy: 요금 납부: https://\S+ \(24시간 동안 유효한 링크\)",
                        text.body)
    path = re.search(r"https://ivr\.example\.test(/s/\S+)", text.body).group(1)
    page = client.get(path).get_data(as_text=True)
    assert '<html lang="ko">' in page and "납부 금액" in page and ">계속<" in page
    token = csrf_from(page)
    refused = client.post(path, data={"csrf_token": token}).get_data(as_text=True)
    assert "납부 금액을(를) 입력해 주세요." in refused and "항목을 선택해 주세요." in refused
    assert "Please" not in refused
    done = client.post(path, data={"csrf_token": token, "amount": "20", "method": "card"})
    assert "감사합니다. 잘 받았으며 확인 문자를 보내 드렸습니다." in done.get_data(as_text=True)
    assert texts_to(CALLER)[-1].body.startswith("감사합니다. 체크카드 또는 신용카드(으)로 $20.00")


def test_korean_confirm_then_a_person_then_korean_hold_and_callback(simulate, korean):
    t = simulate([press("9"), say("정전 요금 확인"), say("아니요, 요금 말고"), say("상담원"),
                  press("6"), press("1")], wait_loops=3)
    heard = after_korean_chosen(t)
    assert english_lines(heard) == []
    assert any(line.startswith("요금 관련 도움을 원하셨나요?") for line in heard)
    assert "알겠습니다. 다시 해 보겠습니다." in heard
    assert "상담원을 연결해 드리겠습니다." in heard  # the Korean queue node, not the English one
    assert "대기 순서는 세 번째입니다. 예상 대기 시간은 약 3~5분입니다." in heard
    choices = next(line for line in heard if line.startswith("기다리시는 동안"))
    assert "재즈은(는) 1번을 누르세요." in choices and "jazz" not in choices  # shipped content
    assert any(line.startswith("감사합니다. 순서가 되면 다시 전화드리겠습니다.") for line in heard)
    call = db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))
    assert call.queue == "general" and call.handoff_reason == "asked for a person"


def test_korean_voicemail_prompt_and_thanks(simulate, signed, korean):
    t = simulate([press("9"), say("음성 메시지")])
    assert after_korean_chosen(t)[-1].startswith("삐 소리가 나면 메시지를 남겨 주세요.")
    record = t.responses[-1].find("Record")
    thanks = signed("/voice/recorded?" + record.get("action").split("?", 1)[1],
                    {"CallSid": t.call_sid, "RecordingDuration": "4"})
    assert "감사합니다. 메시지가 저장되었습니다." in thanks.get_data(as_text=True)


def test_korean_prompts_carry_the_korean_voice(simulate, korean):
    t = simulate([press("9"), say("요금 확인")])
    says = [s for doc in t.responses for s in doc.iter("Say") if HANGUL.search(s.text or "")]
    assert says and all((s.get("language"), s.get("voice")) == ("ko-KR", "Polly.Seoyeon")
                        for s in says)


def start_service(simulate):
    return simulate([say("I need to start new service")])


def test_the_returning_caller_notice_follows_the_greeting_once_per_link(simulate):
    start_service(simulate)
    second = simulate([press("0")])
    said = second.said()
    notice = next(i for i, line in enumerate(said) if "We texted you a link to start service"
                  in line)
    assert said[0].startswith("Hello") and notice == 1  # after the greeting, before the menu
    assert said[notice + 1].startswith("In a few words")
    third = simulate([press("0")])
    assert "We texted you a link" not in third.ivr_text
    call = db.session.scalar(select(Call).where(Call.call_sid == third.call_sid))
    assert call.handoff_reason == "self-service could not help"  # the link is still known


def test_the_whisper_speaks_human(simulate):
    t = simulate([say("I want to pay my bill"), press("0")], caller=MARIA, wait_loops=1)
    call = db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    session.joined_at, session.ended_at = utcnow() - timedelta(seconds=70), None
    whisper = agents.whisper(call)
    assert "paying your bill" in whisper  # the intent label the operator wrote
    assert "was texted the Pay your bill link" in whisper and "pay_bill" not in whisper
    assert "waited 1 minute." in whisper
    session.joined_at = utcnow() - timedelta(seconds=130)
    assert "waited 2 minutes." in agents.whisper(call)


def test_a_broken_link_page_speaks_the_browsers_language(client):
    korean = client.get("/s/not-a-real-token", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    page = korean.get_data(as_text=True)
    assert korean.status_code == 404 and '<html lang="ko">' in page
    assert "이 링크는 사용할 수 없습니다" in page
    english = client.get("/s/not-a-real-token").get_data(as_text=True)
    assert "This link doesn't work" in html.unescape(english)


CLINIC = {  # a Spanish-only line: every system phrase, the person command and hold in Spanish
    "name": "clinica", "start": "main",
    "settings": {"person": "agente", "language": "es-US", "voices": {"es-US": "Polly.Lupe"}},
    "nodes": {
        "main": {"type": "menu", "prompt": "Diga cita para paciente nuevo, o urgencia.",
                 "options": [{"key": "1", "intent": "una cita para paciente nuevo",
                              "phrases": ["cita paciente nuevo"], "go": "cita"},
                             {"key": "2", "intent": "una urgencia", "phrases": ["urgencia"],
                              "go": "agente"}]},
        "cita": {"type": "hangup", "prompt": "Le enviaremos su cita por mensaje. Adiós."},
        "agente": {"type": "queue", "queue": "general", "prompt": "Le comunico."},
    },
}


@pytest.fixture
def clinic(app):
    from app.demo.hold_seed import CHANNELS, QUESTIONS, seed_line_hold

    menus.save_version(CLINIC, publish=True)
    menus.route_number("+15005550777", "clinica")
    # its own hold: the demo's channels under keys of its own (keys are unique)
    seed_line_hold("clinica", [(f"clinica-{key}", *rest) for key, *rest in CHANNELS],
                   QUESTIONS)
    db.session.commit()


def test_spanish_confirm_is_answered_with_si(simulate, clinic):
    t = simulate([say("quiero una cita nueva"), say("sí")], dialled="+15005550777")
    assert t.said()[1] == ("¿Quería ayuda con una cita para paciente nuevo? Diga sí u "
                           "oprima 1, o diga no u oprima 2.")
    assert t.said()[-1] == "Le enviaremos su cita por mensaje. Adiós."


def test_spanish_person_command_and_hold_are_spanish(simulate, clinic):
    t = simulate([say("quiero hablar con un agente")], dialled="+15005550777")
    assert t.ended_by == "queue" and "Le comunico." in t.said()
    assert any(line.startswith("Usted es el tercero en la fila, aproximadamente de tres a "
                               "cinco minutos.") for line in t.said())
    assert any(line.startswith("Mientras espera: Para jazz, oprima 1. Para música clásica")
               for line in t.said())
    assert not any(english in t.ivr_text for english in ("in line", "While you wait", "press"))
