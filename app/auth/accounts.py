"""Creating and changing accounts, with the rules the users page and `flask users create`
share: each refused value is named by its field, and nothing is saved until all pass."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from .. import menus
from ..agents.models import AgentProfile
from ..models import db
from . import ROLES
from .models import User

MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")  # what the login form can type back
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164, as the provider dials it


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class AccountError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"use at least {MIN_PASSWORD} characters"
    return None


def rights_problems(role: str, lines: Collection[str], known: Collection[str]) -> list[Problem]:
    """A role we have, lines that exist; an admin has every line, so lists none."""
    problems = []
    if role not in ROLES:
        problems.append(Problem("role", f"{role or 'nothing'} is not one of "
                                        f"{', '.join(ROLES)}"))
    if unknown := sorted(set(lines) - set(known)):
        problems.append(Problem("lines", f"no line named {', '.join(unknown)}"))
    if role == "admin" and lines:
        problems.append(Problem("lines", "admins have every line: leave the lines empty"))
    return problems


def new_account_problems(username: str, role: str, lines: Collection[str], password: str,
                         known: Collection[str], phone: str = "") -> list[Problem]:
    problems = []
    if not username:
        problems.append(Problem("username", "a username is needed"))
    elif not USERNAME.match(username):
        problems.append(Problem("username", "use letters, digits and . _ @ - (at most 80)"))
    elif db.session.scalar(select(User.id).where(User.username == username)):
        problems.append(Problem("username", f"{username} exists already"))
    problems += rights_problems(role, lines, known)
    if problem := password_problem(password):
        problems.append(Problem("password", problem))
    if role == "agent" and not PHONE.match(phone):
        problems.append(Problem("phone", "agents need a phone to ring, in E.164 form "
                                         "(+15551234567)"))
    return problems


def answered_queues(lines: Collection[str]) -> list[str]:
    """The queues an agent of these lines answers: the server's default queue (where a
    caller lands when anything breaks) and every queue their lines' published menus name;
    no line chosen is every line."""
    by_line = menus.published_queues()
    chosen = lines or by_line.keys()
    return sorted({current_app.config["DEFAULT_QUEUE"],
                   *(queue for line in chosen for queue in by_line.get(line, ()))})


def create(username: str, role: str, lines: list[str], password: str,
           known: Collection[str], phone: str = "") -> User:
    """A new account; an agent gets the profile the console rings, answering the queues
    of their lines."""
    if problems := new_account_problems(username, role, lines, password, known, phone):
        raise AccountError(problems)
    user = User(username=username, role=role, lines=sorted(lines))
    user.set_password(password)
    db.session.add(user)
    if role == "agent":
        db.session.add(AgentProfile(user=user, phone=phone, skills=answered_queues(lines)))
    return user


def change_rights(user: User, role: str, lines: list[str], known: Collection[str],
                  by: User) -> None:
    """New role and lines; the user's next request reads them (the session loader reads
    the account on every request), so no session needs to end."""
    problems = rights_problems(role, lines, known)
    if user.id == by.id and user.role == "admin" and role != "admin":
        problems.append(Problem("role", "you cannot take away your own admin role: "
                                        "another admin can"))
    if role == "agent" and user.role != "agent" and not has_profile(user):
        problems.append(Problem("role", "an agent needs a phone to ring: create the agent's "
                                        "account with its phone"))
    if problems:
        raise AccountError(problems)
    if role == "agent" and sorted(lines) != sorted(user.lines or []) and (
            profile := agent_profile(user)) is not None:
        profile.skills = answered_queues(lines)  # other lines: their queues instead
    user.role, user.lines = role, sorted(lines)


def agent_profile(user: User) -> AgentProfile | None:
    return db.session.scalar(select(AgentProfile).where(AgentProfile.user_id == user.id))


def has_profile(user: User) -> bool:
    return agent_profile(user) is not None


def set_active(user: User, active: bool, by: User) -> None:
    """A disabled account's sessions end at once (the loader refuses inactive accounts);
    enabling it again does not bring the old cookies back."""
    if user.id == by.id and not active:
        raise AccountError([Problem("active", "you cannot disable your own account")])
    user.active = active
    user.revoke_sessions()
