"""Operator-app fixtures: a signed-in operator and the CSRF token of a page."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from


@pytest.fixture
def operator(client, make_user, login):
    make_user("olive", "operator")
    login("olive")
    return client


@pytest.fixture
def token(client):
    """The CSRF token the signed-in session gets on any admin page."""

    def fetch(path: str = "/admin/") -> str:
        return csrf_from(client.get(path).get_data(as_text=True))

    return fetch


@pytest.fixture
def library(app, tmp_path):
    """The audio library in a scratch folder, not the repository's audio/."""
    app.config["AUDIO_DIR"] = str(tmp_path / "audio")
    return tmp_path / "audio" / "library"
