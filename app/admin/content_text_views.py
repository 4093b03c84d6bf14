"""Hold quiz questions: text content operators write (SMS forms: content_form_views)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import Select, func, select

from ..auth import audit, role_required
from ..auth.lines import lines_of, owned
from ..hold.kinds import ChannelKind
from ..hold.models import QuizQuestion
from ..models import db
from .content_views import all_channels
from .line_filter import chosen_line, known_lines, new_line, posted_line
from .views import bp, done

CHOICES = 4  # callers answer with keys 1-4
MAX_QUESTION, MAX_CHOICE = 300, 80


def quiz_rows(*columns, line: str | None = None) -> Select:
    """Where every quiz-question query of the content pages starts: every line's, or one
    line's (each line has its own quiz)."""
    query = select(*(columns or (QuizQuestion,)))
    if line:
        return query.where(QuizQuestion.line == line)
    allowed = lines_of()  # a limited operator's lines, else every line's
    return query if allowed is None else query.where(QuizQuestion.line.in_(allowed))


@bp.get("/content/quiz")
@role_required("operator")
def quiz():
    return render_quiz()


def render_quiz(problems=(), status: int = 200):
    line = chosen_line()  # each line has its own quiz
    questions = db.session.scalars(quiz_rows(line=line).order_by(
        QuizQuestion.line, QuizQuestion.position)).all()
    return render_template("admin/content/quiz.html", questions=questions, problems=problems,
                           form=request.form, choices=CHOICES, lines=known_lines(),
                           line=line, first_line=new_line()), status


@bp.post("/content/quiz")
@role_required("operator")
def add_question():
    fields, problems = read_question()
    if problems:
        return render_quiz(problems, 422)
    line = posted_line("line")
    last = db.session.scalar(quiz_rows(func.max(QuizQuestion.position), line=line)) or 0
    question = QuizQuestion(position=last + 1, line=line, **fields)
    db.session.add(question)
    db.session.flush()
    audit("quiz.add", str(question.id), **fields)
    return done("Question added.", "admin.quiz")


def find_question(question_id: int) -> QuizQuestion:
    return owned(db.session.get(QuizQuestion, question_id))


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
    if request.form.get("active") != "1" and leaves_quiz_empty(question):
        return render_quiz([QUIZ_EMPTY], 422)
    question.active = request.form.get("active") == "1"
    audit("quiz.activate" if question.active else "quiz.deactivate", str(question.id))
    return done(f"Question {'back in' if question.active else 'taken out of'} the quiz.",
                "admin.quiz")


@bp.post("/content/quiz/<int:question_id>/delete")
@role_required("operator")
def delete_question(question_id: int):
    """Gone for good (taking it out keeps it); a caller asked it now just hears the
    channel menu again when they answer."""
    question = find_question(question_id)
    if leaves_quiz_empty(question):
        return render_quiz([QUIZ_EMPTY], 422)
    audit("quiz.delete", str(question.id), question=question.question)
    db.session.delete(question)
    return done("Question deleted.", "admin.quiz")


QUIZ_EMPTY = ("Not changed: a quiz channel would have no questions left. Add another "
              "question first, or delete the quiz channel on the Hold channels page.")


def leaves_quiz_empty(question: QuizQuestion) -> bool:
    """Would a quiz channel callers can choose be left with nothing to ask?"""
    others = db.session.scalar(quiz_rows(func.count(QuizQuestion.id), line=question.line)
                               .where(QuizQuestion.active.is_(True),
                                      QuizQuestion.id != question.id))
    quiz_channel = any(c.kind is ChannelKind.QUIZ and c.active
                       for c in all_channels(question.line))
    return question.active and not others and quiz_channel


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
