"""Login and logout, with CSRF (Flask-WTF), login limits (throttle.py) and logout that
revokes the session server-side."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..models import db
from . import audit, throttle
from .models import User

bp = Blueprint("auth", __name__, template_folder="templates")
HOME = {"agent": "agents.console", "operator": "admin.index", "admin": "admin.index",
        "supervisor": "supervisor.wallboard"}


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would turn our login into a phishing aid."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return None


def home_for(user: User) -> str:
    endpoint = HOME.get(user.role, "auth.login")
    try:
        return url_for(endpoint)
    except Exception:  # the app for that role is not installed
        return url_for("auth.login")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/login.html")
    username = request.form.get("username", "").strip()[:80]
    address = (request.remote_addr or "?")[:64]
    if not throttle.admit(username, address):
        return render_template("auth/login.html", error="Too many attempts. Try again in "
                               "15 minutes.", username=username), 429
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(request.form.get("password", "")):
        return render_template("auth/login.html", error="Wrong username or password.",
                               username=username), 401
    throttle.succeeded(username, address)
    login_user(user)
    audit("login", user.username)
    db.session.commit()
    return redirect(safe_next(request.args.get("next")) or home_for(user))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        audit("logout", current_user.username)
        current_user.revoke_sessions()  # a copy of the cookie dies with this one
        db.session.commit()
    logout_user()
    flash("Signed out.")
    return redirect(url_for("auth.login"))
