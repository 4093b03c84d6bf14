"""Demo hold channels and quiz questions (content comes through the audio pipeline)."""

from __future__ import annotations

from sqlalchemy import select

from ..models import db
from .models import HoldChannel, QuizQuestion

CHANNELS = [  # key, name, kind, digit, extra phrases callers use
    ("jazz", "jazz", "music", "1", ["smooth jazz"]),
    ("classical", "classical music", "music", "2", ["classical", "orchestra"]),
    ("ambient", "calm ambient sounds", "music", "3", ["ambient", "calm", "relaxing"]),
    ("tips", "today's energy tips", "spoken", "4", ["tips", "podcast", "energy tips"]),
    ("quiz", "a quiz", "quiz", "5", ["quiz", "trivia", "game"]),
    ("callback", "a call back", "callback", "6", ["call me back", "callback", "call back"]),
]
QUESTIONS = [  # question, choices, index of the answer, fact
    ("Which appliance uses the most energy in a typical home?",
     ["the fridge", "heating and cooling", "the TV"], 1,
     "Heating and cooling is about half of a home's energy use."),
    ("How much can an LED bulb save compared with an old incandescent one?",
     ["about ten percent", "about half", "about three quarters"], 2,
     "LEDs use about seventy five percent less energy."),
    ("What should you do first when your power goes out?",
     ["check your breaker panel", "open the fridge", "call a friend"], 0,
     "A tripped breaker causes many outages inside one home."),
    ("At which temperature setting does a water heater save energy and stay safe?",
     ["one hundred twenty degrees", "one hundred sixty degrees", "ninety degrees"], 0,
     "One hundred twenty degrees Fahrenheit is the usual recommendation."),
    ("Which way should a ceiling fan turn in summer?",
     ["clockwise", "counterclockwise", "it does not matter"], 1,
     "Counterclockwise pushes cool air down."),
]


def seed_hold() -> int:
    """Channels and questions that are missing; safe to run twice."""
    added = 0
    for position, (key, name, kind, digit, phrases) in enumerate(CHANNELS):
        if db.session.scalar(select(HoldChannel).where(HoldChannel.key == key)) is None:
            db.session.add(HoldChannel(key=key, name=name, kind=kind, digit=digit,
                                       phrases=phrases, position=position))
            added += 1
    if db.session.scalar(select(QuizQuestion).limit(1)) is None:
        for position, (question, choices, answer, fact) in enumerate(QUESTIONS):
            db.session.add(QuizQuestion(question=question, choices=choices, answer=answer,
                                        fact=fact, position=position))
    return added
