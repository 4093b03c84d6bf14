"""SMS forms in the operator app: create, edit (each save a new version), revert to the
shipped file, and preview any version as the caller's page. Every worker reads the
version in effect from the database, so a save needs no restart."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import audit, role_required
from ..auth.models import User
from ..flow.phrases import phrases
from ..models import db
from ..selfservice import form_store
from ..selfservice.forms import (
    FormDef,
    FormDefinitionError,
    form_at,
    form_files,
    live_forms,
    read_form,
    shipped_forms,
    validate_submission,
)
from ..selfservice.models import FormDefinition
from .views import bp, done

RESERVED_IDS = {"new", "draft"}  # pages of their own: /admin/content/forms/new, .../draft
STARTER = """id: callback_request
title: Ask us to call you back
intro: Tell us when suits you and we'll call.
fields:
  - name: full_name
    label: Your name
    required: true
  - name: best_time
    label: When should we call?
    type: select
    required: true
    choices: [Morning, Afternoon, Evening]
confirmation: Thanks {{ full_name }}, we'll call you in the {{ best_time }}.
"""


def editor_names(rows) -> dict[int, str]:
    ids = {row.updated_by if isinstance(row, FormDefinition) else row.saved_by for row in rows}
    ids.discard(None)
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


@bp.get("/content/forms")
@role_required("operator")
def sms_forms():
    saved = form_store.all_heads()
    shipped = form_files()
    return render_template("admin/content/forms.html", keys=sorted({*shipped, *saved}),
                           shipped=shipped, live=live_forms(), saved=saved,
                           editors=editor_names(saved.values()))


def form_row(key: str) -> FormDefinition | None:
    """The operators' head row; a shipped form may have none. A row with an empty source
    was reverted to shipped (kept, so its versions keep counting)."""
    row = form_store.head(key)
    if row is None and key not in form_files():
        abort(404)
    return row


def render_form_editor(key: str, row: FormDefinition | None, text: str | None = None,
                       base: int | None = None, status: int = 200, **notes):
    edited = row is not None and bool(row.source)
    shipped = key in form_files()
    if text is None:
        text = row.source if row and edited else form_files()[key].read_text(encoding="utf-8")
    versions = form_store.versions_of(key)
    return render_template("admin/content/form_edit.html", key=key, row=row, edited=edited,
                           shipped=shipped, text=text,
                           base=(row.version if row else 0) if base is None else base,
                           versions=versions,
                           editors=editor_names([*versions, row] if row else versions),
                           **notes), status


@bp.get("/content/forms/new")
@role_required("operator")
def new_form():
    return render_new_form(STARTER)


def render_new_form(text: str, status: int = 200, problems=()):
    return render_template("admin/content/form_new.html", text=text,
                           problems=problems), status


@bp.post("/content/forms")
@role_required("operator")
def create_form():
    text = request.form.get("source", "")
    try:
        form = read_form(text, None)
    except FormDefinitionError as exc:
        return render_new_form(text, 422, exc.problems)
    taken = form_taken(form.id)
    if taken or form_store.save(form.id, text, 0, current_user.id) is None:
        return render_new_form(text, 422, [taken or f"id: a form called {form.id!r} "
                                                    "exists already; choose another id."])
    audit("form.create", form.id, version=1)
    return done(f"Created the {form.id} form (version 1). Menus can text it now.",
                "admin.edit_form", key=form.id)


def form_taken(form_id: str) -> str | None:
    """Why a new form may not take this id (None: it may)."""
    if form_id in RESERVED_IDS:
        return f"id: {form_id!r} is reserved; choose another id."
    if form_id in form_files() or form_store.head(form_id) is not None:
        return f"id: a form called {form_id!r} exists already; choose another id."
    return None


@bp.get("/content/forms/<key>")
@role_required("operator")
def edit_form(key: str):
    return render_form_editor(key, form_row(key))


@bp.post("/content/forms/<key>")
@role_required("operator")
def save_form(key: str):
    row = form_row(key)
    text, base = request.form.get("source", ""), request.form.get("version", 0, type=int)
    try:
        read_form(text, key)
    except FormDefinitionError as exc:
        return render_form_editor(key, row, text, base, 422, problems=exc.problems)
    if form_store.save(key, text, base, current_user.id) is None:
        return render_form_editor(key, form_row(key), text, base, 409, conflict=True)
    audit("form.save", key, version=base + 1)
    return done(f"Saved the {key} form. New links get version {base + 1} now; links already "
                "texted keep the version they were sent with.",
                "admin.edit_form", key=key)


@bp.post("/content/forms/<key>/revert")
@role_required("operator")
def revert_form(key: str):
    row = form_row(key)
    base = request.form.get("version", 0, type=int)
    if key not in form_files():
        abort(404)  # a form made in the app has no shipped file to go back to
    if row is None or not row.source:
        flash(f"The {key} form is already the shipped one.")
    elif form_store.save(key, "", base, current_user.id) is None:
        return render_form_editor(key, form_row(key), status=409, conflict=True)
    else:
        audit("form.revert", key, version=base + 1)
        db.session.commit()
        flash(f"The {key} form is back to the shipped version.")
    return redirect(url_for("admin.edit_form", key=key)), 303


@bp.route("/content/forms/<key>/preview", methods=["GET", "POST"])
@role_required("operator")
def preview_form(key: str):
    """The caller's page for a version (?version=N; default the one in effect)."""
    form = previewed(key, request.args.get("version", type=int))
    return callers_page(form, answered=request.method == "POST")


@bp.post("/content/forms/draft")
@role_required("operator")
def preview_draft():
    """The caller's page for text not saved yet (the editor's Preview button); the text
    rides along in the page, so answers can be tried on it too."""
    text, key = request.form.get("source", ""), request.form.get("key") or None
    try:
        form = read_form(text, key)
    except FormDefinitionError as exc:
        if key is None:
            return render_new_form(text, 422, exc.problems)
        return render_form_editor(key, form_row(key), text, request.form.get(
            "version", 0, type=int), 422, problems=exc.problems)
    return callers_page(form, answered="answers" in request.form, draft=text, key=key)


def callers_page(form: FormDef, answered: bool, **draft):
    """The page a caller would get, or what they would get after sending these answers
    (checked as theirs would be, never stored)."""
    page = {"form": form, "t": phrases(form.language).t, "lang": form.language.split("-")[0],
            "draft": draft}
    if not answered:
        return render_template("selfservice/form.html", **page)
    clean, errors = validate_submission(form, request.form)
    if errors:
        return render_template("selfservice/form.html", errors=errors, values=request.form,
                               **page), 422
    return render_template("selfservice/done.html", message=phrases(form.language).t(
        "Thanks. We've received it and texted you a confirmation."), **page)


def previewed(key: str, number: int | None) -> FormDef:
    if number is None:
        live = live_forms().get(key)
        return live.form if live else abort(404)
    kept = form_store.version_numbered(key, number)
    if kept is None:
        abort(404)
    form = form_at(kept.id) or shipped_forms().get(key)  # (None: a revert to the file)
    return form if form is not None else abort(404)
