"""Calls through the real webhooks: a closed queue says when it opens again (in the
line's timezone), an `hours` node routes by open or closed, and one queue's broken
hours never stop a caller reaching hold or a person."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from time import sleep
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from sqlalchemy import select

from app import menus
from app.hours import service as hours
from app.hours.models import QueueHours
from app.models import db
from app.simulator import say

CLINIC_NUMBER = "+15005550123"
DESK = "clinic-main.front_desk"  # the clinic's own front desk: its queue's key on the server
SEOUL = "Asia/Seoul"
CLINIC = {
    "name": "clinic-main", "start": "check",
    "settings": {"person": "desk", "timezone": SEOUL},
    "nodes": {
        "check": {"type": "hours", "queue": "front_desk", "if_open": "desk",
                  "if_closed": "closed"},
        "closed": {"type": "say", "prompt": "The clinic is closed. {{ hours.opens_again }}",
                   "next": "message"},
        "message": {"type": "voicemail", "queue": "front_desk",
                    "prompt": "Please leave a message after the tone."},
        "desk": {"type": "queue", "queue": "front_desk",
                 "prompt": "Connecting you to the front desk."},
    },
}


def only_open(queue: str, days_ahead: int, zone: str) -> str:
    """Hours for the queue on one weekday a few days from now (in that zone) only, so it
    is closed now, whenever the test runs; returns that weekday's English name."""
    day = datetime.now(ZoneInfo(zone)) + timedelta(days=days_ahead)
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[day.weekday()]
    hours.save(queue, f"{weekday} 08:00-17:00", "", "test")
    db.session.commit()
    return format_date(day.date(), "EEEE", locale="en")


def test_a_closed_queue_tells_the_caller_when_it_opens_again(app, simulate):
    weekday = only_open("general", 3, "UTC")
    t = simulate([say("agent")], wait_loops=2)
    assert f"We're closed right now. We open again on {weekday} at 8:00\u202fAM." in t.ivr_text
    assert "We can call you back" in t.ivr_text


def test_the_hours_run_in_the_lines_timezone(app, simulate):
    """Open now by the server's clock (UTC), closed by the line's (UTC+12)."""
    definition = menus.menu_of(menus.version_for_number("+15005550006")).model_dump(mode="json")
    definition["settings"]["timezone"] = "Etc/GMT-12"
    menus.save_version(definition, publish=True)
    hour = datetime.now(ZoneInfo("UTC")).hour
    start, end = max(0, hour - 1), min(24, hour + 2)
    hours.save("general", f"{start:02d}:00-{end:02d}:00", "", "test")
    db.session.commit()
    assert hours.status("general").open  # in the server's zone
    t = simulate([say("agent")], wait_loops=2)
    opening = format_time(time(start), format="short", locale="en_US")
    assert "We're closed right now. We open again" in t.ivr_text
    assert f"at {opening}." in t.ivr_text


def route_clinic() -> None:
    menus.save_version(CLINIC, publish=True)
    menus.route_number(CLINIC_NUMBER, "clinic-main")
    db.session.commit()


def test_an_hours_node_routes_a_closed_line_to_its_closed_branch(app, simulate):
    route_clinic()
    weekday = only_open(DESK, 2, SEOUL)
    t = simulate([], dialled=CLINIC_NUMBER)
    assert f"The clinic is closed. We open again on {weekday} at 8:00\u202fAM." in t.ivr_text
    assert t.responses[-1].find("Record") is not None
    assert "front desk" not in t.ivr_text


def test_an_hours_node_routes_an_open_line_to_the_queue(app, simulate):
    route_clinic()
    hours.save(DESK, "00:00-24:00", "", "test")
    db.session.commit()
    t = simulate([], dialled=CLINIC_NUMBER)
    assert "Connecting you to the front desk." in t.ivr_text
    assert t.responses[0].find("Enqueue").text == DESK


def test_broken_stored_hours_of_one_queue_leave_the_caller_a_way_to_a_person(app, simulate):
    """A row damaged outside the app: its queue counts as open, the others keep theirs."""
    route_clinic()
    db.session.add(QueueHours(queue=DESK, weekly=[["Mon 08:00-17:00"]], special={}))
    only_open("general", 3, "UTC")
    t = simulate([], dialled=CLINIC_NUMBER, wait_loops=2)
    assert "Connecting you to the front desk." in t.ivr_text
    assert "closed" not in t.ivr_text
    assert not hours.status("general").open  # the other queue's hours still apply
    row = db.session.scalar(select(QueueHours).where(QueueHours.queue == DESK))
    assert row.weekly == [["Mon 08:00-17:00"]]


def test_hours_another_worker_saves_are_heard_within_the_ttl(app, simulate):
    """Each worker keeps a queue's hours a few seconds (issue 14: read on every hold
    request); a save elsewhere reaches this worker's callers once they expire."""
    app.config["QUEUE_HOURS_TTL_S"] = 0.5
    route_clinic()
    hours.save(DESK, "00:00-24:00", "", "test")
    db.session.commit()
    assert "Connecting you to the front desk." in simulate([], dialled=CLINIC_NUMBER).ivr_text
    with db.engine.begin() as elsewhere:  # not this process's session: no event clears it
        elsewhere.execute(QueueHours.__table__.update().values(weekly=[[]] * 7))
    assert "Connecting you" in simulate([], dialled=CLINIC_NUMBER).ivr_text  # kept copy
    sleep(0.6)
    t = simulate([], dialled=CLINIC_NUMBER)
    assert "The clinic is closed." in t.ivr_text
    assert "front desk" not in t.ivr_text
