"""Channel kinds are declared ones: the column keeps the plain name (as before the enum)
and reads back as the kind with its behaviour; an undeclared kind is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.hold.kinds import ChannelKind
from app.hold.models import HoldChannel
from app.models import db


def test_a_channel_kind_is_stored_by_name_and_read_back_with_its_behaviour(app):
    db.session.add(HoldChannel(key="stories", name="bedtime stories", kind="spoken",
                               digit="8"))
    db.session.commit()
    assert db.session.execute(text("select kind from hold_channel where key = 'stories'")
                              ).scalar_one() == "spoken"
    db.session.expire_all()
    stories = db.session.scalar(select(HoldChannel).where(HoldChannel.key == "stories"))
    assert stories.kind is ChannelKind.SPOKEN and stories.kind.by_weekday
    assert not ChannelKind.QUIZ.plays_audio and ChannelKind.MUSIC.music_bed


def test_an_undeclared_kind_is_refused(app):
    with pytest.raises(ValueError, match="video"):
        HoldChannel(key="clips", name="clips", kind="video", digit="9")
