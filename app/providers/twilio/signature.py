"""X-Twilio-Signature: checked on every webhook and on the media stream's upgrade."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from functools import lru_cache

from flask import current_app
from twilio.request_validator import RequestValidator

from ...instance import kept_secret
from ..port import Form, Headers

HEADER = "X-Twilio-Signature"


def secret() -> str:
    """TWILIO_AUTH_TOKEN, or a local token made once and kept in instance/ (the local
    simulator signs with it)."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if token:
        return token
    token = kept_secret(current_app.instance_path, "local_auth_token", 16)
    current_app.config["TWILIO_AUTH_TOKEN"] = token
    return token


@lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def is_signed(url: str, form: Form, headers: Headers) -> bool:
    """Signed over the URL Twilio used (the public one, not our Host) and the form. The URL
    as we have it is checked first (one HMAC); the library's full check, which also tries
    the URL with and without its port, only when that fails."""
    signature = headers.get(HEADER, "")
    if not signature:
        return False
    check, params = _validator(secret()), dict(form)
    return hmac.compare_digest(check.compute_signature(url, params), signature) \
        or check.validate(url, params, signature)


def is_signed_socket(urls: Sequence[str], headers: Headers) -> bool:
    """A stream upgrade carries no form; Twilio signs the wss:// URL (or its https twin)."""
    signature = headers.get(HEADER, "")
    validator = RequestValidator(secret())
    return bool(signature) and any(validator.validate(u, {}, signature) for u in urls)


def sign(url: str, form: Form, secret: str) -> dict[str, str]:
    """The header Twilio would send with this request: for the simulator and tests."""
    return {HEADER: RequestValidator(secret).compute_signature(url, dict(form))}
