"""Each worker keeps a line's hold content (issue 14: the waitUrl path's speed); what an
operator changes is still what the next callers hear."""

from __future__ import annotations

import time

from sqlalchemy import select, update

from app.hold.models import HoldChannel
from app.models import db
from tests.hold.test_hold import library, wait  # noqa: F401  (fixture)


def hold_menu(simulate, caller: str) -> str:
    t = wait(simulate, [], 1, caller=caller)
    return next(line for line in t.said() if line.startswith("While you wait:"))


def test_a_channel_renamed_here_is_heard_by_the_next_caller(simulate, library):  # noqa: F811
    assert "For jazz, press 1." in hold_menu(simulate, "+15550000001")
    db.session.scalar(select(HoldChannel).where(HoldChannel.key == "jazz")).name = "swing"
    db.session.commit()
    assert "For swing, press 1." in hold_menu(simulate, "+15550000002")


def test_another_workers_change_is_heard_within_the_ttl(app, simulate, library):  # noqa: F811
    app.config["HOLD_CONTENT_TTL_S"] = 0.5
    assert "For jazz, press 1." in hold_menu(simulate, "+15550000001")
    with db.engine.begin() as elsewhere:  # not this process's session: no event clears it
        elsewhere.execute(update(HoldChannel).where(HoldChannel.key == "jazz")
                          .values(active=False))
    time.sleep(0.6)
    menu = hold_menu(simulate, "+15550000002")
    assert menu.startswith("While you wait: For classical music, press 2.")
