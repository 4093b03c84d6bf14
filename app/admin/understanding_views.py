"""Teaching the IVR callers' words: the editor's "try a sentence" box, and turning an
unrecognised utterance from the dashboard into an example of an option (a draft)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import analytics, menus
from ..auth import audit, role_required
from ..auth.lines import may_see_line
from ..flow import node_types
from ..flow.heard import first_try
from ..flow.intents import MAX_SPEECH_CHARS
from ..models import Menu, db
from . import editor
from .menu_views import find_menu, find_version, latest_number, render_version
from .views import bp, done


@bp.post("/menus/<name>/versions/<int:number>/try")
@role_required("operator")
def try_sentence(name: str, number: int):
    version = find_version(find_menu(name), number)
    menu = menus.menu_of(version)
    node_id = request.form.get("node", "")
    sentence = request.form.get("sentence", "")[:MAX_SPEECH_CHARS * 2]
    node = menu.nodes.get(node_id)
    if node is None or not node_types.of(node).has_options:  # a choice between options
        return render_version(version, tried_error="Choose a menu node.",
                              sentence=sentence), 422
    heard = first_try(menu, node_id, sentence)
    return render_version(version, tried=heard, tried_node=node_id, sentence=sentence)


@dataclass(frozen=True)
class Teachable:
    """An unrecognised utterance and the options (index, label) it could become an
    example of, in the menu's latest version."""

    unheard: analytics.Unheard
    options: list[tuple[int, str]]


def teachable(period: analytics.Period, lines: analytics.Lines = None) -> list[Teachable]:
    found = []
    for unheard in analytics.unrecognised_at_nodes(period, lines=lines):
        if not may_see_line(unheard.menu):
            continue
        menu = db.session.scalar(select(Menu).where(Menu.name == unheard.menu))
        latest = menu and next((v for v in menu.versions
                                if v.number == latest_number(menu.id)), None)
        node = latest.definition["nodes"].get(unheard.node) if latest else None
        if node and (node_type := node_types.declared(node.get("type"))) \
                and node_type.has_options:
            found.append(Teachable(unheard, teachable_labels(node["options"])))
    return found


def teachable_labels(options: list[dict]) -> list[tuple[int, str]]:
    return [(i, o.get("intent") or (o.get("phrases") or [f"option {i + 1}"])[0])
            for i, o in enumerate(options)]


@bp.post("/menus/<name>/nodes/<node_id>/examples")
@role_required("operator")
def add_example(name: str, node_id: str):
    """A new draft from the latest version, with the utterance as one more example of
    the chosen option; publishing stays a separate, deliberate step."""
    menu = find_menu(name, lock=True)
    latest = find_version(menu, latest_number(menu.id))
    speech = " ".join(request.form.get("speech", "").split())[:MAX_SPEECH_CHARS]
    index = request.form.get("option", type=int)
    node = latest.definition["nodes"].get(node_id)
    options = (node or {}).get("options") or []
    if not speech or index is None or not 0 <= index < len(options):
        flash("Choose an option for the sentence.")
        return redirect(url_for("admin.dashboard")), 303
    definition = copy.deepcopy(latest.definition)
    option = definition["nodes"][node_id]["options"][index]
    option["examples"] = [*option.get("examples", []), speech]
    checked = editor.check_definition(definition, name)
    if not checked.ok:
        flash(f"Not added: {'; '.join(map(str, checked.errors))}")
        return redirect(url_for("admin.dashboard")), 303
    label = dict(teachable_labels(options))[index]
    version = menus.save_version(checked.definition, publish=False,
                                 author=current_user.username,
                                 note=f"Example {speech!r} for {label} at {node_id}")
    audit("menu.save", name, version=version.number, published=False)
    return done(f"Saved version {version.number} of {name} as a draft, with {speech!r} as an "
                f"example of {label}. Publish it to use it on calls.",
                "admin.version_page", name=name, number=version.number)
