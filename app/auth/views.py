"""Login and logout, with CSRF (Flask-WTF) and a rate limit on failed attempts."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, or_, select

from ..models import db, utcnow
from . import audit
from .models import LoginAttempt, User

bp = Blueprint("auth", __name__, template_folder="templates")
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
HOME = {"agent": "agents.console", "operator": "admin.index", "admin": "admin.index"}


def too_many_failures(username: str, address: str) -> bool:
    since = utcnow() - WINDOW
    count = db.session.scalar(select(func.count(LoginAttempt.id)).where(
        LoginAttempt.at >= since,
        or_(LoginAttempt.username == username, LoginAttempt.address == address)))
    return count >= MAX_FAILURES


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
    if too_many_failures(username, address):
        return render_template("auth/login.html", error="Too many attempts. Try again in "
                               "15 minutes.", username=username), 429
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(request.form.get("password", "")):
        db.session.add(LoginAttempt(username=username, address=address))
        db.session.commit()
        return render_template("auth/login.html", error="Wrong username or password.",
                               username=username), 401
    login_user(user)
    audit("login", user.username)
    db.session.commit()
    return redirect(safe_next(request.args.get("next")) or home_for(user))


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        audit("logout", current_user.username)
        db.session.commit()
    logout_user()
    flash("Signed out.")
    return redirect(url_for("auth.login"))
