"""The sentence a caller hears when something on our side breaks. It is said while the
database is down, so it comes from the phrase catalogue (files), never the database."""

from __future__ import annotations

from .flow.phrases import N_, has_catalogue, phrases

APOLOGY = N_("Sorry, something went wrong on our side. Let me get you to a person.")


def apology_for(language: str) -> str:
    return phrases(language).t(APOLOGY)


def speaks(language: str) -> str:
    """The language the apology is said in: the caller's when catalogued, else en-US."""
    return language if has_catalogue(language) else "en-US"
