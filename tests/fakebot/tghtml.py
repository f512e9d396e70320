"""Telegram's HTML parse mode, as the Bot API server applies it to sendMessage text.

parse_html(text) -> (visible text, entities) or raises HtmlError with the message Telegram puts
after "Bad Request: can't parse entities: ". Modelled on tdlib's parser (td/telegram/
MessageEntity.cpp): the text is stripped first; tag names are case-insensitive; only the tags in
TAGS exist; end tags must close the innermost open tag; attributes may be quoted or bare;
entities are counted in UTF-16 code units, as Telegram does.

Stricter than Telegram on one point, on purpose: tdlib keeps a bare "&" (or "&nbsp;") literally,
the fake rejects it, because the Bot API documents that every "&" must be escaped and a bare one
means feed text went out unescaped. Not modelled: <tg-emoji>, <br>-style void tags (Telegram
rejects them too), splitting of overlapping entities, auto-detected url/mention entities.

Imports nothing from the fake or from bot/.
"""

from __future__ import annotations

import re
from typing import Any

ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote",
}
TAGS = frozenset(ENTITY_TYPES)

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_START = re.compile(r"<([^\s>/]*)")
_ATTR = re.compile(
    r"\s*([^\s=>/\"']+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9.\-]+)))?", re.ASCII
)
_END = re.compile(r"</([^\s>]*)\s*>")
_TAG_CLOSE = re.compile(r"\s*>")


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; str() is Telegram's wording."""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP (most emoji) count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The visible text and its formatting entities (offsets and lengths in UTF-16 units)."""
    source = text.strip()
    out: list[str] = []
    pos16 = 0  # UTF-16 length of `out` so far
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "&":
            decoded, i = _entity_at(source, i)
            out.append(decoded)
            pos16 += utf16_len(decoded)
        elif ch != "<":
            out.append(ch)
            pos16 += utf16_len(ch)
            i += 1
        elif source.startswith("</", i):
            i = _close_tag(source, i, stack, entities, pos16)
        else:
            frame, i = _open_tag(source, i)
            frame["offset"] = pos16
            stack.append(frame)
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    visible = "".join(out).rstrip()
    return visible, _clip(entities, utf16_len(visible))


def _byte_offset(source: str, i: int) -> int:
    return len(source[:i].encode("utf-8"))


def _entity_at(source: str, i: int) -> tuple[str, int]:
    match = _ENTITY.match(source, i)
    if match is not None:
        named, dec, hexa = match.groups()
        if named:
            return _NAMED[named], match.end()
        code = int(dec) if dec else int(hexa, 16)
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), match.end()
    raise HtmlError(
        f"Unsupported HTML entity at byte offset {_byte_offset(source, i)}: "
        'escape "&" as "&amp;"'
    )


def _open_tag(source: str, i: int) -> tuple[dict[str, Any], int]:
    start = _START.match(source, i)
    assert start is not None  # the pattern matches any "<"
    name = start.group(1).lower()
    at = _byte_offset(source, i)
    if name not in TAGS:
        raise HtmlError(f'Unsupported start tag "{name}" at byte offset {at}')
    attrs: dict[str, str] = {}
    j = start.end()
    while True:
        attr = _ATTR.match(source, j)
        if attr is None or attr.end() == j:
            break
        key, *values = attr.groups()
        raw = next((v for v in values if v is not None), "")
        attrs[key.lower()] = _decode_attr(raw, source, j)
        j = attr.end()
    close = _TAG_CLOSE.match(source, j)
    if close is None:
        raise HtmlError(f"Unclosed start tag at byte offset {at}")
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
    return {"tag": name, "attrs": attrs}, close.end()


def _decode_attr(raw: str, source: str, at: int) -> str:
    parts, k = [], 0
    while (amp := raw.find("&", k)) >= 0:
        parts.append(raw[k:amp])
        try:
            decoded, end = _entity_at(raw, amp)
        except HtmlError:
            raise HtmlError(
                f"Unsupported HTML entity at byte offset {_byte_offset(source, at)}: "
                'escape "&" as "&amp;"'
            ) from None
        parts.append(decoded)
        k = end
    parts.append(raw[k:])
    return "".join(parts)


def _close_tag(
    source: str, i: int, stack: list[dict[str, Any]], entities: list[dict[str, Any]], pos16: int
) -> int:
    at = _byte_offset(source, i)
    match = _END.match(source, i)
    if not stack:
        raise HtmlError(f"Unexpected end tag at byte offset {at}")
    if match is None:
        raise HtmlError(f"Unclosed end tag at byte offset {at}")
    frame = stack.pop()
    name = match.group(1).lower()
    if name and name != frame["tag"]:
        raise HtmlError(
            f'Unmatched end tag at byte offset {at}, expected "</{frame["tag"]}>", '
            f'found "</{name}>"'
        )
    entity = _entity_for(frame, stack, pos16)
    if entity is not None:
        entities.append(entity)
    return match.end()


def _entity_for(
    frame: dict[str, Any], stack: list[dict[str, Any]], pos16: int
) -> dict[str, Any] | None:
    tag, attrs = frame["tag"], frame["attrs"]
    language = attrs.get("class", "").removeprefix("language-") if tag == "code" else ""
    if tag == "code" and language and stack and stack[-1]["tag"] == "pre":
        stack[-1]["language"] = language  # <pre><code class="language-x"> is one pre entity
        return None
    length = pos16 - frame["offset"]
    if length <= 0 or (tag == "a" and not attrs.get("href")):
        return None
    entity: dict[str, Any] = {"type": ENTITY_TYPES[tag], "offset": frame["offset"],
                              "length": length}
    if tag == "a":
        entity["url"] = attrs["href"]
    elif tag == "pre" and frame.get("language"):
        entity["language"] = frame["language"]
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    return entity


def _clip(entities: list[dict[str, Any]], end: int) -> list[dict[str, Any]]:
    """Entities cut at the end of the (right-stripped) text, outermost first."""
    kept = []
    for entity in entities:
        length = min(entity["length"], end - entity["offset"])
        if length > 0:
            kept.append({**entity, "length": length})
    return sorted(kept, key=lambda e: (e["offset"], -e["length"]))
