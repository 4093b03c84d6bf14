"""Menu versions in the database: save drafts, publish atomically, route dialled numbers."""

from __future__ import annotations

from typing import Any, cast

import yaml
from flask import current_app
from sqlalchemy import Table, bindparam, func, inspect, or_, select
from sqlalchemy.exc import SQLAlchemyError

from . import lines, operator_yaml
from .flow.schema import Menu as MenuDef
from .flow.validate import MenuError, MenuInvalid, parse_menu
from .hold.models import FIRST_LINE
from .lookups import SOURCES
from .models import Call, Menu, MenuVersion, PhoneRoute, db, utcnow
from .selfservice.forms import form_lines, forms, shipped_forms
from .selfservice.models import FormDefinition

# Pages of the operator app under /admin/menus/: a menu named like one could not be opened.
RESERVED_NAMES = frozenset({"new"})


def load_yaml(text: str) -> Any:
    """YAML as operators write it; a syntax error, deep nesting or an alias becomes a
    ValueError (YamlRefused) that says why."""
    return operator_yaml.load(text)


# What a menu is checked against that lives in the database (see database_missing).
CHECKED_AGAINST = (FormDefinition.__tablename__,)
NO_DATABASE_NOTE = "form ids are checked against the shipped forms only"


def check(definition: Any, *, database: bool = True) -> MenuDef:
    """Validate against the schema and what this server has: its data sources and forms.
    database=False (none yet, see database_missing): the shipped forms, which are all
    the forms there are until operators add their own in the app. An sms_link node may
    name only a form of the menu's own line."""
    known_forms = form_lines(forms() if database else shipped_forms())
    return parse_menu(definition, known_sources=SOURCES, known_forms=known_forms)


def database_missing() -> str | None:
    """Why the database cannot tell what a menu is checked against: no tables yet (a
    fresh clone before init-demo) or no connection; None when it can. Asked without a
    query that could fail, so nothing is left half-done in the session."""
    try:
        tables = set(inspect(db.engine).get_table_names())
    except SQLAlchemyError as exc:
        return f"cannot reach the database ({type(exc).__name__})"
    return None if tables.issuperset(CHECKED_AGAINST) else \
        "no database yet (run flask init-demo)"


def reserved_name(name: Any) -> MenuError | None:
    if name in RESERVED_NAMES:
        return MenuError(None, "name", f"{name!r} is the name of an editor page; choose "
                                       "another name for the menu")
    return None


def save_version(definition: Any, *, publish: bool, author: str = "system",
                 note: str = "") -> MenuVersion:
    """Validate first; an invalid menu raises MenuInvalid and nothing is written."""
    menu_def = check(definition)
    if problems := line_problems(menu_def):
        raise MenuInvalid(problems)
    menu = db.session.scalar(select(Menu).where(Menu.name == menu_def.name))
    if menu is None:
        if problem := reserved_name(menu_def.name):
            raise MenuInvalid([problem])
        menu = Menu(name=menu_def.name)
        db.session.add(menu)
        db.session.flush()
    number = (db.session.scalar(
        select(func.max(MenuVersion.number)).where(MenuVersion.menu_id == menu.id)) or 0) + 1
    version = MenuVersion(menu=menu, number=number, definition=menu_def.model_dump(
        mode="json", exclude_defaults=False), author=author, note=note)
    db.session.add(version)
    if publish:
        publish_version(version)
    db.session.flush()
    return version


def publish_version(version: MenuVersion) -> None:
    """Retire the published version and publish this one in the same transaction. The
    menu row is locked first (PostgreSQL), so two publishes take turns."""
    db.session.execute(select(Menu.id).where(Menu.id == version.menu_id).with_for_update())
    for other in version.menu.versions:
        if other.status == "published" and other is not version:
            other.status = "retired"
    version.status = "published"
    version.published_at = utcnow()


def published(menu: Menu) -> MenuVersion | None:
    return db.session.scalar(select(MenuVersion).where(
        MenuVersion.menu_id == menu.id, MenuVersion.status == "published"))


def published_queues() -> dict[str, set[str]]:
    """Each line's queues as its published menu names them (their keys on this server)."""
    found: dict[str, set[str]] = {}
    for version_id in db.session.scalars(select(MenuVersion.id).where(
            MenuVersion.status == "published")):
        menu = menu_by_id(version_id)  # parsed once per process, as the call path reads it
        found.setdefault(menu.name, set()).update(
            lines.menu_queue_key(menu, queue) for _, queue in lines.queue_names(menu))
    return found


