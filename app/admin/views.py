"""Operator home: the menus, their versions and which numbers they answer."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import menus
from ..auth import audit, role_required
from ..auth.lines import line_or_404, may_see_line
from ..models import Menu, PhoneRoute, db

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")
NUMBER = re.compile(r"^(\+[1-9][0-9]{6,14}|default)$")
MAX_MENU_BYTES = 512 * 1024  # a menu's YAML; the app-wide limit is sized for webhooks


def done(message: str, endpoint: str, **params):
    """After a change (already audited): commit it, tell the operator, show the page."""
    db.session.commit()
    flash(message)
    return redirect(url_for(endpoint, **params)), 303


@bp.url_value_preprocessor
def allow_menu_sized_forms(endpoint, _values) -> None:
    """Runs before CSRFProtect reads the form, so the larger limit applies to it."""
    if request.method == "POST" and endpoint in ("admin.save_edit", "admin.create_menu",
                                                 "admin.save_node"):
        request.max_content_length = MAX_MENU_BYTES


@bp.errorhandler(413)
def too_large(_error):
    return render_template("admin/too_large.html", limit_kb=MAX_MENU_BYTES // 1024), 413


@bp.get("/")
@role_required("operator")
def index():
    all_menus = [menu for menu in db.session.scalars(select(Menu).order_by(Menu.name))
                 if may_see_line(menu.name)]
    routes = [route for route in db.session.scalars(select(PhoneRoute).order_by(
        PhoneRoute.number)) if may_see_line(route.menu.name)]
    return render_template("admin/index.html", menus=all_menus, routes=routes)


@bp.post("/numbers")
@role_required("operator")
def route_number():
    number = request.form.get("number", "").strip().replace(" ", "")
    menu_name = line_or_404(request.form.get("menu", ""))
    if not NUMBER.match(number):
        flash(f"{number!r} is not a phone number in E.164 form (+15551234567) or 'default'.")
        return redirect(url_for("admin.index")), 303
    if (holder := menus.line_answering(number)) not in (None, menu_name):
        shown = holder if may_see_line(holder) else "another line"
        flash(f"number: {number} already answers with {shown}. Two lines cannot claim one "
              "number: remove that route first.")
        return redirect(url_for("admin.index")), 303
    try:
        menus.route_number(number, menu_name)
    except ValueError as exc:
        flash(str(exc))
        return redirect(url_for("admin.index")), 303
    audit("number.route", number, menu=menu_name)
    return done(f"{number} now answers with {menu_name}.", "admin.index")


@bp.post("/numbers/<int:route_id>/delete")
@role_required("operator")
def unroute_number(route_id: int):
    route = db.session.get(PhoneRoute, route_id)
    if route is not None and line_or_404(route.menu.name):
        audit("number.unroute", route.number, menu=route.menu.name)
        db.session.delete(route)
        db.session.commit()
        flash(f"{route.number} no longer has its own menu.")
    return redirect(url_for("admin.index")), 303

