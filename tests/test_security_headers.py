"""Security headers on every page: a CSP with no inline script, no framing, nosniff, a
referrer policy, and HSTS when served over https."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.selfservice.test_selfservice_journeys import link_path, outbox, start_service

APP = Path(__file__).resolve().parent.parent / "app"


def assert_secure(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    policy = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert policy.get("script-src") == "'self'" and "unsafe-inline" not in csp
    assert policy.get("frame-ancestors") == "'none'" and policy.get("object-src") == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_login_and_signed_in_pages(client, make_user, login):
    assert_secure(client.get("/login"))
    make_user("olive", "operator")
    login("olive")
    for path in ("/admin/", "/admin/dashboard", "/admin/dashboard.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure(response)


def test_agent_console(client, make_user, login):
    make_user("andy", "agent")
    login("andy")
    from app.agents.models import AgentProfile
    from app.auth.models import User
    from app.models import db

    andy = db.session.query(User).filter_by(username="andy").one()
    db.session.add(AgentProfile(user=andy, phone="+15551110000", skills=["general"]))
    db.session.commit()
    response = client.get("/agent/")
    assert response.status_code == 200 and 'src="/agent/static/console.js"' in response.text
    assert_secure(response)


def test_texted_form_page(simulate, client):
    start_service(simulate)
    response = client.get(link_path(outbox()[0]))
    assert response.status_code == 200
    assert_secure(response)


def test_webhooks_carry_them_harmlessly(signed):
    response = signed("/voice/incoming", {"CallSid": "CA" + "1" * 32, "From": "+15551230001",
                                          "To": "+15005550006"})
    assert response.status_code == 200 and "<Response>" in response.text
    assert_secure(response)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://ivr.example.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31556926"  # a year


@pytest.mark.parametrize("template", sorted(APP.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_has_inline_script_or_style(template: Path):
    """The policy refuses them: a page that used one would silently stop working."""
    html = template.read_text()
    inline_scripts = [tag for tag in re.findall(r"<script\b[^>]*>", html)
                      if "src=" not in tag and 'type="application/json"' not in tag]
    assert inline_scripts == []
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html)
