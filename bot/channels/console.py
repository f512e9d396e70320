"""The console channel: the embedded default. Prints alerts when no chat channel is configured.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence
from typing import TextIO

from bot.models import Change, ChangeKind, Flood, Source

TEXT_LIMIT = 600  # characters of body text shown under the title
RULE = "─" * 72


def render_console(source: Source, change: Change, notes: Sequence[str] = ()) -> str:
    """Pure: the text block printed for one new or revised item. `notes` say what it adds to
    its story, or what a revision changed."""
    item = change.item
    when = item.published.strftime("%Y-%m-%d %H:%M UTC") if item.published else "undated"
    label = "NEW" if change.kind is ChangeKind.NEW else "REVISED"
    head = f"{label} · {source.name or source.id} ({item.agency}, {item.jurisdiction}) · {when}"
    lines = [RULE, head, "", *textwrap.wrap(item.title, 72)]
    for note in notes:
        lines += ["", *textwrap.wrap(note, 72)]
    if not notes:  # a development or revision says what changed, not the whole text again
        lines += _paragraphs(item.text.strip())
    lines += ["", item.url]
    return "\n".join(lines)


def render_flood(source: Source, flood: Flood) -> str:
    """Pure: the one block printed for a refresh whose changes were held back."""
    head = f"HELD BACK · {source.name or source.id} ({source.agency}, {source.jurisdiction})"
    text = (f"{flood.changed:,} items changed at once, more than the {flood.limit:,} one "
            "refresh may announce: they are recorded, and no alert was sent for each.")
    return "\n".join([RULE, head, "", *textwrap.wrap(text, 72), "", source.url])


def _paragraphs(body: str) -> list[str]:
    """The first TEXT_LIMIT characters of the body, wrapped paragraph by paragraph."""
    if len(body) > TEXT_LIMIT:
        body = body[:TEXT_LIMIT].rsplit(" ", 1)[0] + " …"
    out: list[str] = []
    for para in (p for p in body.split("\n") if p.strip()):
        out += ["", *textwrap.wrap(para, 72)]
    return out


class ConsoleChannel:
    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout

    async def publish(self, source: Source, change: Change, notes: Sequence[str] = ()) -> None:
        print(render_console(source, change, notes), file=self._out, flush=True)

    async def flood(self, source: Source, flood: Flood) -> None:
        print(render_flood(source, flood), file=self._out, flush=True)
