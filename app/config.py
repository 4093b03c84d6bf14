"""One configuration, read from the environment (README.md, "Configuration", lists the
variables; their names are a contract with deployments, so they never change)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")  # made and kept in instance/ when unset
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # default: SQLite in instance/
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")  # where the provider reaches us
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN")  # made locally when unset
    TWILIO_PHONE_NUMBER = os.environ.get("TWILIO_PHONE_NUMBER", "+15005550006")
    TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE")  # only to aim at a local fake API
    # The browser softphone's access tokens: an API key and its secret (Console, API keys)
    TWILIO_API_KEY = os.environ.get("TWILIO_API_KEY")
    TWILIO_API_SECRET = os.environ.get("TWILIO_API_SECRET")
    TWILIO_TWIML_APP_SID = os.environ.get("TWILIO_TWIML_APP_SID")  # optional: outgoing calls
    LINK_MAX_AGE_S = int(os.environ.get("HOLDLINE_LINK_MAX_AGE_S", 24 * 3600))
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")  # /metrics answers 403 while unset
    # The wallboard's and holdline_service_level_ratio's "answered within" threshold
    SERVICE_LEVEL_S = int(os.environ.get("HOLDLINE_SERVICE_LEVEL_S", 20))
    QUEUE_HOURS = os.environ.get("HOLDLINE_QUEUE_HOURS", "")  # "general=08:00-20:00,..."
    CENTRE_TIMEZONE = os.environ.get("HOLDLINE_TIMEZONE", "UTC")
    # Internal hosts/networks the HTTP lookup may reach ("billing.internal,10.1.0.0/16").
    LOOKUP_ALLOW = os.environ.get("HOLDLINE_LOOKUP_ALLOW", "")
    # Login limit counters: a `limits` storage URI (redis://, memcached://); default the DB.
    RATELIMIT_STORAGE = os.environ.get("HOLDLINE_RATELIMIT_STORAGE") or None
    # Reverse proxies in front of us whose X-Forwarded-For/-Proto we believe (0: none).
    TRUSTED_PROXIES = int(os.environ.get("HOLDLINE_TRUSTED_PROXIES", 0))
    MAX_CONTENT_LENGTH = 64 * 1024  # no real webhook comes close
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = (os.environ["SESSION_COOKIE_SECURE"] == "1"
                             if "SESSION_COOKIE_SECURE" in os.environ else None)
    REMEMBER_COOKIE_HTTPONLY = True
    DEFAULT_QUEUE = "general"  # where a caller goes when anything breaks
    # Dialled instead of the queue when the database is down (agents' consoles need it).
    FALLBACK_NUMBER = os.environ.get("HOLDLINE_FALLBACK_NUMBER") or None
    MODELS_DIR = os.environ.get("HOLDLINE_MODELS_DIR", str(REPO_ROOT / "models"))
    AUDIO_DIR = os.environ.get("HOLDLINE_AUDIO_DIR", str(REPO_ROOT / "audio"))
    # The demo's synthesised music: tunes per genre and seconds each (10 x 186 s: a
    # 30-minute wait hears no repeat). Tests make a short library instead.
    DEMO_PIECES = int(os.environ.get("HOLDLINE_DEMO_PIECES", 10))
    DEMO_PIECE_S = float(os.environ.get("HOLDLINE_DEMO_PIECE_S", 186))
    # Built-in speech: recognizers a process runs at once; beyond it, provider speech.
    MAX_RECOGNIZERS = int(os.environ.get("HOLDLINE_MAX_RECOGNIZERS", 8))
    # Unanswered callbacks: how many dials in all, and how long between them.
    CALLBACK_ATTEMPTS = int(os.environ.get("HOLDLINE_CALLBACK_ATTEMPTS", 3))
    CALLBACK_RETRY_S = int(os.environ.get("HOLDLINE_CALLBACK_RETRY_S", 300))
    # Push routing: seconds an agent has to accept an offered caller; after-call wrap-up
    # for queues that set none of their own (app/agents/models.py QueueRouting).
    AGENT_OFFER_S = int(os.environ.get("HOLDLINE_AGENT_OFFER_S", 20))
    WRAP_UP_S = int(os.environ.get("HOLDLINE_WRAP_UP_S", 30))
    # An agent whose console has not been seen for this long is gone (closed the page):
    # made away, and a caller they took whose softphone never rang goes back in line.
    AGENT_GONE_S = int(os.environ.get("HOLDLINE_AGENT_GONE_S", 15))
    # Live pages (app/live.py): a stream's check interval, its length before the browser
    # reconnects, and the streams one gunicorn worker serves (of its 32 threads) before
    # pages poll instead.
    LIVE_TICK_S = 1.0
    LIVE_STREAM_S = int(os.environ.get("HOLDLINE_LIVE_STREAM_S", 55))
    LIVE_STREAMS_PER_WORKER = int(os.environ.get("HOLDLINE_LIVE_STREAMS_PER_WORKER", 8))
    # Closed or nobody available: offer a voicemail next to the callback ("0" to not).
    UNANSWERED_VOICEMAIL = os.environ.get("HOLDLINE_UNANSWERED_VOICEMAIL", "1") == "1"
    # Background jobs (app/jobs.py): Redis for several machines, else SQLite in instance/.
    JOBS_URL = os.environ.get("HOLDLINE_JOBS_URL") or None
    JOBS_DB = os.environ.get("HOLDLINE_JOBS_DB") or None
    JOBS_IMMEDIATE = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("HOLDLINE_TEST_DATABASE_URL", "sqlite://")
    PUBLIC_BASE_URL = "https://ivr.example.test"
    TWILIO_ACCOUNT_SID = None
    TWILIO_AUTH_TOKEN = "test-auth-token"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = True
    JOBS_IMMEDIATE = True  # jobs run inline; tests of the job runner turn this off


class ConfigError(ValueError):
    """A setting the server cannot run with: create_app refuses to start, saying why."""


def check(config: dict) -> None:
    """Refuse at start-up what would otherwise fail on a caller's webhook."""
    from .flow.parts import known_timezone
    from .hours.rules import HoursError, read_default

    try:
        read_default(config.get("QUEUE_HOURS") or "")
    except HoursError as exc:
        raise ConfigError(f"HOLDLINE_QUEUE_HOURS is not valid: {exc}") from None
    try:
        known_timezone(config.get("CENTRE_TIMEZONE") or "UTC")
    except ValueError as exc:
        raise ConfigError(f"HOLDLINE_TIMEZONE: {exc}") from None
