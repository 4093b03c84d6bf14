"""The mobile web forms behind texted links, and the SMS status callback."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy import select

from .. import providers, telephony
from ..auth import role_required
from ..flow.phrases import languages, phrases
from ..lines import display_name
from ..menus import menu_of_call
from ..models import Message, db
from ..voice.security import provider_signed
from . import service
from .forms import entered_values, validate_submission
from .links import LinkError, LinkExpired, read_token
from .models import SmsLink

bp = Blueprint("selfservice", __name__, template_folder="templates", static_folder="static",
               static_url_path="/selfservice-static")
sms_bp = Blueprint("sms", __name__, url_prefix="/sms")


def problem(reason: str, status: int) -> tuple[str, int]:
    """The same friendly page for expired, used and tampered links: it reveals nothing,
    so its language is the browser's (among those we have), not the form's."""
    language = request.accept_languages.best_match(
        [name.replace("_", "-") for name in languages()]) or "en"
    return render_template("selfservice/link_problem.html", reason=reason,
                           **page_language(language)), status


def page_language(language: str) -> dict:
    """What a page needs to speak the caller's language: its phrases and the lang tag."""
    return {"t": phrases(language).t, "lang": language.split("-")[0]}


@bp.route("/s/<token>", methods=["GET", "POST"])
def form_page(token: str):
    try:
        claims = read_token(current_app.config["SECRET_KEY"], token,
                            current_app.config["LINK_MAX_AGE_S"])
    except LinkExpired:
        return problem("expired", 410)
    except LinkError:
        return problem("invalid", 404)
    link = db.session.get(SmsLink, claims.link_id)
    form = service.form_of(link) if link else None
    if link is None or form is None:
        return problem("invalid", 404)
    if link.status == "submitted":
        return problem("used", 410)
    # the page speaks the form's language under the brand of the line that texted it
    page = {**page_language(form.language), "brand": display_name(menu_of_call(link.call))}
    if request.method == "GET":
        service.mark_opened(link)
        db.session.commit()
        return render_template("selfservice/form.html", form=form, **page)
    clean, errors = validate_submission(form, request.form)
    if errors:
        return render_template("selfservice/form.html", form=form, errors=errors,
                               values=entered_values(form, request.form), **page), 422
    if not service.submit(link, form, clean):
        return problem("used", 410)
    db.session.commit()
    return render_template("selfservice/done.html", form=form,
                           message=phrases(form.language).t(
                               "Thanks. We've received it and texted you a confirmation."),
                           **page)


@sms_bp.post("/status")
@provider_signed
def sms_status():
    """Delivery receipts from the provider (a 400 when one is not)."""
    receipt = providers.current().delivery(request.form)
    telephony.update_status(receipt.message_id, receipt.status, receipt.error_code)
    db.session.commit()
    return Response(status=204)


@bp.get("/outbox")
@role_required("operator", "agent")
def outbox():
    """Texts queued locally because no provider credentials are set."""
    messages = db.session.scalars(select(Message).order_by(Message.id.desc()).limit(200)).all()
    return render_template("selfservice/outbox.html", messages=messages)
