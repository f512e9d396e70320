"""How an alert reads on Telegram (HTML parse mode): an AlertView in, Messages out.

Feed text goes through `escape`, URLs through `_href`. Size is Telegram's: visible text after
entity parsing, in UTF-16 code units; `html_split.split_html` cuts at the safest boundary and
keeps every part well-formed. Labels and buttons follow the subscriber's language; summaries
stay in the source's. Pure: no I/O, no clock. Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from bot.channels.html_split import split_html, visible_width
from bot.models import Message

LABELS: dict[str, dict[str, str]] = {
    "en": {"new": "New", "development": "Development", "revision": "Revised",
           "digest": "Digest", "why": "Why you got this", "read": "Read the release",
           "story": "Story", "mute": "Mute story", "unsub": "Unsubscribe",
           "more": "More like this", "alerts": "{n} alerts",
           "digest_of": "Your digest: {n} alerts", "updates": "{n} updates",
           "bulk": "Held back", "bulk_title": "{source} changed {n} releases at once",
           "bulk_text": "No alert was sent for each of them: a change this large is usually "
                        "the newsroom reworking its site, not news. Some of them matched your "
                        "subscriptions; /latest shows the newest releases."},
    "es": {"new": "Nuevo", "development": "Novedad", "revision": "Revisado",
           "digest": "Resumen", "why": "Por qué lo recibes", "read": "Leer el comunicado",
           "story": "Historia", "mute": "Silenciar historia", "unsub": "Cancelar suscripción",
           "more": "Más como esto", "alerts": "{n} alertas",
           "digest_of": "Tu resumen: {n} alertas", "updates": "{n} novedades",
           "bulk": "Retenido", "bulk_title": "{source} cambió {n} comunicados a la vez",
           "bulk_text": "No se envió una alerta por cada uno: un cambio tan grande suele ser "
                        "la agencia rehaciendo su sitio, no noticias. Algunos coincidían con "
                        "tus suscripciones; /latest muestra los comunicados más recientes."},
}
ICONS = {"new": "🆕", "development": "🔄", "revision": "✏️", "digest": "📰", "bulk": "⏸️"}
CALLBACK_MAX = 64  # bytes: Telegram refuses longer callback_data
MERGED_NOTE = 160  # characters of the first note (or summary) shown per alert in a merged message


@dataclass(frozen=True)
class AlertView:
    """Everything a message says, gathered by the dispatcher. `story_id` feeds the buttons."""

    kind: str  # "new" | "development" | "revision" | "bulk" | "digest"
    title: str
    summary: str  # grounded summary text (may be "")
    notes: tuple[str, ...]  # what it adds to its story / what the revision changed
    url: str
    source_name: str
    agency: str
    published: datetime | None
    reasons: tuple[str, ...]  # why it matched, as display strings
    story_title: str | None = None
    response_note: str | None = None  # "California responded 5 h later"
    story_id: str | None = None
    changed: int = 0  # "bulk": how many items the source changed at once


def worded(view: AlertView, lang: str) -> AlertView:
    """A flood notice ("bulk") gets its title and text in the subscriber's language."""
    if view.kind != "bulk":
        return view
    n = f"{view.changed:,}"
    n = n.replace(",", ".") if lang.split("-")[0].lower() == "es" else n
    title = label(lang, "bulk_title").format(source=_line(view.source_name), n=n)
    return replace(view, title=title, summary=label(lang, "bulk_text"))


def label(lang: str, key: str) -> str:
    """A translated label; "es-MX" reads as "es", and an unknown language as English."""
    table = LABELS.get(lang.split("-")[0].lower(), LABELS["en"])
    return table.get(key) or LABELS["en"].get(key, key)


# Control characters, and the bidi overrides and isolates that reorder text (normalisation
# strips them from feed text already: this keeps what was stored before that, out too).
_CONTROLS = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32), *range(127, 160),
                               *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def escape(text: str) -> str:
    """Feed text made safe for HTML parse mode: `<`, `>`, `&` as entities; control characters
    and bidi overrides dropped (never meant, and Telegram refuses some); lone surrogates
    replaced (they cannot be encoded to send at all); CR LF and CR become LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _html.escape(text, quote=False)


def _href(url: str) -> str | None:
    """The attribute-escaped URL, or None unless it is a plain http(s) link: Telegram rejects
    a message whose link it cannot parse, and a `javascript:` link must never be offered."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None
    ok = (url.isprintable() and " " not in url  # no control, surrogate or space character
          and parts.scheme.lower() in ("http", "https") and parts.netloc)
    return _html.escape(url, quote=True) if ok else None


def _line(text: str | None) -> str:
    return " ".join((text or "").split())


def _cut_text(text: str, n: int) -> str:
    """At most about n characters, ended at a word (cut before escaping: never in an entity)."""
    text = _line(text)
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + " …"


def _link(url: str, text: str, *, show_url: bool = False) -> str:
    """`text` linked to `url`; a URL we will not link stays plain (shown, if `show_url`)."""
    href = _href(url)
    if href:
        return f'<a href="{href}">{text}</a>'
    return f"{text}: {escape(_line(url))}" if show_url and _line(url) else text


def _kind(view: AlertView, lang: str) -> str:
    return f"{ICONS.get(view.kind, '🔔')} <b>{escape(label(lang, view.kind))}</b>"


def _head(view: AlertView, lang: str) -> str:
    dt = view.published
    when = (dt.astimezone(UTC) if dt.tzinfo else dt).strftime("%Y-%m-%d %H:%M UTC") if dt else ""
    meta = [_line(view.agency).upper(), _line(view.source_name), when]
    head = " · ".join([_kind(view, lang), *(escape(m) for m in meta if m)])
    return f"{head}\n<b>{escape(_line(view.title))}</b>" if _line(view.title) else head


