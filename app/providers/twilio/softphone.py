"""The browser softphone: an access token with a Voice grant for the Twilio Voice
JavaScript SDK, and the address an outbound call rings that browser at."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

CLIENT_PREFIX = "client:"  # a REST call "to" this rings the SDK Device registered as identity


def browser_token(config: Mapping[str, Any], identity: str, ttl_s: int) -> str | None:
    """A signed token that lets the browser registered as `identity` receive calls; None
    while the account, API key or its secret is not configured."""
    account, key, secret = (config.get(name) for name in (
        "TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET"))
    if not (account and key and secret):
        return None
    token = AccessToken(account, key, secret, identity=identity, ttl=ttl_s)
    # Outgoing calls need the TwiML app; agents only receive, so it stays optional.
    token.add_grant(VoiceGrant(incoming_allow=True,
                               outgoing_application_sid=config.get("TWILIO_TWIML_APP_SID")))
    return token.to_jwt()


def browser_address(identity: str) -> str:
    return CLIENT_PREFIX + identity
