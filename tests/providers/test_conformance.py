"""The provider conformance suite: every adapter in app.providers.ADAPTERS, against its
kit (tests/providers/<name>/kit.py), in neutral words. A new adapter is done when it and
its kit pass here."""

from __future__ import annotations

import importlib
import typing
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask

from app.flow.actions import (
    Effect,
    Enqueue,
    Hangup,
    Input,
    Listen,
    NoInput,
    Play,
    Record,
    Say,
    Transfer,
)
from app.hold.plan import Ask, LeaveQueue
from app.providers import ADAPTERS
from app.providers.port import (
    CallEnded,
    CallInfo,
    DeliveryReceipt,
    DeliveryStatus,
    EdgeAction,
    FallbackNotice,
    JoinRoom,
    LegStatus,
    Malformed,
    Provider,
    ProviderError,
    QueueDone,
    QueueExit,
    QueueWait,
    RecordingReady,
    Redirect,
    StreamAudio,
    StreamDigit,
    StreamError,
    StreamMark,
    StreamStart,
    StreamStop,
    Turn,
    UnsupportedFormat,
)
from tests.providers.kit import Verb

KITS = {name: importlib.import_module(f"tests.providers.{name}.kit") for name in ADAPTERS}
BASE = "https://holdline.test"
NOT_NUMBERS = ["²", "٣", "-1", "4.5", "99999999999999999999", " 42"]


@pytest.fixture(params=sorted(KITS))
def kit(request):
    return KITS[request.param]


@pytest.fixture
def adapter(kit):
    return ADAPTERS[kit.name]


@pytest.fixture
def context(kit, tmp_path):
    """A bare Flask app holding the provider's secret: the adapter needs no more."""
    flask_app = Flask("conformance", instance_path=str(tmp_path))
    kit.configure(flask_app.config, "conformance-secret")
    with flask_app.app_context():
        yield flask_app


def url(endpoint: str, **params) -> str:
    return f"{BASE}/{endpoint}?{urlencode(params)}" if params else f"{BASE}/{endpoint}"