def _alert_html(view: AlertView, lang: str) -> str:
    story = [f"<i>{escape(label(lang, 'story'))}: {escape(_line(view.story_title))}</i>"
             if _line(view.story_title) else "", escape(_line(view.response_note))]
    summary = re.sub(r"\n\s*\n\s*", "\n\n", escape(view.summary.strip()))
    notes = "\n".join(f"• {escape(n.strip())}" for n in view.notes if n.strip())
    reasons = "; ".join(escape(_line(r)) for r in view.reasons if _line(r))
    why = f"<b>{escape(label(lang, 'why'))}:</b> {reasons}" if reasons else ""
    read = _link(view.url, escape(label(lang, "read")), show_url=True) if _line(view.url) else ""
    blocks = [_head(view, lang), "\n".join(s for s in story if s), summary, notes,
              "\n".join(s for s in (why, read) if s)]
    return "\n\n".join(b for b in blocks if b)


def _buttons(view: AlertView, lang: str) -> tuple[tuple[str, str], ...]:
    story = [(label(lang, k), f"{k}:{view.story_id}") for k in ("mute", "more") if view.story_id]
    fits = [b for b in story if len(b[1].encode()) <= CALLBACK_MAX]  # not the alert's fault
    return (*fits, (label(lang, "unsub"), "menu:unsub"))


def _messages(parts: list[str], buttons: tuple[tuple[str, str], ...]) -> list[Message]:
    """Buttons ride on the last part only: they act on the whole alert, once."""
    return [Message(text=p, buttons=buttons if i == len(parts) - 1 else ())
            for i, p in enumerate(parts)]


def render_telegram(view: AlertView, *, lang: str = "en", limit: int = 4096) -> list[Message]:
    """One alert as one message, or as several parts when it must be split."""
    view = worded(view, lang)
    return _messages(split_html(_alert_html(view, lang), limit), _buttons(view, lang))


def _entry(n: int, view: AlertView, lang: str) -> str:
    view = worded(view, lang)
    title = _link(view.url, escape(_cut_text(view.title, 200) or _line(view.url)))
    source = [escape(s) for s in (_line(view.agency).upper(), _line(view.source_name)) if s]
    lines = [" · ".join([f"{n}. {_kind(view, lang)}", title, *source])]
    first = _line(next((x for x in view.notes if x.strip()), view.summary))
    reasons = _cut_text("; ".join(_line(r) for r in view.reasons if _line(r)), 100)
    if first:
        lines.append(escape(_cut_text(first, MERGED_NOTE)))
    if reasons:
        lines.append(f"<i>{escape(label(lang, 'why'))}: {escape(reasons)}</i>")
    return "\n".join(lines)


def render_merged(views: Sequence[AlertView], *, lang: str = "en", limit: int = 4096,
                  digest: bool = False) -> list[Message]:
    """A burst for one chat (or a digest) as ONE message: a numbered list of titles, links and
    first notes, split only if it must be. A single alert is rendered whole."""
    return [m for m, _ in render_merged_parts(views, lang=lang, limit=limit, digest=digest)]


def render_merged_parts(views: Sequence[AlertView], *, lang: str = "en", limit: int = 4096,
                        digest: bool = False) -> list[tuple[Message, tuple[int, ...]]]:
    """`render_merged`, each part with the indices (into `views`) of the alerts it completes:
    parts are cut between entries, so when a later part cannot be sent, the alerts whose
    entries went out are delivered and only the rest need sending again.

    Updates of one developing story are listed together under the story's title, in the
    order its first update came; entries are numbered as they read."""
    if len(views) <= 1:
        parts = [m for v in views for m in render_telegram(v, lang=lang, limit=limit)]
        whole = tuple(range(len(views)))
        return [(m, whole if i == len(parts) - 1 else ()) for i, m in enumerate(parts)]
    title = label(lang, "digest_of" if digest else "alerts").format(n=len(views))
    current, done = f"{ICONS['digest']} <b>{escape(title)}</b>", ()
    packed: list[tuple[str, tuple[int, ...]]] = []
    for block, index in _blocks(views, lang):
        longer = f"{current}\n\n{block}"
        if done and visible_width(longer) > limit:  # this entry starts the next part
            packed.append((current, done))
            longer, done = block, ()
        current, done = longer, (*done, index)
    packed.append((current, done))
    # An entry over the limit on its own is split; it is complete with its last piece.
    pieces = [(p, n if k == len(ps) - 1 else ())
              for html, n in packed for ps in [split_html(html, limit)] for k, p in enumerate(ps)]
    messages = _messages([p for p, _ in pieces], ((label(lang, "unsub"), "menu:unsub"),))
    return list(zip(messages, (n for _, n in pieces), strict=True))


def _blocks(views: Sequence[AlertView], lang: str) -> list[tuple[str, int]]:
    """(entry HTML, index of its view), a story's updates together; the story's title heads
    its first entry (one block, so a part never ends on a title without its entries)."""
    groups: dict[object, list[int]] = {}
    for i, view in enumerate(views):
        groups.setdefault(view.story_id or ("alone", i), []).append(i)
    blocks, n = [], 0
    for members in groups.values():
        story = next((views[i].story_title for i in members if _line(views[i].story_title)), "")
        for k, i in enumerate(members):
            n += 1
            entry = _entry(n, views[i], lang)
            if k == 0 and len(members) > 1 and story:
                updates = label(lang, "updates").format(n=len(members))
                entry = f"📌 <b>{escape(_cut_text(story, 120))}</b> · {escape(updates)}\n{entry}"
            blocks.append((entry, i))
    return blocks
