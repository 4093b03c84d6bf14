"""Telephony providers behind one port (port.py). The app asks `current()` for the
adapter and speaks only neutral events and actions to it."""

from __future__ import annotations

from types import ModuleType

from flask import current_app

from . import twilio

ADAPTERS: dict[str, ModuleType] = {"twilio": twilio}
DEFAULT = "twilio"


def current():
    """The adapter this deployment talks to (TELEPHONY_PROVIDER; Twilio by default)."""
    return ADAPTERS[current_app.config.get("TELEPHONY_PROVIDER", DEFAULT)]


def default():
    """The adapter where no app is at hand (benchmarks of the stream protocol)."""
    return ADAPTERS[DEFAULT]
