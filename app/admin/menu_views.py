"""Menu editor: versions, YAML editing with errors per node, a form per node, publish,
roll back, diff, and the test-call panel."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import menus
from ..auth import audit, role_required
from ..auth.lines import line_or_404, may_see_line
from ..calls.script import ScriptError, parse_script
from ..models import Menu, MenuVersion, db
from . import editor, node_form, testcall
from .views import bp, done


def find_menu(name: str, *, lock: bool = False) -> Menu:
    """lock: hold the menu row until commit, so two publishes or saves take turns."""
    query = select(Menu).where(Menu.name == name)
    menu = db.session.scalar(query.with_for_update() if lock else query)
    if menu is None:
        abort(404)
    line_or_404(menu.name)  # a menu is its line
    return menu


def find_version(menu: Menu, number: int) -> MenuVersion:
    version = next((v for v in menu.versions if v.number == number), None)
    return version if version is not None else abort(404)


def latest_number(menu_id: int | None) -> int:
    if menu_id is None:
        return 0
    return db.session.scalar(select(func.max(MenuVersion.number))
                             .where(MenuVersion.menu_id == menu_id)) or 0


@bp.get("/menus/<name>")
@role_required("operator")
def menu_page(name: str):
    menu = find_menu(name)
    live = menus.published(menu)
    return render_template("admin/menu.html", menu=menu, live=live,
                           versions=list(reversed(menu.versions)))


@bp.get("/menus/<name>/versions/<int:number>")
@role_required("operator")
def version_page(name: str, number: int):
    version = find_version(find_menu(name), number)
    return render_version(version)


def render_version(version: MenuVersion, **panel):
    text = menus.export_yaml(version)
    return render_template("admin/version.html", menu=version.menu, version=version,
                           text=text, rows=editor.node_rows(version.definition, text),
                           checked=editor.Checked(definition=version.definition), **panel)


@bp.post("/menus/<name>/versions/<int:number>/test")
@role_required("operator")
def test_call(name: str, number: int):
    version = find_version(find_menu(name), number)
    script_text = request.form.get("script", "")[:4000]
    caller = request.form.get("caller", "").strip()[:20]
    try:
        script = parse_script(script_text)
    except ScriptError as exc:
        return render_version(version, script=script_text, caller=caller,
                              script_error=str(exc)), 422
    result = testcall.run_test_call(menus.menu_of(version), script, caller)
    db.session.rollback()  # a test call leaves nothing behind
    return render_version(version, script=script_text, caller=caller, result=result)


@bp.post("/menus/<name>/versions/<int:number>/publish")
@role_required("operator")
def publish(name: str, number: int):
    menu = find_menu(name)
    version = find_version(menu, number)
    live = menus.published(menu)
    if live is version:
        flash(f"Version {number} is already published.")
        return redirect(url_for("admin.menu_page", name=name)), 303
    rollback = live is not None and number < live.number
    menus.publish_version(version)
    audit("menu.rollback" if rollback else "menu.publish", name, version=number,
          previous=live.number if live else None)
    return done(f"{'Rolled back to' if rollback else 'Published'} version {number} of {name}. "
                "New calls use it; calls in progress keep their version.",
                "admin.menu_page", name=name)


@bp.get("/menus/<name>/diff")
@role_required("operator")
def diff(name: str):
    menu = find_menu(name)
    old = find_version(menu, request.args.get("a", type=int) or 0)
    new = find_version(menu, request.args.get("b", type=int) or 0)
    lines = editor.diff(menus.export_yaml(old), menus.export_yaml(new),
                        f"version {old.number}", f"version {new.number}")
    return render_template("admin/diff.html", menu=menu, old=old, new=new, lines=lines)


@bp.get("/menus/new")
@role_required("operator")
def new_menu():
    return render_editor(None, "", base=0)


@bp.get("/menus/<name>/edit")
@role_required("operator")
def edit(name: str):
    menu = find_menu(name)
    source = find_version(menu, request.args.get("from", type=int) or latest_number(menu.id))
    return render_editor(menu, menus.export_yaml(source), base=latest_number(menu.id),
                         source=source, checked=editor.Checked(definition=source.definition))


def render_editor(menu: Menu | None, text: str, *, base: int, checked=None, source=None,
                  conflict: str | None = None, status: int = 200):
    checked = checked or editor.Checked(definition=menus.load_yaml(text) if text else None)
    return render_template("admin/edit.html", menu=menu, text=text, base=base,
                           checked=checked, source=source, conflict=conflict,
                           note=request.form.get("note", ""),
                           rows=editor.node_rows(checked.definition, text, checked.errors)), status


@bp.post("/menus/new")
@role_required("operator")
def create_menu():
    return save_yaml(None)


@bp.post("/menus/<name>/edit")
@role_required("operator")
def save_edit(name: str):
    return save_yaml(find_menu(name, lock=True))


def save_yaml(menu: Menu | None):
    text = request.form.get("yaml", "")
    base = request.form.get("base_version", type=int)

    def refused(checked: editor.Checked, status: int, conflict: str | None):
        return render_editor(menu, text, base=base or 0, checked=checked, status=status,
                             conflict=conflict)

    return save(menu, editor.check_yaml(text, menu.name if menu else None), base, refused)


@bp.get("/menus/<name>/nodes/<node_id>/edit")
@role_required("operator")
def edit_node(name: str, node_id: str):
    menu = find_menu(name)
    source = find_version(menu, request.args.get("from", type=int) or latest_number(menu.id))
    node = source.definition["nodes"].get(node_id) or abort(404)
    form = node_form.to_form(node_id, node, menu_language=editor.menu_language(source.definition))
    return render_node_form(menu, source, form, base=latest_number(menu.id))


@bp.post("/menus/<name>/nodes/<node_id>/edit")
@role_required("operator")
def save_node(name: str, node_id: str):
    """The form's node replaces this node of the version it was opened from; the whole
    menu is then checked and saved like a YAML edit."""
    menu = find_menu(name, lock=True)
    source = find_version(menu, request.form.get("from_version", type=int) or 0)
    node = source.definition["nodes"].get(node_id) or abort(404)
    changed = node_form.from_form(node, request.form)
    definition = {**source.definition, "nodes": {**source.definition["nodes"], node_id: changed}}
    base = request.form.get("base_version", type=int)

    def refused(checked: editor.Checked, status: int, conflict: str | None):
        form = node_form.to_form(node_id, changed, checked.errors,
                                 editor.menu_language(definition))
        return render_node_form(menu, source, form, base=base or 0, conflict=conflict,
                                status=status)

    return save(menu, editor.check_definition(definition, menu.name), base, refused)


def render_node_form(menu: Menu, source: MenuVersion, form: node_form.NodeForm, *, base: int,
                     conflict: str | None = None, status: int = 200):
    return render_template("admin/node_edit.html", menu=menu, source=source, form=form,
                           base=base, conflict=conflict, node_ids=list(source.definition["nodes"]),
                           note=request.form.get("note", f"Edited node {form.node_id}")), status


def save(menu: Menu | None, checked: editor.Checked, base: int | None, refused):
    """Refuse invalid or stale edits, else write one new version (and maybe publish).
    refused(checked, status, conflict) shows the operator's form again, their input kept."""
    # the name's rights are said alongside the other problems: all of them at once
    if checked.yaml_error is None and menu is None and not may_see_line(
            checked.definition.get("name")):
        checked.errors.append(editor.MenuError(None, "name", "your account may only make "
                                                             "menus named after its lines"))
    elif checked.ok and menu is None and _name_taken(checked.definition.get("name")):
        checked.errors.append(editor.MenuError(None, "name", "a menu with this name exists; "
                                                             "edit it instead"))
    if not checked.ok:
        return refused(checked, 422, None)
    latest = latest_number(menu.id if menu else None)
    if base is None or base != latest:
        return refused(checked, 409, stale_message(menu, base, latest))
    return write_version(menu, checked, base, refused)


