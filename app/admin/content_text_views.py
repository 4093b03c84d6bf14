"""Hold quiz questions and the SMS forms: text content operators write."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..auth import audit, role_required
from ..auth.models import User
from ..hold.models import FIRST_LINE, QuizQuestion
from ..models import db, rows_updated, utcnow
from ..selfservice.forms import FormDefinitionError, form_files, read_form
from ..selfservice.models import FormDefinition
from ..selfservice.service import forms
from .line_filter import chosen_line, known_lines
from .views import bp, done

CHOICES = 4  # callers answer with keys 1-4
MAX_QUESTION, MAX_CHOICE = 300, 80


@bp.get("/content/quiz")
@role_required("operator")
def quiz():
    return render_quiz()


def render_quiz(problems=(), status: int = 200):
    line = chosen_line()  # each line has its own quiz
    query = select(QuizQuestion).order_by(QuizQuestion.line, QuizQuestion.position)
    questions = db.session.scalars(query.where(QuizQuestion.line == line) if line
                                   else query).all()
    return render_template("admin/content/quiz.html", questions=questions, problems=problems,
                           form=request.form, choices=CHOICES, lines=known_lines(),
                           line=line, first_line=FIRST_LINE), status


@bp.post("/content/quiz")
@role_required("operator")
def add_question():
    fields, problems = read_question()
    if problems:
        return render_quiz(problems, 422)
    last = db.session.scalar(select(func.max(QuizQuestion.position))) or 0
    question = QuizQuestion(position=last + 1, line=chosen_line() or FIRST_LINE, **fields)
    db.session.add(question)
    db.session.flush()
    audit("quiz.add", str(question.id), **fields)
    return done("Question added.", "admin.quiz")


def find_question(question_id: int) -> QuizQuestion:
    question = db.session.get(QuizQuestion, question_id)
    return question if question is not None else abort(404)


@bp.route("/content/quiz/<int:question_id>", methods=["GET", "POST"])
@role_required("operator")
def edit_question(question_id: int):
    question = find_question(question_id)
    problems: list[str] = []
    if request.method == "POST":
        fields, problems = read_question()
        if not problems:
            for name, value in fields.items():
                setattr(question, name, value)
            audit("quiz.edit", str(question.id), **fields)
            db.session.commit()
            flash("Question saved.")
            return redirect(url_for("admin.quiz")), 303
    return render_template("admin/content/question.html", question=question,
                           problems=problems, form=request.form,
                           choices=CHOICES), 422 if problems else 200


@bp.post("/content/quiz/<int:question_id>/active")
@role_required("operator")
def toggle_question(question_id: int):
    question = find_question(question_id)
    question.active = request.form.get("active") == "1"
    audit("quiz.activate" if question.active else "quiz.deactivate", str(question.id))
    return done(f"Question {'back in' if question.active else 'taken out of'} the quiz.",
                "admin.quiz")


def read_question() -> tuple[dict[str, Any], list[str]]:
    """The posted question; `answer` names the numbered choice box that is right."""
    def text(name: str) -> str:
        return " ".join(request.form.get(name, "").split())

    boxes = [text(f"choice-{n}") for n in range(1, CHOICES + 1)]
    choices = [choice for choice in boxes if choice]
    answer = request.form.get("answer", type=int)
    fields: dict[str, Any] = {"question": text("question"), "choices": choices,
                              "fact": text("fact")}
    problems: list[str] = []
    if not 1 <= len(fields["question"]) <= MAX_QUESTION:
        problems.append(f"The question needs 1 to {MAX_QUESTION} characters.")
    if not 2 <= len(choices) <= CHOICES:
        problems.append(f"Give 2 to {CHOICES} choices.")
    if any(len(choice) > MAX_CHOICE for choice in choices):
        problems.append(f"A choice may have at most {MAX_CHOICE} characters.")
    if len({choice.lower() for choice in choices}) != len(choices):
        problems.append("The choices must differ: callers may say them.")
    if answer is None or not 1 <= answer <= CHOICES or not boxes[answer - 1]:
        problems.append("The answer must be one of the choices.")
    else:
        fields["answer"] = choices.index(boxes[answer - 1])
    if len(fields["fact"]) > MAX_QUESTION:
        problems.append(f"The fact may have at most {MAX_QUESTION} characters.")
    return fields, problems


@bp.get("/content/forms")
@role_required("operator")
def sms_forms():
    saved = {row.key: row for row in db.session.scalars(select(FormDefinition))}
    return render_template("admin/content/forms.html", keys=sorted(form_files()),
                           live=forms(), saved=saved, editors=editor_names(saved.values()))


def editor_names(rows) -> dict[int, str]:
    ids = {row.updated_by for row in rows if row.updated_by}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def form_row(key: str) -> FormDefinition | None:
    """The operators' definition; a row with an empty source was reverted to shipped
    (kept, so its version keeps counting and a stale editor cannot save over a revert)."""
    if key not in form_files():
        abort(404)
    return db.session.scalar(select(FormDefinition).where(FormDefinition.key == key))


def render_form_editor(key: str, row: FormDefinition | None, text: str | None = None,
                       base: int | None = None, status: int = 200, **notes):
    edited = row is not None and bool(row.source)
    if text is None:
        text = row.source if row and edited else form_files()[key].read_text(encoding="utf-8")
    if base is None:
        base = row.version if row else 0
    return render_template("admin/content/form_edit.html", key=key, row=row, edited=edited,
                           text=text, base=base, editors=editor_names([row] if row else []),
                           **notes), status


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
    if not write_form(key, row, text, base):
        return render_form_editor(key, form_row(key), text, base, 409, conflict=True)
    audit("form.save", key, version=base + 1)
    return done(f"Saved the {key} form. New links use it now.",
                "admin.edit_form", key=key)


@bp.post("/content/forms/<key>/revert")
@role_required("operator")
def revert_form(key: str):
    row = form_row(key)
    base = request.form.get("version", 0, type=int)
    if row is None or not row.source:
        flash(f"The {key} form is already the shipped one.")
    elif not write_form(key, row, "", base):
        return render_form_editor(key, form_row(key), status=409, conflict=True)
    else:
        audit("form.revert", key, version=base + 1)
        db.session.commit()
        flash(f"The {key} form is back to the shipped version.")
    return redirect(url_for("admin.edit_form", key=key)), 303


def write_form(key: str, row: FormDefinition | None, source: str, base: int) -> bool:
    """Save over version `base` only if nobody saved since (False: a conflict)."""
    values = {"source": source, "version": base + 1, "updated_at": utcnow(),
              "updated_by": current_user.id}
    if row is None and base == 0:
        try:
            with db.session.begin_nested():
                db.session.add(FormDefinition(key=key, **values))
            return True
        except IntegrityError:  # another operator saved the first edit meanwhile
            return False
    written = rows_updated(update(FormDefinition).where(
        FormDefinition.key == key, FormDefinition.version == base).values(**values))
    return written == 1
