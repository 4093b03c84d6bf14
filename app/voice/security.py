"""Webhook signatures, checked by the provider's adapter against the public URL the
provider used."""

from __future__ import annotations

import logging
from functools import wraps

from flask import abort, request

from .. import providers
from ..urls import public_base

log = logging.getLogger(__name__)


def auth_token() -> str:
    """The secret the provider signs with (made locally once when none is set)."""
    return providers.current().secret()


def public_url() -> str:
    """The URL as the provider saw it: behind a proxy the Host header lies."""
    query = request.query_string.decode("latin-1")
    return public_base() + request.path + (f"?{query}" if query else "")


def signature_valid() -> bool:
    form = request.form.to_dict() if request.method == "POST" else {}
    return providers.current().is_signed(public_url(), form, request.headers)


def socket_signed() -> bool:
    """A stream upgrade is signed over the wss:// URL we gave the provider."""
    https = public_url()
    return providers.current().is_signed_socket(
        ("wss://" + https.split("://", 1)[1], https), request.headers)


def provider_signed(view):
    """Refuse (403) any request the provider did not sign."""

    @wraps(view)
    def checked(*args, **kwargs):
        if not signature_valid():
            log.warning("refused unsigned or wrongly signed request to %s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return checked
