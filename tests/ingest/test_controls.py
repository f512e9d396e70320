"""Feed text that would act on a terminal or reorder text never leaves normalisation."""

from __future__ import annotations

import pytest

from bot.ingest.controls import strip_controls
from bot.ingest.normalize import normalize
from bot.models import FEDERAL, RawItem, Source

ICE = Source(id="ice-breaking", kind="feed", url="https://www.ice.gov/rss/ice-breaking-news",
             agency="ice", jurisdiction=FEDERAL)
# Everything a reader must never get from a feed, whatever the field.
FORBIDDEN = [chr(c) for c in (*range(0, 9), *range(11, 32), *range(0x7F, 0xA0))] + [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Detainers \x1b[31mrose\x1b[0m", "Detainers rose"),  # CSI colour: no "[31m" left
        ("a\x1b[2J\x1b[1;1Hb", "ab"),  # clear screen, cursor home
        ("a\x9b31mb", "ab"),  # the 8-bit CSI
        ("x\x1b]0;pwned\x07y", "xy"),  # OSC window title, BEL-terminated
        ("x\x1b]8;;https://evil.test\x1b\\click\x1b]8;;\x1b\\y", "xclicky"),  # OSC 8 link
        ("x\x1bP1$r\x1b\\y", "xy"),  # DCS ... ST
        ("a\x1bcb", "ab"),  # ESC c: full reset
        ("a\x1b(0b", "ab"),  # charset designation
        ("a\x1b]never terminated", "anever terminated"),  # the introducer alone goes
        ("bell\x07 null\x00 bs\x08 del\x7f", "bell null bs del"),  # C0 and DEL
        ("c1\x85\x90\x9f!", "c1!"),  # C1
        ("tab\tkept\nline kept", "tab\tkept\nline kept"),
        ("crlf\r\nand cr\rfolded", "crlf\nand cr\nfolded"),
        ("invoice_\u202egnp.exe", "invoice_gnp.exe"),  # RLO: no longer reads "exe.png"
        ("\u202aa\u202bb\u202cc\u202dd", "abcd"),  # embeddings and overrides
        ("\u2066iso\u2067late\u2068d\u2069", "isolated"),  # isolates
    ],
)
def test_strip_controls_removes_each_class(text: str, clean: str) -> None:
    assert strip_controls(text) == clean


@pytest.mark.parametrize(
    "text",
    [
        "Gov. Newsom firmó — señal, niño, São Paulo, Zürich",
        "中文 日本語 한국어",
        "family 👩\u200d👩\u200d👧 flag 🏳️\u200d🌈",  # ZWJ sequences stay whole
        "\u05e9\u05dc\u05d5\u05dd \u200fABC\u200e \u061c\u0645",  # bidi marks kept (module doc)
    ],
)
def test_ordinary_unicode_is_kept(text: str) -> None:
    assert strip_controls(text) == text


def _raw(**fields: str) -> RawItem:
    return RawItem(source_id="ice-breaking", title=fields.get("title", "Title"),
                   link=fields.get("link", "https://www.ice.gov/news/releases/x"),
                   summary=fields.get("summary"), content=fields.get("content"),
                   author=fields.get("author"))


@pytest.mark.parametrize("bad", ["\x1b[5m", "\x1b]0;x\x07", "\x07", "\x9b1m", "\u202e",
                                 "\u2066", "\x01", "\x9c"])
@pytest.mark.parametrize("field", ["title", "summary", "content", "author"])
def test_normalize_strips_them_from_every_text_field(field: str, bad: str) -> None:
    value = f"Release{bad} text"
    if field == "content":
        value = f"<p>{value}</p>"
    item = normalize(_raw(**{field: value}), ICE)
    assert item is not None
    shown = " ".join([item.title, item.text, item.author or ""])
    assert not any(c in shown for c in FORBIDDEN), repr(shown)
    assert "Release text" in shown and "[5m" not in shown and "0;x" not in shown


def test_normalize_strips_them_when_html_entities_spell_them() -> None:
    item = normalize(_raw(summary="<p>a&#27;[31mred&#x202E;txt&#7; b</p>"), ICE)
    assert item is not None and item.text == "aredtxt b"


def test_normalize_percent_encodes_them_in_a_link() -> None:
    item = normalize(_raw(link="https://www.ice.gov/news/\x1b[31mx\u202ey\x07"), ICE)
    assert item is not None
    assert item.url == "https://www.ice.gov/news/%1B[31mx%E2%80%AEy%07"
    assert not any(c in item.url for c in FORBIDDEN)

