"""Login limits: per (username, address), and a higher ceiling per address.

Counted with the `limits` library's fixed-window strategy. Each attempt is counted before
its password is checked, in one atomic increment, so parallel guesses cannot slip between
a check and a write. The counters live where every worker sees them:
HOLDLINE_RATELIMIT_STORAGE names a `limits` storage (redis://..., memcached://...); by
default they are rows in the app's own database. `limits` has no SQL storage and its
memory storage is per process, so the default is a small one: an upsert on PostgreSQL and
SQLite alike, which every gunicorn worker (and every machine on PostgreSQL) shares.
"""

from __future__ import annotations

import time

from flask import current_app
from limits import RateLimitItemPerMinute
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ..models import db
from .models import RateCounter

WINDOW_MINUTES = 15
PER_ACCOUNT = RateLimitItemPerMinute(5, WINDOW_MINUTES)  # guesses at one user, one address
PER_ADDRESS = RateLimitItemPerMinute(100, WINDOW_MINUTES)  # all users behind one address


class DatabaseStorage(Storage):
    """A `limits` storage in the app's database (RateCounter rows)."""

    STORAGE_SCHEME = ["holdline+database"]

    @property
    def base_exceptions(self) -> type[Exception]:
        return Exception

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateCounter.__table__
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        stale = table.c.expires_at <= now
        insert = dialect.insert(table).values(key=key, count=amount, expires_at=now + expiry)
        upsert = insert.on_conflict_do_update(index_elements=[table.c.key], set_={
            "count": case((stale, amount), else_=table.c.count + amount),
            "expires_at": case((stale, now + expiry), else_=table.c.expires_at),
        }).returning(table.c.count)
        with db.engine.begin() as connection:  # its own transaction: counted at once
            return connection.execute(upsert).scalar_one()

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.count if row and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(RateCounter)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(RateCounter).where(RateCounter.key == key))
            connection.execute(delete(RateCounter).where(RateCounter.expires_at <= time.time()))

    def _row(self, key: str):
        with db.engine.connect() as connection:
            return connection.execute(select(RateCounter.count, RateCounter.expires_at).where(
                RateCounter.key == key)).first()


def _limiter() -> FixedWindowRateLimiter:
    """One limiter per app (a storage may hold a connection pool)."""
    limiter = current_app.extensions.get("holdline_login_limiter")
    if limiter is None:
        uri = current_app.config.get("RATELIMIT_STORAGE")
        limiter = FixedWindowRateLimiter(storage_from_string(uri) if uri else DatabaseStorage())
        current_app.extensions["holdline_login_limiter"] = limiter
    return limiter


def admit(username: str, address: str) -> bool:
    """Count one login attempt; False when it is over either limit (then no password is
    checked at all, so a flood of guesses checks at most the limit)."""
    limiter = _limiter()
    return (limiter.hit(PER_ADDRESS, "login-address", address)
            and limiter.hit(PER_ACCOUNT, "login-account", username.lower(), address))


def succeeded(username: str, address: str) -> None:
    """The right password: that account's count from that address starts again."""
    limiter = _limiter()
    limiter.storage.clear(PER_ACCOUNT.key_for("login-account", username.lower(), address))
