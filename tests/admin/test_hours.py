"""Business hours in the operator app: saved per queue and audited; refused values name
their field, save nothing and leave every queue's hours as they were."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.auth.models import AuditEntry
from app.hours.models import QueueHours
from app.hours.service import status
from app.models import db

NEXT_YEAR = date.today().year + 1
GOOD = {"weekly": "Mon-Fri 08:00-12:00 13:00-17:00\nSat 09:00-13:00",
        "special": f"{NEXT_YEAR}-12-25 closed Christmas Day"}


def save(client, token, queue: str, **form):
    return client.post(f"/admin/hours/{queue}", data={"csrf_token": token(), **form})


def stored(queue: str) -> QueueHours | None:
    db.session.expire_all()
    return db.session.scalar(select(QueueHours).where(QueueHours.queue == queue))


def audited(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_the_page_lists_the_menus_queues_and_where_their_hours_come_from(app, operator):
    app.config["QUEUE_HOURS"] = "general=08:00-20:00"
    html = operator.get("/admin/hours").get_data(as_text=True)
    assert 'data-queue="general"' in html and 'data-queue="northwind-main.billing"' in html
    assert 'data-queue="brightsmile-dental.billing"' in html  # each line's billing its own
    assert "HOLDLINE_QUEUE_HOURS (initial default)" in html and "Mon-Sun 08:00-20:00" in html
    assert "always open (none set)" in html  # billing: the variable names no hours for it
    assert "northwind-main" in html and "UTC (the server's)" in html


def test_saved_hours_are_what_callers_get_and_the_change_is_audited(app, operator, token):
    answer = save(operator, token, "billing", **GOOD)
    assert answer.status_code == 303
    row = stored("billing")
    assert row.weekly[0] == ["08:00-12:00", "13:00-17:00"] and row.weekly[6] == []
    assert row.special == [{"date": f"{NEXT_YEAR}-12-25", "spans": [], "name": "Christmas Day"}]
    [entry] = audited("hours.save")
    assert (entry.username, entry.target) == ("olive", "billing")
    assert entry.detail["special"] == GOOD["special"]
    page = operator.get("/admin/hours/billing").get_data(as_text=True)
    assert "Saved the hours of billing" in page and "set here" in page
    assert "Mon-Fri 08:00-12:00 13:00-17:00" in page
    app.config["QUEUE_HOURS"] = "billing=00:00-24:00"  # the variable no longer applies
    friday = datetime(NEXT_YEAR, 12, 3, tzinfo=UTC) + timedelta(
        days=(4 - date(NEXT_YEAR, 12, 3).weekday()) % 7)
    assert not status("billing", at=friday.replace(hour=12, minute=30)).open  # lunch
    assert status("billing", at=friday.replace(hour=13, minute=30)).open
    closed = status("billing", at=friday + timedelta(days=1, hours=14))
    assert not closed.open and closed.next_opening == (friday + timedelta(days=3, hours=8)
                                                       ).replace(tzinfo=None)
    assert status("general").open  # another queue keeps its (default) hours


def test_refused_hours_name_each_field_and_leave_every_queue_as_it_was(app, operator, token):
    save(operator, token, "general", **GOOD)
    save(operator, token, "billing", weekly="09:00-17:00", special="")
    before = (stored("general").weekly, stored("general").special)
    answer = save(operator, token, "general",
                  weekly="Mon 08:00-12:00 11:00-13:00\nTue 17:00-09:00\nFunday 09:00-10:00\n"
                         "Wed 8h-12h",
                  special="2020-01-01 closed New Year")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Not saved: 5 problems to fix." in html
    for said in ("weekly hours, Mon: 11:00-13:00 overlaps 08:00-12:00",
                 "weekly hours, line 2: 17:00-09:00 ends before it starts",
                 "weekly hours, line 3: &#39;Funday&#39; is not a weekday",
                 "weekly hours, line 4: &#39;8h-12h&#39; is not a span of two times",
                 "special days, line 1: 2020-01-01 is in the past"):
        assert said in html
    assert "Funday 09:00-10:00" in html  # the operator's text is kept to fix
    assert (stored("general").weekly, stored("general").special) == before
    assert stored("billing").weekly[6] == ["09:00-17:00"]
    assert len(audited("hours.save")) == 2


def test_going_back_to_the_default_removes_the_stored_hours(app, operator, token):
    save(operator, token, "general", **GOOD)
    answer = operator.post("/admin/hours/general/reset", data={"csrf_token": token()})
    assert answer.status_code == 303 and stored("general") is None
    assert [e.target for e in audited("hours.reset")] == ["general"]


def test_hours_need_an_operator_and_a_csrf_token(app, client, make_user, login):
    assert client.get("/admin/hours").status_code == 302  # to the sign-in page
    make_user("olive", "operator")
    login("olive")
    assert client.post("/admin/hours/general", data=GOOD).status_code == 400
    assert stored("general") is None
    assert client.get("/admin/hours/No%20Such").status_code == 404


def test_special_days_gone_by_are_not_shown_so_the_hours_can_be_saved_again(app, operator,
                                                                            token):
    db.session.add(QueueHours(queue="general", weekly=[["09:00-17:00"]] * 7, special=[
        {"date": "2020-12-25", "spans": [], "name": "Christmas 2020"},
        {"date": f"{NEXT_YEAR}-01-01", "spans": ["10:00-12:00"], "name": "New Year"}]))
    db.session.commit()
    page = operator.get("/admin/hours/general").get_data(as_text=True)
    assert "Christmas 2020" not in page and f"{NEXT_YEAR}-01-01 10:00-12:00 New Year" in page
    shown = {"weekly": "Mon-Sun 09:00-17:00", "special": f"{NEXT_YEAR}-01-01 10:00-12:00 New Year"}
    assert save(operator, token, "general", **shown).status_code == 303
    assert [d["name"] for d in stored("general").special] == ["New Year"]
