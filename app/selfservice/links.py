"""Signed, expiring, unguessable links for SMS deep links to mobile forms.

The token proves we issued the link and when; single use is enforced by the link's
database row (looked up by `link_id`). Tokens are signed, not encrypted: anyone holding
the URL can read the claims, so keep them to ids and the caller's own number.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "holdline-link"
MAX_TOKEN_CHARS = 1024  # far above a real token; refuses junk before any crypto work


class LinkError(Exception):
    """A link token cannot be honoured."""


class LinkInvalid(LinkError):
    """The token is malformed, tampered with, or signed with another key."""


class LinkExpired(LinkError):
    """The token was genuine but is older than the allowed age."""

    def __init__(self, message: str, issued_at: datetime | None = None):
        super().__init__(message)
        self.issued_at = issued_at


@dataclass(frozen=True)
class LinkClaims:
    """What a genuine token says: which link row, for which caller and call, issued when."""

    link_id: str
    phone: str
    call_sid: str
    issued_at: datetime


def new_link_id() -> str:
    """A fresh unguessable link id (128 random bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def make_token(secret: str | Sequence[str], link_id: str, phone: str, call_sid: str) -> str:
    """Sign the claims into a URL-safe token; a list of secrets signs with the last one."""
    if not link_id:
        raise ValueError("a link token needs a link id")
    return _serializer(secret).dumps({"l": link_id, "p": phone, "c": call_sid})


def read_token(secret: str | Sequence[str], token: str, max_age_s: int) -> LinkClaims:
    """Verify a token and return its claims; raises LinkExpired or LinkInvalid."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise LinkInvalid("malformed token")
    try:
        payload, signed_at = _serializer(secret).loads(token, max_age=max_age_s,
                                                       return_timestamp=True)
    except SignatureExpired as exc:  # subclass of BadSignature: must come first
        raise LinkExpired("link expired", _aware(exc.date_signed)) from None
    except BadSignature:
        raise LinkInvalid("bad signature") from None
    return _claims(payload, signed_at)


def _serializer(secret: str | Sequence[str]) -> URLSafeTimedSerializer:
    keys = [secret] if isinstance(secret, str | bytes) else list(secret)
    if not keys or not all(keys):
        raise ValueError("a link secret is required")
    return URLSafeTimedSerializer(keys, salt=SALT)


def _claims(payload: Any, signed_at: datetime) -> LinkClaims:
    """Check the signed payload's shape: only our own tokens get this far, but be strict."""
    if not isinstance(payload, dict) or not all(
            isinstance(payload.get(key), str) for key in ("l", "p", "c")) or not payload["l"]:
        raise LinkInvalid("unexpected claims")
    return LinkClaims(payload["l"], payload["p"], payload["c"], _aware(signed_at))


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
