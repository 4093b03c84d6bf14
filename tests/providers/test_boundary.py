"""Only the provider's package knows the provider: outside app/providers/twilio/, no file
imports the twilio library or names a Twilio field, header or TwiML class."""

from __future__ import annotations

import re
from pathlib import Path

import app

APP = Path(app.__file__).parent
TWILIO = APP / "providers" / "twilio"
LIBRARY = re.compile(r"^\s*(?:import|from)\s+twilio\b", re.MULTILINE)
# Twilio's webhook parameters, Media Stream keys, signature header and TwiML builders.
FIELDS = ["CallSid", "AccountSid", "SpeechResult", "CallStatus", "CallDuration",
          "DialCallStatus", "QueueResult", "QueueTime", "QueuePosition", "AvgQueueTime",
          "CurrentQueueSize", "QueueSid", "MessageSid", "MessageStatus",
          "ErrorCode", "ErrorUrl", "RecordingUrl", "RecordingSid", "RecordingDuration",
          "RecordingStatus", "streamSid", "callSid", "mediaFormat", "X-Twilio-Signature",
          "VoiceResponse", "RequestValidator", "TwilioRestException"]
# Field names that are also English words: only as string literals ("From", 'Digits').
QUOTED = ["From", "To", "Digits", "Confidence", "Direction"]
WORDS, QUOTES = "|".join(FIELDS), "|".join(QUOTED)
VOCABULARY = re.compile(rf"\b(?:{WORDS})\b|[\"'](?:{QUOTES})[\"']")


def sources(root: Path) -> list[Path]:
    """Our own files: vendored third-party bundles (static/vendor/) are not ours to check."""
    return [p for p in sorted(root.rglob("*")) if p.suffix in (".py", ".html", ".js")
            and "vendor" not in p.relative_to(root).parts]


def leaks(pattern: re.Pattern, root: Path = APP) -> list[str]:
    found = []
    for path in sources(root):
        if TWILIO in path.parents:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(APP.parent)}:{number}: {line.strip()}")
    return found


def test_the_twilio_library_is_imported_only_by_its_adapter():
    assert leaks(LIBRARY) == []


def test_twilio_field_names_appear_only_in_its_adapter():
    assert leaks(VOCABULARY) == []


def test_the_search_finds_the_vocabulary_where_it_lives():
    """The patterns are not vacuous: the adapter itself is full of them."""
    inside = "\n".join(p.read_text(encoding="utf-8") for p in sources(TWILIO))
    assert LIBRARY.search(inside)
    missing = [f for f in FIELDS + QUOTED if not re.search(rf"\b{re.escape(f)}\b", inside)]
    assert missing == []
