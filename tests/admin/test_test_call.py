"""The test-call panel runs the real engine on a version and writes no call rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.calls.script import ScriptError, parse_script
from app.flow.actions import Input, NoInput
from app.models import Call, CallEvent, db

PANEL = "/admin/menus/northwind-main/versions/1"


def run(client, token, script: str, caller: str = ""):
    return client.post(PANEL + "/test", data={"csrf_token": token(PANEL), "script": script,
                                              "caller": caller})


def test_script_lines_become_engine_events():
    assert parse_script("say: my power is out\n\npress: 1\nsilence") == [
        Input(speech="my power is out"), Input(digits="1"), NoInput()]
    with pytest.raises(ScriptError, match="line 2"):
        parse_script("press: 1\nshout: hello")


def test_panel_shows_prompts_and_path_with_real_lookups(operator, token):
    response = run(operator, token, "say: my power is out\npress: 1", caller="+15551230001")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Hello Maria, thanks for calling Northwind Energy." in page
    assert "Potrero Hill" in page  # the outage lookup ran against the data source
    path = page.split('id="test-path">')[1].split("</span>")[0]
    assert path.startswith("greeting → main → outage")
    assert db.session.scalar(select(func.count(Call.id))) == 0
    assert db.session.scalar(select(func.count(CallEvent.id))) == 0


def test_panel_shows_escalation_for_a_silent_caller(operator, token):
    page = run(operator, token, "silence\nsilence\nsilence").get_data(as_text=True)
    assert "I didn&#39;t hear anything" in page
    assert "queued for general (no input)" in page


def test_korean_lines_are_marked_korean_for_screen_readers(operator, token):
    page = run(operator, token, "press: 9\nsay: 정전").get_data(as_text=True)
    transcript = page.split('class="transcript">')[1].split("</ol>")[0]
    assert '<li class="caller"><b>CALLER</b> <span lang="ko">정전</span></li>' in transcript
    assert '<li class="caller"><b>CALLER</b> <span>[presses 9]</span></li>' in transcript
    assert '<span lang="ko">' in transcript.split("[presses 9]")[1].split("CALLER")[0]


def test_bad_script_line_is_refused(operator, token):
    response = run(operator, token, "dance: now")
    assert response.status_code == 422
    assert "write &#39;say: words&#39;" in response.get_data(as_text=True)


def test_panel_needs_csrf(operator):
    assert operator.post(PANEL + "/test", data={"script": "press: 1"}).status_code == 400


@pytest.fixture
def secret_menu(app):
    """A menu whose HTTP lookup points at an internal service holding a secret."""
    import threading
    from http.server import ThreadingHTTPServer

    from app import menus
    from tests.conftest import ProviderHandler

    class Internal(ProviderHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.reply(200, b'{"secret": "hunter2"}')

    server = ThreadingHTTPServer(("127.0.0.1", 0), Internal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    menus.save_version({
        "name": "ssrf", "start": "look", "settings": {"person": "agent"}, "nodes": {
        "look": {"type": "lookup", "result": "r", "found": "told", "not_found": "agent",
                 "http": {"url": f"http://127.0.0.1:{server.server_port}/"}},
        "told": {"type": "hangup", "prompt": "The secret is {{ r.secret }}."},
        "agent": {"type": "queue", "queue": "general"}}}, publish=True)
    db.session.commit()
    yield "/admin/menus/ssrf/versions/1"
    server.shutdown()


def test_panel_lookup_obeys_the_ssrf_guard(app, operator, token, secret_menu):
    def panel() -> str:
        return operator.post(secret_menu + "/test", data={
            "csrf_token": token(secret_menu), "script": ""}).get_data(as_text=True)

    refused = panel()
    assert "hunter2" not in refused and "is not allowed" in refused
    app.config["LOOKUP_ALLOW"] = "127.0.0.1"
    assert "The secret is hunter2." in panel()


def test_panel_texts_nothing_and_says_so(operator, token):
    """The SMS node runs through the real turn runner, but no text goes out and no link
    row is made; the panel says that nothing was texted rather than that it was."""
    from app import menus
    from app.models import Message
    from app.selfservice import form_store
    from app.selfservice.models import SmsLink
    from tests.admin.test_content_forms import WELCOME

    form_store.save("welcome_pack", WELCOME, 0, None, "texts")  # a line texts its own forms
    menus.save_version({
        "name": "texts", "start": "text", "settings": {"person": "agent"}, "nodes": {
            "text": {"type": "sms_link", "form": "welcome_pack",
                     "prompt": "I've texted you a link.", "next": "bye"},
            "bye": {"type": "hangup", "prompt": "Goodbye."},
            "agent": {"type": "queue", "queue": "general"}}}, publish=True)
    db.session.commit()
    panel = "/admin/menus/texts/versions/1"
    page = operator.post(panel + "/test", data={
        "csrf_token": token(panel), "script": "", "caller": "+15551230001"}).get_data(
        as_text=True)
    assert "Goodbye." in page  # the sent branch, as a real call would take it
    assert "nothing was texted" in page and "welcome_pack" in page
    assert db.session.scalar(select(func.count(Message.id))) == 0
    assert db.session.scalar(select(func.count(SmsLink.id))) == 0



def test_panel_names_a_lines_own_queue_as_a_real_call_would(operator, token):
    panel = "/admin/menus/brightsmile-dental/versions/1"
    page = operator.post(panel + "/test", data={"csrf_token": token(panel),
                                                "script": "press: 2"}).get_data(as_text=True)
    assert "thanks for calling Brightsmile Dental." in page
    assert "queued for brightsmile-dental.billing (billing question)" in page
