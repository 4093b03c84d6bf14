"""The HTML `lang` of text in a menu's language, so screen readers read Korean as Korean."""

from __future__ import annotations

PAGE_LANGUAGE = "en"  # base.html's <html lang>


def html_lang(language: object) -> str:
    """"ko-KR" -> "ko"; "" when it is the page's own language (nothing to mark) or unset."""
    primary = str(language or "").split("-")[0].lower()
    return "" if primary in ("", PAGE_LANGUAGE) else primary
