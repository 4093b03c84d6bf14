"""Ids past what a database column holds are a 404 (or the page's default), never a 500."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from

BIG = "99999999999999999999"
MENU = "/admin/menus/northwind-main"


def test_hold_audio_with_a_huge_segment_id_is_not_found(client):
    """Unauthenticated, so anyone could turn it into a stream of 500s."""
    assert client.get(f"/voice/hold-audio/{BIG}/a.wav").status_code == 404
    assert client.get("/voice/hold-audio/2147483648/a.wav").status_code == 404


@pytest.mark.parametrize("method, path", [
    ("get", f"{MENU}/versions/{BIG}"),
    ("post", f"{MENU}/versions/{BIG}/test"),
    ("post", f"{MENU}/versions/{BIG}/publish"),
    ("post", f"/admin/numbers/{BIG}/delete"),
    ("get", f"/admin/content/quiz/{BIG}"),
    ("post", f"/admin/content/quiz/{BIG}/active"),
])
def test_operator_routes_with_huge_ids_are_not_found(operator, token, method, path):
    response = getattr(operator, method)(path, data={"csrf_token": token()})
    assert response.status_code == 404


@pytest.mark.parametrize("path", [f"{MENU}/edit?from={BIG}", f"{MENU}/diff?a={BIG}&b=1",
                                  f"{MENU}/nodes/main/edit?from={BIG}"])
def test_huge_version_numbers_in_the_query_are_not_a_crash(operator, path):
    assert operator.get(path).status_code in (200, 404)


def test_agent_routes_with_huge_ids_are_not_found(client, make_user, login, app):
    from app.agents.models import AgentProfile
    from app.models import db

    andy = make_user("andy", "agent")
    db.session.add(AgentProfile(user=andy, phone="+15551110000", skills=["general"]))
    db.session.commit()
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    for path in (f"/agent/take/call/{BIG}", f"/agent/assignment/{BIG}"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    assert client.get(f"/agent/assignment/{BIG}").status_code == 404
