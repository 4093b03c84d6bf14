"""SMS forms in the operator app: create, edit (each save a new version), revert to the
shipped file, and preview any version as the caller's page. Every worker reads the
version in effect from the database, so a save needs no restart.

A form belongs to a line: only that line's menus text it, and an operator limited to
other lines neither sees it nor opens it (404, as for every other line's thing, see
app/auth/lines.py). Form ids stay unique across lines: a link and a menu name a form by id."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import audit, role_required
from ..auth.lines import line_or_404, lines_of
from ..auth.models import User
from ..flow.phrases import phrases
from ..lines import display_name, line_id_problem
from ..menus import menu_of
from ..models import Menu, MenuVersion, db
from ..selfservice import form_store
from ..selfservice.forms import (
    FormDef,
    FormDefinitionError,
    form_at,
    form_files,
    live_forms,
    on_line,
    read_form,
    shipped_forms,
    validate_submission,
)
from ..selfservice.models import FormDefinition
from .line_filter import chosen_line, known_lines, new_line, posted_line
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
    """Every form of the lines the operator may see, or of the line asked for."""
    saved, shipped, line = form_store.all_heads(), form_files(), chosen_line()
    owners = form_lines(saved)
    allowed = lines_of()
    keys = sorted(key for key, owner in owners.items()
                  if (owner == line if line else allowed is None or owner in allowed))
    return render_template("admin/content/forms.html", keys=keys, owners=owners,
                           shipped=shipped, live=live_forms(), saved=saved,
                           editors=editor_names(saved.values()), lines=known_lines(),
                           line=line)


def form_lines(saved: dict[str, FormDefinition]) -> dict[str, str]:
    """Each form's line, by id: its head row's (made or edited in the app), else its file's."""
    return {key: form.line or "" for key, form in shipped_forms().items()} | {
        key: row.line for key, row in saved.items()}


def form_row(key: str) -> FormDefinition | None:
    """The operators' head row; a shipped form may have none. A row with an empty source
    was reverted to shipped (kept, so its versions keep counting). Another line's form,
    for an operator limited to other lines, is no page at all."""
    row = form_store.head(key)
    if row is None and key not in form_files():
        abort(404)
    line_or_404(owner(key, row))
    return row


def owner(key: str, row: FormDefinition | None) -> str:
    """The line of a form that exists (as a head row, or a shipped file)."""
    return row.line if row is not None else shipped_forms()[key].line or ""


def line_problem(form: FormDef, line: str) -> str | None:
    """A form keeps the line it is made for; its text may say so, not name another."""
    if form.line is None or form.line == line:
        return None
    return (f"line: this form is for the line {line!r}; its text names {form.line!r}. "
            "Remove the line from the text, or make the form for that line.")


def render_form_editor(key: str, row: FormDefinition | None, text: str | None = None,
                       base: int | None = None, status: int = 200, **notes):
    edited = row is not None and bool(row.source)
    shipped = key in form_files()
    line = owner(key, row)
    if text is None:
        text = row.source if row and edited else form_files()[key].read_text(encoding="utf-8")
    versions = form_store.versions_of(key)
    return render_template("admin/content/form_edit.html", key=key, row=row, edited=edited,
                           shipped=shipped, text=text, line=line,
                           base=(row.version if row else 0) if base is None else base,
                           versions=versions,
                           editors=editor_names([*versions, row] if row else versions),
                           **notes), status


@bp.get("/content/forms/new")
@role_required("operator")
def new_form():
    return render_new_form(STARTER, new_line())


def render_new_form(text: str, line: str, status: int = 200, problems=()):
    return render_template("admin/content/form_new.html", text=text, problems=problems,
                           lines=known_lines(), line=line, every_line=lines_of() is None,
                           typed_line=request.form.get("new_line", "")), status


def form_line() -> tuple[str, str | None]:
    """The line a new form is for, and why not (None: it may be). An unlimited operator
    may name a line that has nothing yet (a new business starts with its forms, and its
    menu's sms_link nodes can then name them); anyone else picks one of their lines."""
    typed = request.form.get("new_line", "").strip()
    if not typed:
        return posted_line("line"), None
    if lines_of() is not None:
        return line_or_404(typed) or typed, None  # (their own, or no page at all)
    problem = line_id_problem(typed)
    return (posted_line("line"), f"new_line: {problem}") if problem else (typed, None)


