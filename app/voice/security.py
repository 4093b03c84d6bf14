"""X-Twilio-Signature checks against the public URL the provider used."""

from __future__ import annotations

import logging
from functools import wraps

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

from ..instance import kept_secret
from ..urls import public_base

log = logging.getLogger(__name__)


def auth_token() -> str:
    """TWILIO_AUTH_TOKEN, or a local token made once and kept in instance/."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if token:
        return token
    token = kept_secret(current_app.instance_path, "local_auth_token", 16)
    current_app.config["TWILIO_AUTH_TOKEN"] = token
    return token


def public_url() -> str:
    """The URL as the provider saw it: behind a proxy the Host header lies."""
    query = request.query_string.decode("latin-1")
    return public_base() + request.path + (f"?{query}" if query else "")


def signature_valid() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form.to_dict() if request.method == "POST" else {}
    return bool(signature) and RequestValidator(auth_token()).validate(
        public_url(), params, signature)


def twilio_signed(view):
    """Refuse (403) any request the provider did not sign."""

    @wraps(view)
    def checked(*args, **kwargs):
        if not signature_valid():
            log.warning("refused unsigned or wrongly signed request to %s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return checked