def line_problems(menu_def: MenuDef) -> list[MenuError]:
    """How this line's queues would clash with the other lines' on this server."""
    return lines.queue_problems(menu_def, other_lines(menu_def.name))


def other_lines(name: str) -> list[MenuDef]:
    """The published menus of every other line."""
    versions = db.session.scalars(select(MenuVersion).join(Menu).where(
        MenuVersion.status == "published", Menu.name != name))
    return [menu_of(version) for version in versions]


def line_answering(number: str) -> str | None:
    """The line a number is routed to, if any."""
    return db.session.scalar(select(Menu.name).join(PhoneRoute, PhoneRoute.menu_id == Menu.id)
                             .where(PhoneRoute.number == number))


def route_number(number: str, menu_name: str) -> None:
    menu = db.session.scalar(select(Menu).where(Menu.name == menu_name))
    if menu is None:
        raise ValueError(f"no menu named {menu_name!r}")
    route = db.session.scalar(select(PhoneRoute).where(PhoneRoute.number == number))
    if route is None:
        db.session.add(PhoneRoute(number=number, menu=menu))
    elif route.menu_id != menu.id:  # moving it silently would take another line's callers
        raise ValueError(f"number: {number} already answers with {route.menu.name}. Two "
                         "lines cannot claim one number: remove that route first.")


# Built once: a new call's routing is one prepared Core query.
_ROUTE, _VERSION = cast(Table, PhoneRoute.__table__), cast(Table, MenuVersion.__table__)
ROUTES = (select(_ROUTE.c.number, _VERSION.c.id)
          .join(_VERSION, _VERSION.c.menu_id == _ROUTE.c.menu_id)
          .where(or_(_ROUTE.c.number == bindparam("dialled"), _ROUTE.c.number == "default"),
                 _VERSION.c.status == "published"))


def version_id_for_number(dialled: str) -> int | None:
    """The published version answering a dialled number, else the default route's. One
    indexed query on every new call, not a cache: a publish in any worker counts at once,
    while the parsed menu is cached by this id (menu_by_id)."""
    return routed_version(dict(db.session.connection().execute(ROUTES, {"dialled": dialled})
                               .all()), dialled)


def routed_version(routes: dict, dialled: str) -> int | None:
    """Of the published versions routed (by number), the dialled number's, else the
    default route's."""
    return routes.get(dialled) or routes.get("default")


def version_for_number(dialled: str) -> MenuVersion | None:
    version_id = version_id_for_number(dialled)
    return db.session.get(MenuVersion, version_id) if version_id is not None else None


def menu_of(version: MenuVersion) -> MenuDef:
    """Parsed once per app: versions are immutable, so the id is a safe cache key."""
    return menu_by_id(version.id, version)


def menu_by_id(version_id: int, version: MenuVersion | None = None) -> MenuDef:
    """The parsed menu of a version; its definition is read only the first time."""
    cache = current_app.extensions.setdefault("holdline.menus", {})
    if version_id not in cache:
        version = version or db.session.get(MenuVersion, version_id)
        if version is None:
            raise LookupError(f"menu version {version_id} does not exist")
        cache[version_id] = MenuDef.model_validate(version.definition)
    return cache[version_id]


def menu_of_call(call: Call | None) -> MenuDef | None:
    if call is None or call.menu_version_id is None:
        return None
    return menu_by_id(call.menu_version_id)


def line_of(call: Call | None) -> str:
    """The caller's line; a call no menu answered belongs to the default route's."""
    menu = menu_of_call(call)
    return menu.name if menu is not None else (line_answering("default") or FIRST_LINE)


def call_language(call: Call) -> tuple[str, str | None]:
    """The caller's language and its voice: those of the node the call is at (for a
    queued caller, the queue node they entered), else the menu's."""
    if call.menu_version_id is None:
        return "en-US", None
    menu = menu_by_id(call.menu_version_id)
    language = node_language(menu, (call.state or {}).get("node"))
    return language, menu.settings.voice_for(language)


def language_of(call: Call) -> str:
    """The language of the node the call is at (else its menu's); en-US with no menu."""
    return call_language(call)[0]


def node_language(menu: MenuDef, node_id: str | None) -> str:
    node = menu.nodes.get(node_id or "")
    return (node and node.language) or menu.settings.language


def export_yaml(version: MenuVersion) -> str:
    return yaml.dump(version.definition, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                     sort_keys=False, allow_unicode=True)
