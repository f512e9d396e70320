"""Small helpers shared by the command handlers: keep a reply within the platform's size,
show the subscriptions library's errors (translated, with a caret under the query), and turn
a reply into the plain text a button toast takes.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import html
import re

from bot.channels import i18n_subs
from bot.channels.i18n import Html, t
from subscriptions.query import QueryError

LIMIT = 4096  # Telegram counts visible characters; counting the markup too stays safely under


def fit(parts: list[str], limit: int = LIMIT) -> Html:
    """Join whole parts (each well-formed HTML) with newlines, dropping the tail that would
    not fit: a cut never lands inside a tag or an entity."""
    out: list[str] = []
    size = 0
    for part in parts:
        if size + len(part) + 2 > limit:
            out.append("…")
            break
        out.append(part)
        size += len(part) + 1
    return Html("\n".join(out))


def query_error(lang: str, exc: QueryError, query: str) -> Html:
    said = _sentence(i18n_subs.message(lang, exc.message))
    if exc.position is None:
        text = t(lang, "error", message=said)
    else:
        shown = re.sub(r"\s", " ", query)  # one line, same length: the caret stays aligned
        text = t(lang, "query_error", message=said, query=shown, caret=" " * exc.position + "^")
    if exc.hint:
        text = Html(text + t(lang, "hint", hint=_sentence(i18n_subs.hint(lang, exc.hint))))
    return text


def service_error(lang: str, exc: Exception) -> Html:
    return t(lang, "error", message=_sentence(i18n_subs.message(lang, str(exc))))


def _sentence(text: str) -> str:
    """The library writes messages to be embedded ("unknown place …"); alone, they start a
    sentence."""
    lead = 1 if text[:1] in ("¿", "¡") else 0  # a command (/sources) or a quote stays as is
    if not text[lead:lead + 1].isalpha():
        return text
    return text[:lead] + text[lead].upper() + text[lead + 1:]


def plain(text: str, limit: int = 200) -> str:
    """A button toast is plain text of at most 200 characters."""
    flat = html.unescape(re.sub(r"<[^>]+>", "", text))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
