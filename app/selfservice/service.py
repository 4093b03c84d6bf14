"""Texted links: send, open, submit once. Bound to the caller's number and the call."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol, cast

from flask import current_app
from sqlalchemy import Row, Table, bindparam, select, update

from .. import telephony
from ..event_log import record_event
from ..events import EventKind, Outcome
from ..flow.actions import LinkSent
from ..flow.nodes.sms_link import may_text
from ..flow.phrases import phrases
from ..models import Call, db, rows_updated, utcnow
from .forms import FormDef, form_at, forms, live_forms, render_confirmation
from .links import make_token, new_link_id
from .models import FormSubmission, SmsLink

__all__ = ["form_of", "forms", "mark_opened", "open_link_for", "send_link", "submit",
           "texted_form"]

log = logging.getLogger(__name__)

OPEN_LINK_WINDOW = timedelta(hours=24)  # a returning caller is greeted with their link


class TextedLink(Protocol):
    """A texted link as a row or as an SmsLink: what its form is read from."""

    form: str
    form_version_id: str | None


def form_of(link: TextedLink) -> FormDef | None:
    """The form as it was when the link was texted (a later save does not change what the
    caller was told); a link texted with the shipped file gets the form in effect."""
    if link.form_version_id is not None:
        try:
            pinned = form_at(link.form_version_id)
        except LookupError:
            pinned = None
        if pinned is not None:
            return pinned
    return forms().get(link.form)


def send_link(call: Call, form_id: str, link_url, status_url: str | None,
              brand: str, line: str) -> LinkSent:
    """Text the caller a link to the form, under their line's name; the result goes back
    to the engine. Another line's form is not sent (see `texted_form`)."""
    live = live_forms().get(form_id)
    refused = texted_form(live.form if live else None, form_id, line)
    if refused:
        return LinkSent(ok=False, error=refused)
    assert live is not None
    form = live.form
    max_age = current_app.config["LINK_MAX_AGE_S"]
    # By id: the call's row is the call path's to write (app/call_rows.py), not the link's.
    link = SmsLink(id=new_link_id(), call_id=call.id, phone=call.from_number, form=form_id,
                   form_version_id=live.version_id,
                   expires_at=utcnow() + timedelta(seconds=max_age))
    db.session.add(link)
    # The token carries only the link id: the number and call stay on our row.
    token = make_token(current_app.config["SECRET_KEY"], link.id, "", "")
    body = phrases(form.language).tn(
        "{business}: {title}: {url} (link valid for {n} hour)",
        "{business}: {title}: {url} (link valid for {n} hours)", max(1, max_age // 3600),
        business=brand,
        title=form.title, url=link_url(token))
    try:
        telephony.send_sms(call.from_number, body, status_callback=status_url, call_id=call.id)
    except telephony.SendFailed as exc:
        db.session.delete(link)
        return LinkSent(ok=False, error=str(exc))
    return LinkSent(ok=True)


def texted_form(form: FormDef | None, form_id: str, line: str) -> str | None:
    """Why this line's call may not text the form (None: it may). A menu published before
    forms had lines may name another line's: its caller would get a text under this
    line's name leading to another business's page and answers. So the text fails like
    any failed text (the caller is handed to a person) and the log says why."""
    if form is None:
        return "unknown form"
    if not may_text(line, form.line):
        log.warning("line %s asked to text form %s of line %s: not sent (fix its sms_link "
                    "node)", line, form_id, form.line)
        return "another line's form"
    return None


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
