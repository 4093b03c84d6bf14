"""The wallboard page, its live stream and the JSON a page without one polls, all from
rows.current_board()."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from .. import live
from ..agents import heartbeat
from ..auth import role_required
from .figures import AgentFigures, Board, QueueFigures
from .rows import current_board

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.get("/")
@role_required("supervisor")
def wallboard():
    return render_template("supervisor/wallboard.html", board=as_json(current_board()))


@bp.get("/board.json")
@role_required("supervisor")
def board_json():
    return jsonify(as_json(current_board()))


@bp.get("/live")
@role_required("supervisor")
def live_stream():
    """The wallboard's Server-Sent Events: the board, sent when a figure on it changed."""
    return live.stream(board_state)


def board_state() -> dict:
    heartbeat.tick()  # the board shows agents' states: keep them current
    return as_json(current_board())


def as_json(board: Board) -> dict:
    """The board's figures, and each row's cells as the page shows them: the page renders
    the same texts, and the script rewrites only the cells whose text changed."""
    return {
        "threshold_s": board.threshold_s,
        "queues": [{"key": q.queue, "cells": queue_cells(q), "queue": q.queue,
                    "waiting": q.waiting, "longest_wait_s": q.longest_wait_s,
                    "service_level": q.service_level,
                    "service_level_1h": q.last_hour.service_level, "answered": q.answered,
                    "abandoned": q.abandoned, "callbacks_pending": q.callbacks_pending}
                   for q in board.queues],
        "agents": [{"key": str(a.key), "cells": agent_cells(a), "name": a.name,
                    "state": a.state, "in_state_s": a.in_state_s} for a in board.agents],
    }


def queue_cells(q: QueueFigures) -> list[str]:
    return [q.queue, str(q.waiting), duration(q.longest_wait_s) if q.waiting else "none waiting",
            percent(q.service_level), percent(q.last_hour.service_level), str(q.answered),
            str(q.abandoned), str(q.callbacks_pending)]


def percent(level: float | None) -> str:
    return "none ended" if level is None else f"{level:.0%}"


def agent_cells(a: AgentFigures) -> list[str]:
    return [a.name, a.state, "not known" if a.in_state_s is None else duration(a.in_state_s)]


def duration(s: int) -> str:
    """12 s, 4 min 05 s, 1 h 02 min: a wallboard is read from across the room."""
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"
