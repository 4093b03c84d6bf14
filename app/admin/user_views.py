"""Accounts, for admins: who may sign in, with which role and on which lines. Rules in
app/auth/accounts.py; a refused form names its fields and saves nothing; every change
is audited."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ..agents.models import AgentProfile
from ..auth import ROLES, accounts, audit, role_required
from ..auth.models import User
from ..models import db
from .line_filter import known_lines
from .views import bp, done


def account(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def answered(user: User) -> dict:
    """An agent's queues, for the audit: saving their lines changes them too."""
    profile = accounts.agent_profile(user)
    return {"queues": list(profile.skills or [])} if profile is not None else {}


def posted_lines() -> list[str]:
    return sorted({line.strip() for line in request.form.getlist("lines") if line.strip()})


def render_users(problems=(), posted=None, editing: int | None = None, status: int = 200):
    users = db.session.scalars(select(User).order_by(User.username)).all()
    answers = dict(db.session.execute(select(AgentProfile.user_id, AgentProfile.skills)).all())
    return render_template("admin/users.html", users=users, roles=ROLES, lines=known_lines(),
                           answers=answers,
                           problems=problems, posted=posted or {}, editing=editing,
                           min_password=accounts.MIN_PASSWORD), status


@bp.get("/users")
@role_required("admin")
def users():
    return render_users()


@bp.post("/users")
@role_required("admin")
def create_user():
    form = {"username": request.form.get("username", "").strip(),
            "role": request.form.get("role", ""), "lines": posted_lines(),
            "phone": request.form.get("phone", "").strip().replace(" ", "")}
    try:
        user = accounts.create(**form, password=request.form.get("password", ""),
                               known=known_lines())
    except accounts.AccountError as exc:
        return render_users(exc.problems, form, status=422)
    db.session.flush()  # the agent's profile, to read its queues
    audit("user.create", user.username, role=user.role, lines=user.lines, **answered(user))
    return done(f"Created {user.username} ({user.role}).", "admin.users")


@bp.post("/users/<int:user_id>")
@role_required("admin")
def change_user(user_id: int):
    user = account(user_id)
    before = {"role": user.role, "lines": list(user.lines or []), **answered(user)}
    role, lines = request.form.get("role", ""), posted_lines()
    try:
        accounts.change_rights(user, role, lines, known_lines(), current_user)
    except accounts.AccountError as exc:
        db.session.rollback()
        return render_users(exc.problems, {"role": role, "lines": lines}, user_id, 422)
    audit("user.rights", user.username, before=before, role=user.role, lines=user.lines,
          **answered(user))
    return done(f"Saved {user.username}: {user.role}, "
                f"{', '.join(user.lines) or 'every line'}. It applies from their next page.",
                "admin.users")


@bp.post("/users/<int:user_id>/active")
@role_required("admin")
def activate_user(user_id: int):
    user = account(user_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(user, active, current_user)
    except accounts.AccountError as exc:
        return render_users(exc.problems, status=422)
    audit("user.enable" if active else "user.disable", user.username)
    return done(f"{user.username} {'may sign in again' if active else 'is disabled'}.",
                "admin.users")
