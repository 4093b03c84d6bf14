"""Fixtures for the agent tests: agents with a phone and queues."""

from __future__ import annotations

import pytest

from app.agents.models import AgentProfile
from app.models import db


@pytest.fixture
def agent(make_user):
    def create(name: str = "andy", phone: str = "+15550007777", skills=("general",)):
        user = make_user(name, "agent")
        profile = AgentProfile(user=user, phone=phone, skills=list(skills))
        db.session.add(profile)
        db.session.commit()
        return profile

    return create
