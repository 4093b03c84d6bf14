"""Security headers on every response (Flask-Talisman).

No inline script or style anywhere (pages keep their data in data attributes and JSON
blocks), so the policy allows only our own files: an injected <script> cannot run, and
no other site may frame a page (clickjacking the take-a-caller button). HSTS is sent when
the request came over https; Talisman never redirects, webhooks and local runs speak http.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from flask_talisman import Talisman

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The Voice SDK's own endpoints, allowed only on the pages that run the softphone: its
# signalling socket (the default "roaming" edge), call-quality events, and its ringtones.
SOFTPHONE_HOSTS = "wss://voice-js.roaming.twilio.com https://eventgw.twilio.com " \
                  "https://sdk.twilio.com"
SOFTPHONE_CSP = {**CSP, "connect-src": f"'self' {SOFTPHONE_HOSTS}",
                 "media-src": "'self' https://sdk.twilio.com"}

View = TypeVar("View", bound=Callable[..., Any])


def softphone_policy(view: View) -> View:
    """This page may reach the softphone's hosts. Talisman reads a view's own options from
    this attribute (what its @talisman(...) decorator sets), which needs no instance here."""
    view.talisman_view_options = {"content_security_policy": SOFTPHONE_CSP}  # type: ignore[attr-defined]
    return view


def secure_headers(app: Flask) -> None:
    Talisman(app, content_security_policy=CSP, frame_options="DENY", force_https=False,
             strict_transport_security=True, referrer_policy="same-origin",
             # Other hosts of the domain are not ours to pin to https.
             strict_transport_security_include_subdomains=False,
             # The session cookie's flags stay as the config sets them (http in dev).
             session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
             session_cookie_http_only=True)