def _name_taken(name: str | None) -> bool:
    return db.session.scalar(select(Menu.id).where(Menu.name == name)) is not None


def stale_message(menu: Menu | None, base: int | None, latest: int) -> str:
    newer = find_version(menu, latest) if menu and latest else None
    who = f" by {newer.author} at {newer.created_at:%H:%M} UTC" if newer else ""
    return (f"Not saved: version {latest} was saved{who} after you opened version "
            f"{base} in the editor. Your edit is kept below; open the latest version, "
            "apply your change there and save again.")


def write_version(menu: Menu | None, checked: editor.Checked, base: int, refused):
    publish_now = request.form.get("action") == "publish"
    note = request.form.get("note", "").strip()[:200]
    try:
        version = menus.save_version(checked.definition, publish=publish_now,
                                     author=current_user.username, note=note)
        audit("menu.save", version.menu.name, version=version.number, published=publish_now)
        db.session.commit()
    except IntegrityError:  # another operator's save took the same version number
        db.session.rollback()
        return refused(checked, 409, stale_message(menu, base, latest_number(
            menu.id if menu else None)))
    flash(f"Saved version {version.number} of {version.menu.name}"
          + (" and published it." if publish_now else " as a draft."))
    return redirect(url_for("admin.version_page", name=version.menu.name,
                            number=version.number)), 303
