"""The one sentence a caller hears when something on our side breaks, per language.

Kept apart (and tiny) so the phrase catalogue can take it over; nothing here may need
the database, since it is said when the database is down.
"""

from __future__ import annotations

APOLOGY = {"en": "Sorry, something went wrong on our side. Let me get you to a person.",
           "es": "Lo sentimos, algo salió mal de nuestro lado. Le comunico con una persona.",
           "ko": "죄송합니다. 저희 쪽에 문제가 생겼습니다. 상담원에게 연결해 드리겠습니다."}


def apology_for(language: str) -> str:
    return APOLOGY.get(language.split("-")[0], APOLOGY["en"])


def speaks(language: str) -> str:
    """The language the apology is said in: the caller's when we have it, else en-US."""
    return language if language.split("-")[0] in APOLOGY else "en-US"
