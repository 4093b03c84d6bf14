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
