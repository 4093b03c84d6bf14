"""Texted links: send, open, submit once. Bound to the caller's number and the call."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cache, lru_cache
from typing import cast

from flask import current_app
from sqlalchemy import Row, Table, bindparam, select, update

from .. import telephony
from ..event_log import record_event
from ..events import EventKind, Outcome
from ..flow.actions import LinkSent
from ..flow.phrases import phrases
from ..models import Call, db, rows_updated, utcnow
from .forms import FormDef, FormDefinitionError, load_forms, read_form, render_confirmation
from .links import make_token, new_link_id
from .models import FormDefinition, FormSubmission, SmsLink

log = logging.getLogger(__name__)

OPEN_LINK_WINDOW = timedelta(hours=24)  # a returning caller is greeted with their link


@cache
def shipped_forms() -> dict[str, FormDef]:
    return load_forms()


def forms() -> dict[str, FormDef]:
    """The forms in effect: the shipped YAML, overridden by operators' saved definitions
    (an empty source was reverted). Read from the database each time, so a save takes
    effect in every worker at once."""
    saved = db.session.execute(select(FormDefinition.key, FormDefinition.source)
                               .where(FormDefinition.source != "")).all()
    edited = {key: form for key, source in saved if (form := saved_form(key, source))}
    return {**shipped_forms(), **edited}


@lru_cache(maxsize=64)
def saved_form(key: str, source: str) -> FormDef | None:
    """None when a saved definition no longer validates (e.g. after an upgrade): the
    shipped form stays in effect rather than the form vanishing."""
    try:
        return read_form(source, key)
    except FormDefinitionError as exc:
        log.error("saved form %s is invalid, using the shipped one: %s", key, exc)
        return None


def send_link(call: Call, form_id: str, link_url, status_url: str | None) -> LinkSent:
    """Text the caller a link to the form; the result goes back to the engine."""
    form = forms().get(form_id)
    if form is None:
        return LinkSent(ok=False, error="unknown form")
    max_age = current_app.config["LINK_MAX_AGE_S"]
    # By id: the call's row is the call path's to write (app/call_rows.py), not the link's.
    link = SmsLink(id=new_link_id(), call_id=call.id, phone=call.from_number, form=form_id,
                   expires_at=utcnow() + timedelta(seconds=max_age))
    db.session.add(link)
    # The token carries only the link id: the number and call stay on our row.
    token = make_token(current_app.config["SECRET_KEY"], link.id, "", "")
    body = phrases(form.language).tn(
        "{business}: {title}: {url} (link valid for {n} hour)",
        "{business}: {title}: {url} (link valid for {n} hours)", max(1, max_age // 3600),
        business=current_app.config.get("BUSINESS_NAME", "Northwind Energy"),
        title=form.title, url=link_url(token))
    try:
        telephony.send_sms(call.from_number, body, status_callback=status_url, call_id=call.id)
    except telephony.SendFailed as exc:
        db.session.delete(link)
        return LinkSent(ok=False, error=str(exc))
    return LinkSent(ok=True)


# Built once: every new call asks it (the caller's profile), and reads the row only.
LINKS = cast(Table, SmsLink.__table__)
OPEN_LINK = select(LINKS).where(
    LINKS.c.phone == bindparam("number"), LINKS.c.status != "submitted",
    LINKS.c.created_at >= bindparam("since"), LINKS.c.expires_at > bindparam("now"),
).order_by(LINKS.c.created_at.desc()).limit(1)


def open_link_for(number: str) -> Row | None:
    """The newest unfinished link texted to this number in the last 24 hours (its row)."""
    now = utcnow()
    return db.session.connection().execute(OPEN_LINK, {
        "number": number, "since": now - OPEN_LINK_WINDOW, "now": now}).first()


def mark_opened(link: SmsLink) -> None:
    if link.status == "sent":
        link.status, link.opened_at = "opened", utcnow()
        record_event(link.call, EventKind.LINK_OPENED, form=link.form)


def submit(link: SmsLink, form: FormDef, clean: dict[str, str]) -> bool:
    """Store the answers once. False when the link was already used (a double submit)."""
    claimed = rows_updated(update(SmsLink).where(
        SmsLink.id == link.id, SmsLink.status != "submitted").values(
        status="submitted", submitted_at=utcnow()))
    if claimed != 1:
        db.session.rollback()
        return False
    db.session.add(FormSubmission(link_id=link.id, form=form.id, data=clean))
    call = link.call
    if call.outcome in (None, Outcome.SELF_SERVICE, Outcome.ABANDONED_IN_IVR):
        call.outcome = Outcome.SELF_SERVICE
    record_event(call, EventKind.LINK_SUBMITTED, form=form.id)
    try:
        telephony.send_sms(link.phone, render_confirmation(form, clean), call_id=call.id)
    except telephony.SendFailed:
        record_event(call, EventKind.CONFIRMATION_FAILED, form=form.id)
    return True
