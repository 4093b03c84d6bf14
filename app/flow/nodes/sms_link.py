"""sms_link: text the caller a signed link to a mobile form, then say so (the prompt)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field

from ..actions import LinkSent, SendLink
from ..errors import MenuError
from ..node_types import FormField, Known, MenuView, NodeType, Turn, register
from ..parts import NodeBase, NodeId

TEXT_S = 4.0  # the provider's HTTP timeout when sending a text (telephony)


class SmsLinkNode(NodeBase):
    """Text the caller a signed link to a mobile form, then say so (the prompt)."""

    type: Literal["sms_link"]
    form: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$")]
    next: NodeId


def run(turn: Turn, node_id: str, node: SmsLinkNode) -> None:
    turn.actions.append(SendLink(node.form))


def sent(turn: Turn, node: SmsLinkNode, event: LinkSent) -> None:
    turn.note("link_sent" if event.ok else "link_failed", form=node.form, error=event.error)
    if event.ok:
        turn.state.variables["link_sent"] = node.form
        turn.say(node.prompt)
        turn.enter(node.next)
    elif event.error == "rate limited":
        turn.hand_off("self-service could not help",
                      apology=turn.t("We've already texted you several links in the "
                                     "last hour."))
    else:
        turn.hand_off("self-service could not help",
                      apology=turn.t("Sorry, I couldn't send the text message right now."))


def may_text(line: str, form_line: str | None) -> bool:
    """A line texts its own forms and those of no line (every line's): the validator's rule
    and the call path's, so a menu published before forms had lines obeys it too."""
    return form_line in (None, line)


def check(menu: MenuView, node_id: str, node: SmsLinkNode, known: Known) -> Iterator[MenuError]:
    """A line texts its own forms. Another line's is named as such, not by its line: an
    operator of one business does not learn which others share the server."""
    if known.forms is None:
        return
    if node.form not in known.forms:
        problem = f"unknown form {node.form!r}"
    elif not may_text(menu.name, known.forms[node.form]):
        problem = f"form {node.form!r} belongs to another line"
    else:
        return
    own = sorted(key for key, line in known.forms.items() if may_text(menu.name, line))
    yield MenuError(node_id, "form", f"{problem}; this line's forms: "
                                     f"{', '.join(own) if own else 'none yet'}")


register(NodeType(
    "sms_link", SmsLinkNode, run, links=("next",), form=(FormField("next", "Then go to"),),
    prompts=True, cost=lambda node: (1, TEXT_S), result=LinkSent, on_result=sent,
    check=check))
