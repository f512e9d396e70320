"""Cutting Telegram HTML into messages: `split_html` cuts at the safest boundary (paragraph, line,
sentence, word; a word longer than the limit between characters, never inside an emoji) and
keeps every part well-formed (tags left open are closed, and reopened in the next part);
`visible_width` counts what Telegram counts: visible text after entity parsing, in UTF-16
code units.

Pure. Imports nothing from the project.
"""

from __future__ import annotations

import bisect
import html as _html
import re
import unicodedata
from itertools import accumulate
from typing import NamedTuple

# Splitting. The tags Telegram knows; any other `<x>` is text.
_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code",
                   "pre", "span", "tg-spoiler", "blockquote"})
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>"
                    r"|&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# A whitespace run (not a no-break space: its whole point is not to be split at), with the
# sentence end before it if any; tags show as \x00 in the text this runs over.
_RUN = re.compile("([.!?…。][\x00\"'”’)»\\]]*)?([^\\S\u00a0\u2007\u202f]+)")
_GLUE = frozenset("\u200d\ufe0e\ufe0f")  # joiner, variation selectors (skin tones: by range)


class _Atom(NamedTuple):
    """An indivisible piece of the HTML: a tag, or one visible character (maybe an entity)."""

    raw: str
    width: int  # visible UTF-16 code units
    kind: str  # "t" text, "o" opening tag, "c" closing tag
    key: str  # the character for text, the tag name for tags


def _text(s: str) -> list[_Atom]:  # a stray `<`, `>`, `&` is escaped: the markup stays valid
    return [_Atom(_html.escape(c, quote=False), 1 + (ord(c) > 0xFFFF), "t", c) for c in s]


def _token(m: re.Match[str]) -> list[_Atom]:
    slash, name, attrs, entity = m.groups()
    if entity is not None:
        n = 0 if entity in _NAMED else int(entity[2:], 16) if entity[1] in "xX" else int(entity[1:])
        char = _NAMED.get(entity) or (chr(n) if 0 < n <= 0x10FFFF and not 0xD800 <= n <= 0xDFFF
                                      else "")
        return [_text(char)[0]._replace(raw=m.group(0))] if char else _text(m.group(0))
    if name.lower() not in _TAGS or (slash and attrs):
        return _text(m.group(0))
    return [_Atom(m.group(0), 0, "c" if slash else "o", name.lower())]


def _glued(a: _Atom) -> bool:
    """Whether this character belongs to the one before it (a cut here would tear it)."""
    c = a.key[0]
    return a.kind == "t" and (c in _GLUE or 0x1F3FB <= ord(c) <= 0x1F3FF
                              or unicodedata.combining(c) > 0)


class _Splitter:
    """The HTML as atoms, their running visible width (`pre[i]`: of atoms[:i]), and the
    whitespace runs to cut at as (start, end, level): 3 paragraph, 2 line, 1 sentence, 0 word."""

    def __init__(self, html: str, limit: int) -> None:
        self.atoms: list[_Atom] = []
        pos = 0
        for m in _TOKEN.finditer(html):
            self.atoms += _text(html[pos:m.start()]) + _token(m)
            pos = m.end()
        self.atoms += _text(html[pos:])
        self.limit = limit
        self.stack: list[_Atom] = []  # the tags open at the end of the last part
        self.pre = list(accumulate((a.width for a in self.atoms), initial=0))
        text = "".join(a.key if a.kind == "t" else "\x00" for a in self.atoms)
        self.runs: list[tuple[int, int, int]] = []
        for m in _RUN.finditer(text):
            newlines = m.group(2).count("\n")
            level = 3 if newlines > 1 else 2 if newlines else 1 if m.group(1) else 0
            self.runs.append((m.start(2), m.end(2), level))
        self.starts = [r[0] for r in self.runs]

    def emit(self, begin: int, resume: int, cut: int) -> str:
        """One part: tags left open by the last part reopened, its own closed at the end; text
        before `resume` is the dropped separator. "" when blank. (Telegram ignores <b></b>.)"""
        out, stack, visible = [a.raw for a in self.stack], self.stack, False
        for i, a in enumerate(self.atoms[begin:cut], begin):
            if a.kind == "o":
                stack.append(a)
            elif a.kind == "c" and not (stack and stack[-1].key == a.key):
                continue  # a close that closes nothing open: Telegram would refuse it
            elif a.kind == "c":
                stack.pop()
            elif i < resume:
                continue
            out.append(a.raw)
            visible = visible or (a.kind == "t" and not a.key.isspace())
        html = "".join(out + [f"</{a.key}>" for a in reversed(stack)])
        return html if visible else ""

    def _boundary(self, start: int, hi: int) -> tuple[int, int] | None:
        """The strongest run that leaves the part at least half full (else the last one), so
        a paragraph break near the start does not make a near-empty message."""
        window = self.runs[bisect.bisect_right(self.starts, start):
                           bisect.bisect_right(self.starts, hi)]
        half = self.pre[start] + self.limit // 2
        for level in (3, 2, 1, 0):
            for a, b, lv in reversed(window):
                if lv == level and self.pre[a] >= half:
                    return a, b
        return (window[-1][0], window[-1][1]) if window else None

    def cut(self, start: int) -> tuple[int, int]:
        """Where the part starting at `start` ends, and where the next one's text starts."""
        atoms, n = self.atoms, len(self.atoms)
        hi = max(bisect.bisect_right(self.pre, self.pre[start] + self.limit) - 1, start + 1)
        if hi >= n:
            return n, n
        found = self._boundary(start, hi)
        if found:
            cut, resume = found
        else:  # one word longer than the limit: cut between characters, never in an emoji
            cut = hi
            while cut - 1 > start and (_glued(atoms[cut]) or atoms[cut - 1].key == "\u200d"):
                cut -= 1
            resume = cut
        while cut - 1 > start and atoms[cut - 1].kind == "o":  # a tag opens with its text
            cut -= 1
        return cut, resume


def visible_width(html: str) -> int:
    """Visible UTF-16 code units of Telegram HTML, as Telegram counts them."""
    return _Splitter(html, 4096).pre[-1]


def split_html(html: str, limit: int = 4096) -> list[str]:
    """Telegram HTML cut into parts of at most `limit` visible UTF-16 code units, each valid on
    its own. Cuts at a paragraph, else a line, a sentence, a word; a word longer than the limit
    is cut between characters. Never inside a tag or an entity."""
    if limit < 2:
        raise ValueError("limit must be at least 2 (one character outside the BMP)")
    splitter, parts = _Splitter(html, limit), []
    begin = resume = 0
    while resume < len(splitter.atoms):
        cut, nxt = splitter.cut(resume)
        parts.append(splitter.emit(begin, resume, cut))
        begin, resume = cut, nxt
    return [p for p in parts if p]
