"""`flask routing`: a queue's priority and wrap-up time, read by every worker at once."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..models import db
from .models import QueueRouting
from .presence import wrap_up_s

routing_cli = AppGroup("routing", help="Push routing: queue priority and wrap-up time.")


@routing_cli.command("queue")
@click.argument("queue")
@click.option("--priority", type=int, help="Higher is offered first among an agent's queues.")
@click.option("--wrap-up-s", type=click.IntRange(0, 3600),
              help="After-call work in seconds (0: available at once).")
def set_queue(queue: str, priority: int | None, wrap_up_s: int | None) -> None:
    """Set a queue's routing (its name as calls carry it, e.g. general)."""
    row = db.session.get(QueueRouting, queue) or QueueRouting(queue=queue, priority=0)
    if priority is not None:
        row.priority = priority
    if wrap_up_s is not None:
        row.wrap_up_s = wrap_up_s
    db.session.add(row)
    db.session.commit()
    click.echo(_described(row))


@routing_cli.command("show")
def show() -> None:
    """Every queue with routing of its own."""
    rows = db.session.scalars(select(QueueRouting).order_by(QueueRouting.queue)).all()
    click.echo("\n".join(_described(row) for row in rows) or "no queue has its own routing")


def _described(row: QueueRouting) -> str:
    return f"{row.queue}: priority {row.priority}, wrap-up {wrap_up_s(row.queue)} s"
