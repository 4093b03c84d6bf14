"""Run Alembic migrations from inside the app (init-demo, db-upgrade, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig

from .config import REPO_ROOT
from .models import db


def alembic_config() -> AlembicConfig:
    cfg = AlembicConfig(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    return cfg


def upgrade() -> None:
    """Bring the app's database to the newest schema (safe to run twice)."""
    cfg = alembic_config()
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