@bp.post("/content/forms")
@role_required("operator")
def create_form():
    """Nothing is saved unless the text is valid, its id new on every line, and the line
    one the operator may change (another's is a 404)."""
    text, (line, line_refused) = request.form.get("source", ""), form_line()
    try:
        form = read_form(text, None)
    except FormDefinitionError as exc:
        return render_new_form(text, line, 422, [*exc.problems, *filter(None, [line_refused])])
    problems = [p for p in (line_refused, form_taken(form.id), line_problem(form, line)) if p]
    if problems or form_store.save(form.id, text, 0, current_user.id, line) is None:
        return render_new_form(text, line, 422, problems or [taken_message(form.id)])
    audit("form.create", form.id, version=1, line=line)
    return done(f"Created the {form.id} form (version 1). The {line} line's menus can "
                f"text it now{'' if has_menu(line) else menu_to_come(line)}.",
                "admin.edit_form", key=form.id)


def has_menu(line: str) -> bool:
    return db.session.scalar(select(Menu.id).where(Menu.name == line)) is not None


def menu_to_come(line: str) -> str:
    return f" (it has no menu yet: the menu named {line} will be its, sms_link nodes and all)"


def form_taken(form_id: str) -> str | None:
    """Why a new form may not take this id (None: it may)."""
    if form_id in RESERVED_IDS:
        return f"id: {form_id!r} is reserved; choose another id."
    if form_id in form_files() or form_store.head(form_id) is not None:
        return taken_message(form_id)
    return None


def taken_message(form_id: str) -> str:
    return (f"id: a form called {form_id!r} exists already; choose another id. Form ids "
            "are unique across every line.")


@bp.get("/content/forms/<key>")
@role_required("operator")
def edit_form(key: str):
    return render_form_editor(key, form_row(key))


@bp.post("/content/forms/<key>")
@role_required("operator")
def save_form(key: str):
    row = form_row(key)
    text, base = request.form.get("source", ""), request.form.get("version", 0, type=int)
    line = owner(key, row)
    try:
        problem = line_problem(read_form(text, key), line)
    except FormDefinitionError as exc:
        return render_form_editor(key, row, text, base, 422, problems=exc.problems)
    if problem:
        return render_form_editor(key, row, text, base, 422, problems=[problem])
    if form_store.save(key, text, base, current_user.id, line) is None:
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
    elif form_store.save(key, "", base, current_user.id, row.line) is None:
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
    form_row(key)  # (another line's: a 404)
    form = previewed(key, request.args.get("version", type=int))
    return callers_page(form, answered=request.method == "POST")


@bp.post("/content/forms/draft")
@role_required("operator")
def preview_draft():
    """The caller's page for text not saved yet (the editor's Preview button); the text
    rides along in the page, so answers can be tried on it too."""
    text, key = request.form.get("source", ""), request.form.get("key") or None
    row = form_row(key) if key else None  # (another line's: a 404)
    line, line_refused = form_line() if key is None else (owner(key, row), None)
    try:
        form = read_form(text, key)
        if line_refused:
            raise FormDefinitionError([line_refused])
    except FormDefinitionError as exc:
        if key is None:
            return render_new_form(text, line, 422, exc.problems)
        return render_form_editor(key, row, text, request.form.get(
            "version", 0, type=int), 422, problems=exc.problems)
    return callers_page(on_line(form, line), answered="answers" in request.form,
                        draft=text, key=key, line=line)


def callers_page(form: FormDef, answered: bool, **draft):
    """The page a caller would get, or what they would get after sending these answers
    (checked as theirs would be, never stored)."""
    page = {"form": form, "t": phrases(form.language).t, "lang": form.language.split("-")[0],
            "draft": draft, "brand": display_name(line_menu(form.line))}
    if not answered:
        return render_template("selfservice/form.html", **page)
    clean, errors = validate_submission(form, request.form)
    if errors:
        return render_template("selfservice/form.html", errors=errors, values=request.form,
                               **page), 422
    return render_template("selfservice/done.html", message=phrases(form.language).t(
        "Thanks. We've received it and texted you a confirmation."), **page)


def line_menu(line: str | None):
    """The line's menu whose display name brands the caller's page: the published one,
    else its newest draft (a new line's, before it answers calls), if any."""
    version = db.session.scalar(select(MenuVersion).join(Menu).where(Menu.name == line)
                                .order_by(MenuVersion.status != "published",
                                          MenuVersion.number.desc()).limit(1))
    return menu_of(version) if version is not None else None


def previewed(key: str, number: int | None) -> FormDef:
    if number is None:
        live = live_forms().get(key)
        return live.form if live else abort(404)
    kept = form_store.version_numbered(key, number)
    if kept is None:
        abort(404)
    form = form_at(kept.id) or shipped_forms().get(key)  # (None: a revert to the file)
    return form if form is not None else abort(404)
