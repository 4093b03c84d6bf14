"""Record ids in URLs: bounded, so an id no column can hold is a 404, not a database error.

Installed as the app's `int` converter, so every `<int:...>` route is bounded in one place.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # INTEGER columns on PostgreSQL, the narrowest of our databases


class RecordIdConverter(IntegerConverter):
    """`<int:x>` that matches only ASCII digits up to MAX_ID; past it the route is a 404."""

    regex = r"[0-9]+"  # werkzeug's \d+ also takes other scripts' digits

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
