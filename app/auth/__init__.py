"""Accounts for the web apps: operators and admins under /admin, agents under /agent,
supervisors (and admins) under /supervisor.

Hashed passwords, login with CSRF, attempts rate-limited per account and address, sessions
revoked server-side at logout, roles checked on every route, and an audit log of changes.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user, login_required

from ..models import db
from .models import AuditEntry, User

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"

ROLES = ("admin", "operator", "agent", "supervisor")


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions; a request without the cookie (every provider
    webhook) gets its empty session without the signer being built first."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user a session cookie names, if that cookie was not revoked since."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 12):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or generation != str(user.session_generation or 0):
        return None
    return user


def role_required(*roles: str):
    """Login, then one of the roles (admins may do everything)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def checked(*args, **kwargs):
            if current_user.role != "admin" and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorate


def audit(action: str, target: str = "", **detail) -> None:
    """Who changed what, and when (committed with the change itself)."""
    who = current_user.username if current_user.is_authenticated else "system"
    db.session.add(AuditEntry(username=who, action=action, target=target, detail=detail))
