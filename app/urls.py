"""Absolute public URLs: what the provider calls back and what a texted caller opens.

Built from PUBLIC_BASE_URL (a proxy rewrites the Host header), else the request's host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, url_for


def public_base() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


def external_url(endpoint: str, **params) -> str:
    """An absolute URL under PUBLIC_BASE_URL: what the provider (or a texted caller) uses."""
    built = urlsplit(url_for(endpoint, **params))  # WebSocket rules come back absolute
    return public_base() + built.path + (f"?{built.query}" if built.query else "")
