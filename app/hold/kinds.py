"""Hold channel kinds, each declared once with what it does: the hold planner, the audio
library, the content pages and the database column read these; none of them compares a
kind's name. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from ..flow.phrases import N_

# What choosing a channel does: (the hold turn, the channel) -> None. The default plays
# the channel's next segment of audio.
Play = Callable[[Any, Any], None]


def _play_segment(hold: Any, channel: Any) -> None:
    hold.play_segment(channel)


@dataclass(frozen=True)
class Behaviour:
    plays_audio: bool = False  # tracks from the audio library: uploads, imports, feeds
    by_weekday: bool = False  # a track may play on one day of the week only
    takes_feeds: bool = False  # podcast feeds' episodes play on it
    music_bed: bool = False  # the house music, and the music under a question
    offer: str = N_("For {name}, press {digit}.")  # the line that offers it
    play: Play = _play_segment


class ChannelKind(StrEnum):
    """A hold channel's kind (the `kind` column): equal to its name as a string."""

    MUSIC = "music", Behaviour(plays_audio=True, music_bed=True)
    SPOKEN = "spoken", Behaviour(plays_audio=True, by_weekday=True, takes_feeds=True)
    QUIZ = "quiz", Behaviour(play=lambda hold, channel: hold.ask_question())
    CALLBACK = "callback", Behaviour(
        offer=N_("To get a call back that keeps your place, press {digit}."),
        play=lambda hold, channel: hold.offer_callback())

    # each member's behaviour, as attributes: ChannelKind.QUIZ.plays_audio
    plays_audio: bool
    by_weekday: bool
    takes_feeds: bool
    music_bed: bool
    offer: str
    play: Play

    def __new__(cls, value: str, behaviour: Behaviour) -> ChannelKind:
        kind = str.__new__(cls, value)
        kind._value_ = value
        for field in fields(Behaviour):
            setattr(kind, field.name, getattr(behaviour, field.name))
        return kind

    @classmethod
    def with_audio(cls) -> list[ChannelKind]:
        return [kind for kind in cls if kind.plays_audio]
