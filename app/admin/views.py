"""Operator home: the menus, their versions and which numbers they answer."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from ..auth import role_required
from ..models import Menu, PhoneRoute, db

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/")
@role_required("operator")
def index():
    menus = db.session.scalars(select(Menu).order_by(Menu.name)).all()
    routes = db.session.scalars(select(PhoneRoute).order_by(PhoneRoute.number)).all()
    return render_template("admin/index.html", menus=menus, routes=routes)