def query(address: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(address)
    return parts.path.strip("/"), {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_every_adapter_has_a_kit():
    assert set(KITS) == set(ADAPTERS)


def test_the_adapter_implements_the_whole_port(adapter):
    members = {n for n in vars(Provider) if not n.startswith("_")} | set(
        Provider.__annotations__)
    assert [n for n in sorted(members) if not hasattr(adapter, n)] == []


# Signatures
def test_a_signed_webhook_is_accepted_and_any_change_refused(kit, adapter, context):
    address, form = f"{BASE}/voice/incoming", kit.call_form(
        CallInfo(kit.new_call_id(), "+15551230001", "+15005550006"))
    headers = kit.signed_headers(address, form, "conformance-secret")
    assert adapter.is_signed(address, form, headers)
    assert adapter.is_signed(address, form, adapter.sign(address, form, "conformance-secret"))
    first = next(iter(form))
    assert not adapter.is_signed(address, {**form, first: form[first] + "0"}, headers)
    assert not adapter.is_signed(address + "?lang=ko-KR", form, headers)
    assert not adapter.is_signed(address, form, kit.signed_headers(address, form, "other"))
    assert not adapter.is_signed(address, form, {})


def test_a_stream_upgrade_is_signed_over_its_socket_url(kit, adapter, context):
    wss, https = "wss://holdline.test/voice/stream?turn=2", f"{BASE}/voice/stream?turn=2"
    assert adapter.is_signed_socket((wss, https), kit.signed_headers(wss, {}, "conformance-secret"))
    other = kit.signed_headers("wss://holdline.test/voice/stream?turn=3", {}, "conformance-secret")
    assert not adapter.is_signed_socket((wss, https), other)
    assert not adapter.is_signed_socket((wss, https), {})


# Inbound fields -> neutral events
def test_a_calls_fields_become_who_calls_whom(kit, adapter):
    sid = kit.new_call_id()
    info = adapter.call(kit.call_form(CallInfo(sid, "+1555\x00123\x1b0001", "+15005550006")))
    assert info == CallInfo(sid, "+15551230001", "+15005550006")  # control bytes stripped
    assert adapter.call_id_valid(sid)
    for forged in ("", sid[:-1], sid + "\n", "x" * len(sid)):
        assert not adapter.call_id_valid(forged), forged


@pytest.mark.parametrize("heard", [Input(digits="42"), Input(speech="my bill", confidence=0.5),
                                   Input(digits="1", speech="one", confidence=0.9), NoInput()])
def test_what_the_caller_pressed_or_said_becomes_input(kit, adapter, heard):
    assert adapter.caller_input(kit.input_form(heard)) == heard


def test_a_confidence_outside_zero_to_one_is_unknown(kit, adapter):
    form = kit.input_form(Input(speech="yes", confidence=0.5))
    wrong = {k: ("7" if v == "0.5" else v) for k, v in form.items()}
    assert adapter.caller_input(wrong) == Input(speech="yes", confidence=None)


def test_every_call_status_word_maps_to_ours(kit, adapter):
    for word, status in kit.CALL_STATUS_WORDS.items():
        assert adapter.call_ended(kit.ended_form(CallEnded(status, 42), word)) == \
            CallEnded(status, 42), word
        assert adapter.leg_status(kit.ended_form(CallEnded(status), word)) is status
    assert set(kit.CALL_STATUS_WORDS.values()) == set(LegStatus) - {LegStatus.UNKNOWN}
    with pytest.raises(Malformed):
        adapter.call_ended(kit.ended_form(CallEnded(LegStatus.UNKNOWN), kit.UNSENT_WORD))
    assert adapter.leg_status(kit.ended_form(CallEnded(LegStatus.UNKNOWN), kit.UNSENT_WORD)) \
        is LegStatus.UNKNOWN


@pytest.mark.parametrize("duration", NOT_NUMBERS)
def test_an_impossible_call_duration_is_malformed(kit, adapter, duration):
    with pytest.raises(Malformed):
        adapter.call_ended(kit.duration_form(duration))


def test_queue_figures_arrive_and_a_malformed_one_is_unknown(kit, adapter):
    wait = QueueWait(position=3, queue_time_s=95, average_s=240)
    assert adapter.queue_wait(kit.wait_form(wait)) == wait
    for figure in NOT_NUMBERS:
        form = {k: figure for k in kit.wait_form(wait)}
        assert adapter.queue_wait(form) == QueueWait(None, None, None), figure


def test_every_way_out_of_the_queue_maps_to_ours(kit, adapter):
    for word, exit_ in kit.QUEUE_RESULT_WORDS.items():
        assert adapter.queue_done(kit.done_form(word, 30)) == QueueDone(exit_, 30), word
    assert set(kit.QUEUE_RESULT_WORDS.values()) == set(QueueExit)
    assert adapter.queue_done({}).exit is QueueExit.FAILED  # unreported: get them a person
    assert {e for e in QueueExit if e.nobody_waiting} == set(QueueExit) - {QueueExit.FAILED}


def test_a_transfer_counts_as_answered_only_when_someone_answered(kit, adapter):
    assert adapter.dial_answered(kit.dial_form("completed"))
    for word in ("busy", "no-answer", "failed", "canceled", kit.UNSENT_WORD):
        assert not adapter.dial_answered(kit.dial_form(word)), word
    assert not adapter.dial_answered({})


def test_a_recording_arrives_with_its_url_and_length(kit, adapter):
    ready = RecordingReady("RE" + uuid.uuid4().hex, kit.recording_url("RE1"), 31, True)
    assert adapter.recording(kit.recording_form(ready)) == ready
    assert not adapter.recording(kit.recording_form(RecordingReady("RE2", "", 3, False))).complete
    for duration in NOT_NUMBERS:
        form = {**kit.recording_form(ready), **{
            k: duration for k, v in kit.recording_form(ready).items() if v == "31"}}
        with pytest.raises(Malformed):
            adapter.recording(form)


def test_every_delivery_word_maps_to_ours_and_a_receipt_needs_its_message(kit, adapter):
    for word, status in kit.MESSAGE_STATUS_WORDS.items():
        receipt = DeliveryReceipt("SM" + uuid.uuid4().hex, status, "30003")
        assert adapter.delivery(kit.delivery_form(receipt, word)) == receipt, word
    unknown = DeliveryReceipt("SM1", DeliveryStatus.UNKNOWN, None)
    assert adapter.delivery(kit.delivery_form(unknown, kit.UNSENT_WORD)) == unknown
    with pytest.raises(Malformed):
        adapter.delivery({})


def test_the_fallback_names_the_url_that_failed(kit, adapter):
    notice = FallbackNotice("11200", f"{BASE}/voice/wait?queue=billing")
    assert adapter.fallback_notice(kit.fallback_form(notice)) == notice


# Neutral actions -> the provider's instructions
HI = Say("Hello", "ko-KR", "Polly.Seoyeon")
LISTEN = Listen("main", hints=("billing",), timeout_s=4, language="ko-KR")
RENDERED = [  # (actions, turn, what the provider must be told)
    ([HI], Turn(), [Verb("say", "Hello", "ko-KR", "Polly.Seoyeon")]),
    ([Play(f"{BASE}/a.wav")], Turn(), [Verb("play", url=f"{BASE}/a.wav")]),
    ([HI, LISTEN], Turn(3), [
        Verb("listen", language="ko-KR", url=url("voice.input", turn=3, lang="ko-KR"),
             inside=(Verb("say", "Hello", "ko-KR", "Polly.Seoyeon"),)),
        Verb("redirect", url=url("voice.no_input", turn=3, lang="ko-KR"))]),
    ([HI, Play(f"{BASE}/b.wav"), Listen("main", recognizer="vosk")], Turn(4, "CALL1"), [
        Verb("play", url=f"{BASE}/b.wav"),  # the socket speaks the Say itself
        Verb("stream", url="wss://holdline.test/voice.stream?call=CALL1&turn=4",
             then=url("voice.heard", turn=4, lang="en-US"))]),
    ([Enqueue("billing", "asked")], Turn(), [
        Verb("queue", "billing", url=url("voice.wait", queue="billing"),
             then=url("voice.queue_done"))]),
    ([Transfer("+15550001111")], Turn(), [
        Verb("dial", "+15550001111", then=url("voice.dial_done"))]),
    ([Hangup()], Turn(), [Verb("hangup")]),
    ([Record("billing", 120, "ko-KR", "Polly.Seoyeon")], Turn(), [
        Verb("record", url=url("voice.recording", language="ko-KR"),
             then=url("voice.recorded", language="ko-KR", voice="Polly.Seoyeon"))]),
    ([Ask("quiz", (HI,), max_digits=1, timeout_s=6)], Turn(queue="billing"), [
        Verb("listen", language="ko-KR", digits=1,
             url=url("voice.hold_input", queue="billing", purpose="quiz"),
             inside=(Verb("say", "Hello", "ko-KR", "Polly.Seoyeon"),))]),
    ([HI, LeaveQueue(), Redirect(f"{BASE}/next")], Turn(), [
        Verb("say", "Hello", "ko-KR", "Polly.Seoyeon"), Verb("leave")]),
    ([Redirect(f"{BASE}/next")], Turn(), [Verb("redirect", url=f"{BASE}/next")]),
    ([JoinRoom("holdline-7")], Turn(), [Verb("room", "holdline-7")]),
]


@pytest.mark.parametrize("actions, turn, told", RENDERED,
                         ids=[type(a[-1]).__name__ for a, _, _ in RENDERED])
def test_each_action_is_rendered_as_the_provider_needs_it(kit, adapter, actions, turn, told):
    assert kit.read(adapter.render(actions, url, turn)) == told


def test_every_kind_of_action_has_a_rendering_test():
    effects = set(typing.get_args(Effect))  # run by the app; the result comes back as an event
    kinds = {kind for kind in typing.get_args(EdgeAction)} | {
        kind for union in typing.get_args(EdgeAction) for kind in typing.get_args(union)}
    covered = {type(action) for actions, _, _ in RENDERED for action in actions}
    assert {k for k in kinds if isinstance(k, type)} - effects <= covered


def test_a_menu_language_rides_in_the_answer_url(kit, adapter):
    """With the database down, the next webhook still knows the caller's language."""
    (listen, _) = kit.read(adapter.render([Listen("m", language="es-US")], url, Turn(1)))
    assert query(listen.url) == ("voice.input", {"turn": "1", "lang": "es-US"})


# Media streams
def test_stream_messages_become_neutral_events(kit, adapter):
    for event in (StreamStart("MZ1"), StreamAudio(b"\xff" * 160), StreamDigit("5"),
                  StreamMark("prompt-end"), StreamStop()):
        assert adapter.stream_event(kit.stream_message(event)) == event


def test_unreadable_stream_messages_and_other_audio_are_refused(kit, adapter):
    for raw in kit.UNREADABLE_STREAM_MESSAGES:
        with pytest.raises(StreamError):
            adapter.stream_event(raw)
    with pytest.raises(UnsupportedFormat):
        adapter.stream_event(kit.WRONG_AUDIO_START)


def test_our_prompt_is_played_whole_then_marked_and_can_be_cleared(kit, adapter):
    audio = bytes(range(256)) * 10
    assert kit.played(adapter.stream_play("MZ1", audio, "prompt-end")) == \
        (audio, ["prompt-end"], False)
    assert kit.played([adapter.stream_clear("MZ1")]) == (b"", [], True)


# REST, against the kit's local fake of the provider's API
def test_without_credentials_there_is_no_rest_client(kit, adapter):
    assert adapter.rest({}) is None


def test_a_call_is_placed_updated_and_looked_up(kit, adapter):
    config: dict = {}
    with kit.fake_api(config) as api:
        rest = adapter.rest(config)
        sid = rest.place_call("+15550001111", "+15005550006", f"{BASE}/agent", f"{BASE}/st")
        assert sid in api.calls and api.requests[-1][0] == "POST"
        api.calls[sid] = kit.LIVE
        assert rest.update_call(sid, f"{BASE}/join") is True
        assert rest.fetch_call(sid) == CallEnded(LegStatus.IN_PROGRESS, 125)
        api.calls[sid] = kit.ENDED
        assert rest.update_call(sid, f"{BASE}/join") is False  # the caller hung up
        assert rest.fetch_call(sid) == CallEnded(LegStatus.COMPLETED, 125)
        assert rest.update_call(kit.new_call_id(), f"{BASE}/join") is False
        assert rest.fetch_call(kit.new_call_id()) == CallEnded(LegStatus.UNKNOWN)


def test_a_provider_failure_is_an_error_not_a_gone_call(kit, adapter):
    config: dict = {}
    with kit.fake_api(config) as api:
        rest = adapter.rest(config)
        api.fail_next = True
        with pytest.raises(ProviderError):
            rest.place_call("+15550001111", "+15005550006", f"{BASE}/a", f"{BASE}/s")
        sid = rest.place_call("+15550001111", "+15005550006", f"{BASE}/a", f"{BASE}/s")
        api.calls[sid], api.fail_next = kit.LIVE, True
        with pytest.raises(ProviderError):
            rest.update_call(sid, f"{BASE}/join")
        api.fail_next = True
        assert rest.fetch_call(sid) is None  # could not say this time: asked again later
        api.fail_next = True
        with pytest.raises(ProviderError):
            rest.send_sms("+15550001111", "+15005550006", "hi", None)


def test_a_text_is_sent_and_a_recording_fetched_only_from_the_provider(kit, adapter):
    config: dict = {}
    with kit.fake_api(config) as api:
        rest = adapter.rest(config)
        message_id, status = rest.send_sms("+15550001111", "+15005550006", "Your link",
                                           f"{BASE}/sms/status")
        assert message_id and status is DeliveryStatus.QUEUED
        assert "Your link" in api.requests[-1][2].values()
        api.recording = b"RIFF-audio"
        assert rest.fetch_recording(kit.recording_url("RE1")) == b"RIFF-audio"
        sent = len(api.requests)
        assert rest.fetch_recording("https://attacker.example/RE1") is None
        assert len(api.requests) == sent  # our credentials never went there


# The browser softphone
def test_a_softphone_token_lets_only_its_identity_receive_calls_for_a_while(kit, adapter):
    assert adapter.browser_token({}, "agent-7", 3600) is None  # not configured: no token
    config: dict = {}
    kit.softphone_config(config)
    assert kit.softphone_reads(adapter.browser_token(config, "agent-7", 3600)) == \
        ("agent-7", True, 3600)


def test_an_offered_call_rings_a_browser_at_its_address(kit, adapter):
    config: dict = {}
    with kit.fake_api(config) as api:
        address = adapter.browser_address("agent-7")
        assert address != adapter.browser_address("agent-8")
        adapter.rest(config).place_call(address, "+15005550006", f"{BASE}/agent", f"{BASE}/s")
        assert address in api.requests[-1][2].values()


def test_a_local_call_leg_has_an_id_the_adapter_accepts(adapter):
    """Without credentials a call leg lives in the outbox; the simulator plays it."""
    first, second = adapter.local_call_id(), adapter.local_call_id()
    assert adapter.call_id_valid(first) and first != second
