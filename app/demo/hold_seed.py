"""Demo hold channels and quiz questions of each demo line (content comes through the
audio pipeline).

The shipped names and questions are in the phrase catalogues, so a caller who queued in
Korean hears them in Korean; what operators write themselves is said as written."""

from __future__ import annotations

from sqlalchemy import select

from ..flow.phrases import N_
from ..hold.models import FIRST_LINE, HoldChannel, QuizQuestion
from ..models import db

DENTAL_LINE = "brightsmile-dental"

CHANNELS = [  # key, name, kind, digit, extra phrases callers use
    ("jazz", N_("jazz"), "music", "1", ["smooth jazz"]),
    ("classical", N_("classical music"), "music", "2", ["classical", "orchestra"]),
    ("ambient", N_("calm ambient sounds"), "music", "3", ["ambient", "calm", "relaxing"]),
    ("tips", N_("today's energy tips"), "spoken", "4", ["tips", "energy tips"]),
    ("quiz", N_("a quiz"), "quiz", "5", ["quiz", "trivia", "game"]),
    ("callback", N_("a call back"), "callback", "6", ["call me back", "callback", "call back"]),
    ("podcast", N_("our podcast"), "spoken", "7", ["podcast", "latest episode"]),
]
FED_LATER = {"podcast"}  # off until a feed brings its first episode (app/hold/feeds.py)
QUESTIONS = [  # question, choices, index of the answer, fact
    (N_("Which appliance uses the most energy in a typical home?"),
     [N_("the fridge"), N_("heating and cooling"), N_("the TV")], 1,
     N_("Heating and cooling is about half of a home's energy use.")),
    (N_("How much can an LED bulb save compared with an old incandescent one?"),
     [N_("about ten percent"), N_("about half"), N_("about three quarters")], 2,
     N_("LEDs use about seventy five percent less energy.")),
    (N_("What should you do first when your power goes out?"),
     [N_("check your breaker panel"), N_("open the fridge"), N_("call a friend")], 0,
     N_("A tripped breaker causes many outages inside one home.")),
    (N_("At which temperature setting does a water heater save energy and stay safe?"),
     [N_("one hundred twenty degrees"), N_("one hundred sixty degrees"), N_("ninety degrees")], 0,
     N_("One hundred twenty degrees Fahrenheit is the usual recommendation.")),
    (N_("Which way should a ceiling fan turn in summer?"),
     [N_("clockwise"), N_("counterclockwise"), N_("it does not matter")], 1,
     N_("Counterclockwise pushes cool air down.")),
    (N_("What uses more hot water: a shower or a bath?"),
     [N_("a five minute shower"), N_("a full bath"), N_("they are the same")], 1,
     N_("A full bath uses about twice the hot water of a five minute shower.")),
    (N_("Which light bulb lasts the longest?"),
     [N_("an incandescent bulb"), N_("a halogen bulb"), N_("an LED bulb")], 2,
     N_("An LED bulb can last twenty five thousand hours.")),
    (N_("Where should a fridge stand to save energy?"),
     [N_("next to the oven"), N_("away from heat and sunlight"), N_("in a sunny window")], 1,
     N_("A fridge near heat works harder to stay cold.")),
    (N_("What does a smart thermostat do?"),
     [N_("heats only when you need it"), N_("makes the boiler louder"),
      N_("turns off the lights")], 0,
     N_("Heating on a schedule can save about ten percent a year.")),
    (N_("When is electricity usually cheapest on a time of use plan?"),
     [N_("early evening"), N_("overnight"), N_("at lunchtime")], 1,
     N_("Demand is low overnight, so prices are lower.")),
]


DENTAL_CHANNELS = [  # channel keys are unique across lines
    ("smile-music", N_("calm music"), "music", "1", ["music", "calm", "relaxing"]),
    ("smile-tips", N_("tips for healthy teeth"), "spoken", "2",
     ["tips", "dental tips", "teeth"]),
    ("smile-quiz", N_("a smile quiz"), "quiz", "3", ["quiz", "trivia", "game"]),
    ("smile-callback", N_("a call back"), "callback", "4",
     ["call me back", "callback", "call back"]),
]
DENTAL_QUESTIONS = [
    (N_("How long should you brush your teeth each time?"),
     [N_("thirty seconds"), N_("two minutes"), N_("ten minutes")], 1,
     N_("Two minutes, twice a day, reaches every tooth.")),
    (N_("How often should you get a new toothbrush?"),
     [N_("every three months"), N_("every two years"), N_("never")], 0,
     N_("Worn bristles clean much less well after about three months.")),
    (N_("How many teeth does an adult usually have?"),
     [N_("twenty"), N_("thirty two"), N_("forty")], 1,
     N_("Thirty two, counting the four wisdom teeth.")),
    (N_("What is the hardest part of the human body?"),
     [N_("bone"), N_("tooth enamel"), N_("fingernails")], 1,
     N_("Tooth enamel is harder than bone.")),
]
# Each demo line's hold: channels (FED_LATER ones off until fed) and quiz questions.
LINES = {FIRST_LINE: (CHANNELS, QUESTIONS), DENTAL_LINE: (DENTAL_CHANNELS, DENTAL_QUESTIONS)}
# Audio channels of the dental line that play demo tunes made for the first line.
TUNES_FROM = {"smile-music": ("ambient", "classical")}


def seed_hold() -> int:
    """Each demo line's channels and questions that are missing; safe to run twice."""
    return sum(seed_line_hold(line, channels, questions)
               for line, (channels, questions) in LINES.items())


def seed_line_hold(line: str, channels: list, questions: list) -> int:
    """One line's channels (keys are unique across lines) and, if it has none, its quiz."""
    added = 0
    for position, (key, name, kind, digit, phrases) in enumerate(channels):
        if db.session.scalar(select(HoldChannel).where(HoldChannel.key == key)) is None:
            db.session.add(HoldChannel(key=key, line=line, name=name, kind=kind, digit=digit,
                                       phrases=phrases, position=position,
                                       active=key not in FED_LATER))
            added += 1
    if db.session.scalar(select(QuizQuestion).where(QuizQuestion.line == line)
                         .limit(1)) is None:
        for position, (question, choices, answer, fact) in enumerate(questions):
            db.session.add(QuizQuestion(line=line, question=question, choices=choices,
                                        answer=answer, fact=fact, position=position))
    return added
