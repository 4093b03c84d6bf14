"""What a worker reads often and operators change rarely, kept per process for a short TTL.

Each cache names the models its reads come from. A change this process commits through
the session (ORM objects, or an ORM INSERT/UPDATE/DELETE of those models) clears the
caches that read them at once; another worker's change is heard within the TTL. A value
read across a change committed meanwhile is not kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

TOUCHED = "holdline.process_caches_touched"
_caches: list[ProcessCache] = []


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[Hashable, tuple[float, Any]] = {}
        self.generation = 0  # bumped by every change this process commits

    def clear(self) -> None:
        with self.lock:
            self.generation += 1
            self.values.clear()


class ProcessCache:
    def __init__(self, name: str, models: tuple[type, ...], ttl_setting: str,
                 ttl_s: float) -> None:
        self.name, self.models = name, models
        self.ttl_setting, self.ttl_s = ttl_setting, ttl_s
        _caches.append(self)

    def _store(self) -> _Store:
        return current_app.extensions.setdefault(self.name, _Store())

    def get(self, key: Hashable, read: Callable[[], Any]) -> Any:
        """The value kept for key while fresh, else read() (and kept). While this
        session holds uncommitted changes to the models, read() is what it sees."""
        if self._changed_here():
            return read()
        store, now = self._store(), time.monotonic()
        kept = store.values.get(key)
        if kept is not None and now - kept[0] < current_app.config.get(
                self.ttl_setting, self.ttl_s):
            return kept[1]
        generation = store.generation
        value = read()
        with store.lock:
            if store.generation == generation:
                store.values[key] = (now, value)
        return value

    def clear(self) -> None:
        self._store().clear()

    def _changed_here(self) -> bool:
        from .models import db  # the app's session (models import this module's users)

        session = db.session()
        return self.name in session.info.get(TOUCHED, ()) or any(
            map(self.reads, (*session.new, *session.dirty, *session.deleted)))

    def reads(self, obj: object) -> bool:
        return isinstance(obj, self.models)


def _touch(session: Session, touched: list[ProcessCache]) -> None:
    if touched:
        session.info.setdefault(TOUCHED, set()).update(cache.name for cache in touched)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    _touch(session, [cache for cache in _caches if any(map(cache.reads, changed))])


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        classes = {mapper.class_ for mapper in state.all_mappers}
        _touch(state.session,
               [cache for cache in _caches if classes.intersection(cache.models)])


@event.listens_for(Session, "after_commit")
def _clear_if_changed(session: Session) -> None:
    names = session.info.pop(TOUCHED, None)
    if names and current_app:
        for cache in _caches:
            if cache.name in names:
                cache.clear()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(TOUCHED, None)
