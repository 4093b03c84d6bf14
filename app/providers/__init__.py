"""Telephony providers behind one port (port.py). The app asks `current()` for the
adapter and speaks only neutral events and actions to it."""

from __future__ import annotations

from flask import current_app

from . import twilio
from .port import Provider

ADAPTERS: dict[str, Provider] = {"twilio": twilio}  # each adapter module implements the port
DEFAULT = "twilio"


def current() -> Provider:
    """The adapter this deployment talks to (TELEPHONY_PROVIDER; Twilio by default)."""
    return ADAPTERS[current_app.config.get("TELEPHONY_PROVIDER", DEFAULT)]


def default() -> Provider:
    """The adapter where no app is at hand (benchmarks of the stream protocol)."""
    return ADAPTERS[DEFAULT]
