"""Each test session matches afresh. `make mutate` forks every mutant's test run from a
process that has already run the tests: answers the matcher cached there (the menu's
texts, its vectors, a sentence's words) would hide the mutant and let it survive."""

from __future__ import annotations

import pytest

from app.flow import intents, yesno


@pytest.fixture(autouse=True, scope="session")
def fresh_matcher_caches() -> None:
    for cached in (intents._words, intents.menu_texts, intents._option_vectors,
                   intents._option_words, intents._known_words, yesno.word_lists):
        cached.cache_clear()
