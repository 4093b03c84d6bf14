"""X-Twilio-Signature checks against the public URL the provider used."""

from __future__ import annotations

import logging
import secrets
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from flask import abort, current_app, request, url_for
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)


def auth_token() -> str:
    """TWILIO_AUTH_TOKEN, or a local token made once and kept in instance/."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if token:
        return token
    path = Path(current_app.instance_path) / "local_auth_token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    token = path.read_text().strip()
    current_app.config["TWILIO_AUTH_TOKEN"] = token
    return token


def public_base() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


def external_url(endpoint: str, **params) -> str:
    """An absolute URL under PUBLIC_BASE_URL: what the provider (or a texted caller) uses."""
    built = urlsplit(url_for(endpoint, **params))  # WebSocket rules come back absolute
    return public_base() + built.path + (f"?{built.query}" if built.query else "")


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
