"""Lines: a menu and its settings, answering the numbers routed to it. A line is named by
its menu's name; what it owns outside the menu (hold channels, quiz questions) carries
that name, and its queues are its own unless its settings share them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from flask import current_app
from pydantic import TypeAdapter, ValidationError

from .flow.actions import Action
from .flow.errors import MenuError
from .flow.schema import Menu as MenuDef

KEY_LENGTH = 40  # the queue columns of calls, hold sessions and callbacks
SEPARATOR = "."  # not allowed in a queue's name, so a key cannot be mistaken for a name


def queue_key(line: str, queue: str, shared: Iterable[str] = ()) -> str:
    """The one name a line's queue has outside its menu: the provider's queue, agents'
    skills, hours, metrics, hold sessions. `line.queue`, or the bare name when the line
    shares it. The server's default queue is always shared: a caller lands there when
    anything breaks, before any line is known."""
    if queue in shared or queue == current_app.config["DEFAULT_QUEUE"]:
        return queue
    return f"{line}{SEPARATOR}{queue}"


def menu_queue_key(menu: MenuDef, queue: str) -> str:
    return queue_key(menu.name, queue, menu.settings.shared_queues)


def qualified(menu: MenuDef, actions: Iterable[Action]) -> list[Action]:
    """The engine's actions with every queue they name (an enqueue, a recording, an
    effect asking about a queue) named by its key: the menu knows bare names."""
    return [keyed(menu, action) for action in actions]


def keyed(menu: MenuDef, action: Action) -> Action:
    queue = getattr(action, "queue", None)
    if not isinstance(queue, str):
        return action
    named: Any = action  # each action that has a queue is a dataclass with that field
    return dataclasses.replace(named, queue=menu_queue_key(menu, queue))


# A line is named by its menu's name: a line id is checked by the menu's own rule.
LINE_ID = TypeAdapter(Annotated[str, *MenuDef.model_fields["name"].metadata])


def line_id_problem(name: str) -> str | None:
    """Why `name` cannot name a line (None: it can), as the menu's `name` would be told."""
    try:
        LINE_ID.validate_python(name)
    except ValidationError:
        return (f"{name!r} is not a line id: up to 60 lowercase letters, digits, - and _ "
                "(the name its menu will have)")
    return None


def display_name(menu: MenuDef | None) -> str:
    """What callers, texts and form pages call the line."""
    if menu is not None and menu.settings.display_name:
        return menu.settings.display_name
    return current_app.config.get("BUSINESS_NAME") or (menu.name if menu else "Holdline")


# -- queues that collide across lines ------------------------------------------------------
def queue_names(menu: MenuDef) -> Iterator[tuple[str, str]]:
    """(node id, queue name) of every node that hands callers to a queue."""
    for node_id, node in menu.nodes.items():
        queue = getattr(node, "queue", None)
        if isinstance(queue, str):
            yield node_id, queue


def queue_problems(menu: MenuDef, others: Iterable[MenuDef]) -> list[MenuError]:
    """Keys too long to store, and a queue name one line shares while another keeps it
    as its own: callers would wait where neither line's agents expect them."""
    problems = [MenuError(node_id, "queue", f"the queue's name on this server, "
                          f"{menu_queue_key(menu, queue)!r}, is longer than {KEY_LENGTH} "
                          "characters: shorten the queue's or the menu's name")
                for node_id, queue in queue_names(menu)
                if len(menu_queue_key(menu, queue)) > KEY_LENGTH]
    for other in others:
        problems += disagreements(menu, other)
    return problems


def disagreements(menu: MenuDef, other: MenuDef) -> Iterator[MenuError]:
    """One field per name this line and the other disagree on sharing."""
    theirs = {queue: menu_queue_key(other, queue) == queue for _, queue in queue_names(other)}
    for index, queue in enumerate(menu.settings.shared_queues):
        if theirs.get(queue) is False:
            yield MenuError(None, f"settings.shared_queues.{index}", (
                f"{queue!r} is a queue of line {other.name!r} that it does not share: "
                "share it there too, or give this line's queue another name"))
    for node_id, queue in queue_names(menu):
        if theirs.get(queue) and menu_queue_key(menu, queue) != queue:
            yield MenuError(node_id, "queue", (
                f"line {other.name!r} shares a queue {queue!r}: add it to "
                "settings.shared_queues to join it, or name this line's queue otherwise"))
