"""A business-hours setting the server cannot use stops start-up with one clear message,
instead of failing every caller's hold request later."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.config import ConfigError, TestConfig

ROOT = Path(__file__).parents[2]


def config(**values):
    return type("Config", (TestConfig,), values)


def test_hours_the_parser_does_not_know_refuse_to_start_naming_the_part():
    with pytest.raises(ConfigError) as refused:
        create_app(config(QUEUE_HOURS="general=08:00-20:00,"
                                      "front_desk=Mon-Fir 08:00-17:00;Sat 09:00-13:00"))
    assert str(refused.value) == (
        "HOLDLINE_QUEUE_HOURS is not valid: queue 'front_desk', line 1: 'Mon-Fir' is not a "
        "weekday or weekday range (Mon, Tue, Wed, Thu, Fri, Sat, Sun; e.g. Mon-Fri)")


@pytest.mark.parametrize("hours, part", [
    ("general=20:00-08:00", "queue 'general': 20:00-08:00 ends before it starts"),
    ("general=08:00-12:00 11:00-13:00", "queue 'general', Mon-Sun: 11:00-13:00 overlaps"),
    ("general:08:00-20:00", "'general:08:00-20:00': expected queue=hours"),
])
def test_other_bad_hours_are_named_too(hours, part):
    with pytest.raises(ConfigError, match=part):
        create_app(config(QUEUE_HOURS=hours))


def test_an_unknown_timezone_refuses_to_start():
    with pytest.raises(ConfigError, match="HOLDLINE_TIMEZONE: unknown timezone 'Europe/Paaris'"):
        create_app(config(CENTRE_TIMEZONE="Europe/Paaris"))


def test_the_weekday_form_of_the_variable_starts():
    app = create_app(config(QUEUE_HOURS="front_desk=Mon-Fri 08:00-17:00;Sat 09:00-13:00"))
    assert app.config["QUEUE_HOURS"].startswith("front_desk=")


def test_the_environment_variable_itself_is_checked_when_the_server_starts(tmp_path):
    """As gunicorn would load it: the process fails and the message says what is wrong."""
    env = {**os.environ, "HOLDLINE_QUEUE_HOURS": "front_desk=Mon-Fri 08:00-17:00;Sat 9-13",
           "HOLDLINE_INSTANCE_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", "from app import create_app; create_app()"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1] == (
        "app.config.ConfigError: HOLDLINE_QUEUE_HOURS is not valid: queue 'front_desk', "
        "line 2: '9-13' is not a span of two times (HH:MM-HH:MM, 00:00 to 24:00)")
