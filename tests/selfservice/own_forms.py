"""A menu copied to a new line texts that line's own forms (a line may text no other's):
each form it names is saved again for the new line under an id of its own, as an operator
making a line from another's would do in the forms page."""

from __future__ import annotations

import copy
import re
import zlib

from app.selfservice import form_store
from app.selfservice.forms import FORMS_DIR


def with_own_forms(definition: dict) -> dict:
    """The menu, its sms_link nodes naming copies of their forms on its line."""
    line, menu = definition["name"], copy.deepcopy(definition)
    for node in menu["nodes"].values():
        if node.get("type") == "sms_link":
            node["form"] = form_copy(node["form"], line)
    return menu


def form_copy(form: str, line: str) -> str:
    key = f"{form}_{zlib.crc32(line.encode()) % 100_000}"
    if form_store.head(key) is None:
        text = (FORMS_DIR / f"{form}.yaml").read_text(encoding="utf-8")
        text = re.sub(r"(?m)^line: .*\n", "", text.replace(f"id: {form}\n", f"id: {key}\n", 1))
        assert form_store.save(key, text, 0, None, line) is not None
    return key
