"""Alembic environment: the app's models are the target; the URL comes from the app."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from app.models import db
import app.auth.models  # noqa: F401  (every model module, so autogenerate sees them)
import app.hold.models  # noqa: F401
import app.selfservice.models  # noqa: F401
import app.agents.models  # noqa: F401
import app.hours.models  # noqa: F401

config = context.config
target_metadata = db.metadata


def url() -> str:
    explicit = config.get_main_option("sqlalchemy.url")
    if explicit:
        return explicit
    from app import create_app

    return create_app().config["SQLALCHEMY_DATABASE_URI"]


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = engine_from_config({"sqlalchemy.url": url()}, prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as conn:
        _migrate(conn)


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
