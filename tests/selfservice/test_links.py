"""Signed, expiring link tokens."""

from __future__ import annotations

import time

import pytest

from app.selfservice.links import (
    LinkClaims,
    LinkError,
    LinkExpired,
    LinkInvalid,
    make_token,
    new_link_id,
    read_token,
)

SECRET = "test-secret"


def test_round_trip_carries_link_phone_and_call() -> None:
    token = make_token(SECRET, "L1", "+15551234567", "CA123")
    claims = read_token(SECRET, token, max_age_s=60)
    assert isinstance(claims, LinkClaims)
    assert (claims.link_id, claims.phone, claims.call_sid) == ("L1", "+15551234567", "CA123")
    assert claims.issued_at.tzinfo is not None
    assert abs(claims.issued_at.timestamp() - time.time()) < 5


def test_token_is_url_safe() -> None:
    token = make_token(SECRET, new_link_id(), "+15551234567", "CA123")
    assert all(ch.isalnum() or ch in "-_." for ch in token)


def test_link_ids_are_unguessable() -> None:
    ids = {new_link_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(link_id) >= 21 for link_id in ids)


def test_expired_token() -> None:
    token = make_token(SECRET, "L1", "+15551234567", "CA123")
    time.sleep(1.1)
    with pytest.raises(LinkExpired) as expired:
        read_token(SECRET, token, max_age_s=0)
    assert expired.value.issued_at is not None


def test_other_secret_is_invalid() -> None:
    token = make_token(SECRET, "L1", "+15551234567", "CA123")
    with pytest.raises(LinkInvalid):
        read_token("another-secret", token, max_age_s=60)


def test_salt_separates_links_from_other_signed_data() -> None:
    from itsdangerous import URLSafeTimedSerializer

    other = URLSafeTimedSerializer(SECRET, salt="something-else").dumps(
        {"l": "L1", "p": "+1", "c": "CA"})
    with pytest.raises(LinkInvalid):
        read_token(SECRET, other, max_age_s=60)


def _flip(token: str, index: int) -> str:
    ch = token[index]
    return token[:index] + ("A" if ch != "A" else "B") + token[index + 1:]


@pytest.mark.parametrize("where", ["payload", "timestamp", "signature"])
def test_tampered_token_is_invalid(where: str) -> None:
    token = make_token(SECRET, "L1", "+15551234567", "CA123")
    payload, stamp, _sig = token.split(".")
    index = {"payload": 3, "timestamp": len(payload) + 2, "signature": len(token) - 3}[where]
    with pytest.raises(LinkInvalid):
        read_token(SECRET, _flip(token, index), max_age_s=60)


@pytest.mark.parametrize("junk", ["", "abc", "a.b.c", "....", "x" * 5000, "é.é.é"])
def test_junk_is_invalid(junk: str) -> None:
    with pytest.raises(LinkInvalid):
        read_token(SECRET, junk, max_age_s=60)


def test_expired_tampered_token_is_invalid_not_expired() -> None:
    token = make_token(SECRET, "L1", "+15551234567", "CA123")
    time.sleep(1.1)
    with pytest.raises(LinkInvalid):
        read_token(SECRET, _flip(token, 3), max_age_s=0)


def test_one_exception_family() -> None:
    assert issubclass(LinkExpired, LinkError) and issubclass(LinkInvalid, LinkError)
    assert not issubclass(LinkExpired, LinkInvalid)


def test_secret_rotation_accepts_old_tokens() -> None:
    token = make_token("old-secret", "L1", "+1", "CA1")
    assert read_token(["old-secret", "new-secret"], token, max_age_s=60).link_id == "L1"
    newer = make_token(["old-secret", "new-secret"], "L2", "+1", "CA1")
    with pytest.raises(LinkInvalid):
        read_token("old-secret", newer, max_age_s=60)


@pytest.mark.parametrize("secret", ["", [], [""]])
def test_secret_is_required(secret: object) -> None:
    with pytest.raises(ValueError):
        make_token(secret, "L1", "+1", "CA1")  # type: ignore[arg-type]


def test_link_id_is_required() -> None:
    with pytest.raises(ValueError):
        make_token(SECRET, "", "+1", "CA1")
