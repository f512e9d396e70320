"""The console channel: the embedded default. Prints alerts when no chat channel is configured.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import sys
import textwrap
from typing import TextIO

from bot.models import Change, ChangeKind, Source

TEXT_LIMIT = 600  # characters of body text shown under the title
RULE = "─" * 72


def render_console(source: Source, change: Change) -> str:
    """Pure: the text block printed for one new or revised item."""
    item = change.item
    when = item.published.strftime("%Y-%m-%d %H:%M UTC") if item.published else "undated"
    label = "NEW" if change.kind is ChangeKind.NEW else "REVISED"
    head = f"{label} · {source.name or source.id} ({item.agency}, {item.jurisdiction}) · {when}"
    lines = [RULE, head, "", *textwrap.wrap(item.title, 72)]
    if change.kind is ChangeKind.REVISED and change.previous is not None:
        lines += ["", *_what_changed(change)]
    lines += _paragraphs(item.text.strip())
    lines += ["", item.url]
    return "\n".join(lines)


def _paragraphs(body: str) -> list[str]:
    """The first TEXT_LIMIT characters of the body, wrapped paragraph by paragraph."""
    if len(body) > TEXT_LIMIT:
        body = body[:TEXT_LIMIT].rsplit(" ", 1)[0] + " …"
    out: list[str] = []
    for para in (p for p in body.split("\n") if p.strip()):
        out += ["", *textwrap.wrap(para, 72)]
    return out


def _what_changed(change: Change) -> list[str]:
    prev = change.previous
    assert prev is not None
    notes = []
    if prev.title != change.item.title:
        notes.append(f"(title was: {prev.title})")
    if prev.text != change.item.text:
        delta = len(change.item.text) - len(prev.text)
        notes.append(f"(text edited: {delta:+d} characters; the earlier version is kept)")
    return notes


class ConsoleChannel:
    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout

    async def publish(self, source: Source, change: Change) -> None:
        print(render_console(source, change), file=self._out, flush=True)
