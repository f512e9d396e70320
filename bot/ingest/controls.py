"""Characters a feed must not pass on: what a terminal would act on, or what would reorder text.

Feed text ends up on an operator's console and in chat messages. Some characters in it are
instructions, not text: a terminal runs escape sequences (colours, cursor moves, a window
title, a hyperlink, even a reset), and bidirectional overrides make "txt.exe" read as
"exe.txt". They are stripped when an item is normalised, so nothing downstream shows them.

Removed from text (`strip_controls`):
- escape sequences whole (ECMA-48): CSI ("ESC [" or U+009B, parameters, final byte), the
  string commands OSC/DCS/SOS/PM/APC up to their terminator (BEL or ST), and any other
  "ESC + intermediates + final"; "ESC [31m" leaves nothing, not "[31m". An introducer whose
  string is never terminated is removed alone: the text after it stays, as plain text;
- C0 controls except TAB and LF (CR LF and a lone CR become LF), DEL, C1 controls
  (U+0080–U+009F);
- bidi embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069): the
  characters that reorder text (the "Trojan Source" ones).
Kept: the bidi *marks* LRM, RLM and ALM (U+200E, U+200F, U+061C). They cannot reorder strong
characters, only settle the direction of neutral ones beside them, and mixed Arabic or Hebrew
and Latin text needs them to read right; ZWJ/ZWNJ (emoji sequences, Indic scripts),
accents, CJK and every other printable character are kept too.

For URLs (`escape_controls`) the same characters are percent-encoded instead, as a browser
does before sending: the link keeps working, and nothing invisible is left to reach a message.

No library: the escape grammar is ECMA-48's, a few lines of regular expression. Pure, no I/O.
Must not import anything from the project.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Anything this module acts on; text without one of them (nearly all text) is returned at once.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SEQUENCES = re.compile(
    # CSI: parameter bytes, intermediate bytes, one final byte.
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    # OSC, DCS, SOS, PM, APC: a string up to BEL or ST ("ESC \" or U+009C). Bounded, so a
    # flood of unterminated introducers costs linear time, not quadratic.
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,4096}(?:\x07|\x1b\\|\x9c)"
    # Any other escape: intermediates, then a final byte (ESC c, ESC ( B, ESC 7 ...).
    r"|\x1b[ -/]*[0-~]"
)
_CR = re.compile(r"\r\n?")
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def strip_controls(text: str) -> str:
    """`text` without escape sequences, control characters and bidi overrides (module doc);
    line ends folded to LF. Whitespace around what was removed is left to the caller."""
    if not _CONTROLS.search(text):
        return text
    if "\r" in text:
        text = _CR.sub("\n", text)
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))


def escape_controls(url: str) -> str:
    """`url` with whitespace, controls, bidi overrides and bidi marks percent-encoded (in a
    link even a mark is never meant: it could only hide or reorder what the link shows)."""
    return _URL_UNSAFE.sub(lambda m: quote(m.group()), url)
