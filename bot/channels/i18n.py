"""Every chat reply in English and Spanish, and how a conversation's language is chosen.

`t(lang, key, **values)` fills a template; values are HTML-escaped unless they are `Html`
(already-safe markup built from other templates), so user and feed text can never break a
message's markup. The language is the one stored for the chat (set by /lang, or at the first
/subscribe) when there is one, else the sender's platform language ("es", "es-MX" → es).
Spanish (i18n_es.py) uses tú throughout. Templates use Telegram's HTML subset (b, i, code, pre, a).

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.channels.i18n_digest import EN as DIGEST_EN
from bot.channels.i18n_digest import ES as DIGEST_ES
from bot.channels.i18n_es import ES
from bot.channels.render import escape as render_escape

LANGS = ("en", "es")


class Html(str):
    """Markup that is already safe: `t` inserts it unescaped."""


def escape(text: object) -> Html:
    # render.escape also drops control characters Telegram refuses; quotes are escaped too
    # because values land in href="…" attributes as well as in text.
    return Html(render_escape(str(text)).replace('"', "&quot;"))


def pick_lang(stored: str | None, user_lang: str | None) -> str:
    if stored in LANGS:
        return stored
    base = (user_lang or "").replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGS else "en"


def t(lang: str, key: str, **values: object) -> Html:
    template = CATALOG.get(lang, EN).get(key) or EN[key]
    safe = {k: v if isinstance(v, Html) else escape(v) for k, v in values.items()}
    return Html(template.format(**safe))


_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
}


def when(moment: datetime | None, timezone: str, lang: str) -> str:
    """"6 Feb 14:05" in the chat's time zone (numbers read the same in both languages)."""
    if moment is None:
        return t(lang, "never")
    try:
        local = moment.astimezone(ZoneInfo(timezone))
    except (ZoneInfoNotFoundError, ValueError):  # a zone removed from the tz database
        local = moment.astimezone(ZoneInfo("UTC"))
    return f"{local.day} {_MONTHS[lang][local.month - 1]} {local:%H:%M}"


# setMyCommands: what Telegram's command menu shows. /stats is for operators and /email
# arrives with the email issue, so neither is offered.
MENU = {
    "en": (("subscribe", "Follow a topic, place or agency"), ("list", "Your subscriptions"),
           ("unsubscribe", "Stop a subscription"), ("latest", "Recent stories for you"),
           ("pause", "Hold alerts"), ("resume", "Get alerts again"),
           ("mute", "No more alerts about a story"), ("quiet", "Quiet hours, e.g. 22:00-07:00"),
           ("timezone", "Your time zone"), ("digest", "Alerts together, daily or weekly"),
           ("sources", "What is watched"), ("jurisdictions", "Place names for in:"),
           ("lang", "English / Español"), ("help", "How to use alertbot")),
    "es": (("subscribe", "Seguir un tema, lugar o agencia"), ("list", "Tus suscripciones"),
           ("unsubscribe", "Cancelar una suscripción"), ("latest", "Noticias recientes para ti"),
           ("pause", "Retener las alertas"), ("resume", "Volver a recibir alertas"),
           ("mute", "Silenciar una noticia"), ("quiet", "Horas de silencio, p. ej. 22:00-07:00"),
           ("timezone", "Tu zona horaria"), ("digest", "Alertas juntas, cada día o cada semana"),
           ("sources", "Qué se vigila"), ("jurisdictions", "Nombres de lugares para in:"),
           ("lang", "English / Español"), ("help", "Cómo usar alertbot")),
}

EN: dict[str, str] = {
    "start": "<b>alertbot</b> watches DHS, ICE and California newsrooms and tells you as soon "
             "as they publish something you follow.\n\nStart with "
             "<code>/subscribe detainer in:California</code>, or send /help for examples.",
    "help": "<b>Follow something</b>\n"
            "<code>/subscribe detainer</code> — any release that mentions it\n"
            "<code>/subscribe \"immigration detainer\"</code> — the exact phrase\n"
            "<code>/subscribe detainer OR \"ICE hold\"</code> — either one\n"
            "<code>/subscribe raid -football</code> — leave out what mentions football\n"
            "<code>/subscribe in:\"Los Angeles County\"</code> — everything about a place "
            "(a state includes its counties and cities)\n"
            "<code>/subscribe from:ice</code> — one agency or source (see /sources)\n"
            "Words separated by spaces must all appear.\n\n"
            "<b>Your alerts</b>\n"
            "/list — your subscriptions, numbered\n"
            "<code>/unsubscribe 2</code> — stop one (or <code>/unsubscribe all</code>)\n"
            "/pause and /resume — hold alerts, then get them\n"
            "<code>/mute s-1a2b3c4d5e6f</code> — nothing more about a story "
            "(or press 🔕 on an alert)\n"
            "<code>/latest 5</code> — recent stories for your subscriptions\n\n"
            "<b>Settings</b>\n"
            "<code>/quiet 22:00-07:00</code> — hold alerts at night (<code>/quiet off</code>)\n"
            "<code>/timezone America/Los_Angeles</code> — for quiet hours and times\n"
            "<code>/lang es</code> — en español\n"
            "<code>/digest daily</code> — your alerts together, once a day\n\n"
            "<b>Reference</b>\n"
            "/sources — what is watched, and whether it works\n"
            "<code>/jurisdictions Ventura</code> — place names that in: understands",
    "help_group": "\n\nIn groups only admins can change subscriptions.",
    "unknown": "I don't know {command}.{close} /help lists what I understand.",
    "did_you_mean": " Did you mean {command}?",
    "not_command": "I answer commands. To follow “{text}”, send <code>/subscribe {text}</code>."
                   " /help has examples.",
    "admins_only": "In this group only admins can change subscriptions. Everyone can use "
                   "/list, /latest, /sources and /jurisdictions.",
    "operators_only": "/stats is only for the operators of this bot.",
    "failed": "Something went wrong on our side. Please try again in a minute.",
    "error": "❌ {message}",
    "query_error": "❌ {message}\n<pre>{query}\n{caret}</pre>",
    "hint": "\n💡 {hint}",
    "subscribe_usage": "Say what to follow, e.g. <code>/subscribe detainer in:California</code>."
                       " /help has more examples.",
    "subscribed": "✅ Subscribed (#{number}): {description}\n"
                  "You'll get an alert when a new release matches. /list shows them all.",
    "paused_note": "\n⏸ Your alerts are paused: /resume to get them.",
    "list_empty": "You have no subscriptions. Start with "
                  "<code>/subscribe detainer in:California</code>.",
    "list_head": "<b>Your subscriptions</b>",
    "list_line": "{number}. {description}\n    <code>{query}</code>",
    "list_foot": "<code>/unsubscribe 2</code> stops number 2.",
    "list_paused": "⏸ Alerts are paused: /resume to get them.",
    "list_quiet": "🌙 Quiet hours {hours} ({timezone}).",
    "unsubscribe_usage": "Say which: <code>/unsubscribe 2</code> (the numbers in /list) or "
                         "<code>/unsubscribe all</code>.",
    "unsubscribed": "🗑 Unsubscribed:\n{lines}",
    "renumbered": "\nThe others are numbered again: /list shows them.",
    "none_left": "\nYou have no subscriptions now.",
    "paused": "⏸ Alerts paused. Nothing is lost: /resume delivers what arrived meanwhile.",
    "resumed": "▶️ Alerts resumed.",
    "released": " {count} held alert(s) are on their way.",
    "mute_usage": "Say which story, e.g. <code>/mute s-1a2b3c4d5e6f</code>. /latest shows "
                  "story ids, or press 🔕 on an alert.",
    "mute_unknown": "There is no story “{story}”. /latest shows recent stories and their ids.",
    "muted": "🔕 Muted: {title}. No more alerts about this story.",
    "quiet_usage": "Give a start and an end in 24-hour time, e.g. "
                   "<code>/quiet 22:00-07:00</code>, or <code>/quiet off</code>.",
    "quiet_bad": "“{value}” is not a time range. Use 24-hour times like "
                 "<code>/quiet 22:00-07:00</code>, or <code>/quiet off</code>.",
    "quiet_bad_time": "{value} is not a time of day: hours go from 00 to 23, minutes from "
                      "00 to 59. For example <code>/quiet 22:00-07:00</code>.",
    "quiet_same": "Start and end are both {value}: quiet hours need two different times.",
    "quiet_show": "Quiet hours: {hours} ({timezone}).",
    "quiet_none": "No quiet hours: alerts arrive as they happen.",
    "quiet_set": "🌙 Quiet hours {hours} ({timezone}): alerts in that time wait and arrive "
                 "together at {end}.",
    "quiet_tz_hint": "\nIs that your local time? Set your time zone, e.g. "
                     "<code>/timezone America/Los_Angeles</code>.",
    "quiet_off": "Quiet hours off: alerts arrive as they happen.",
    "tz_show": "Your time zone is {timezone}. Change it with e.g. "
               "<code>/timezone America/Los_Angeles</code>.",
    "tz_unknown": "“{value}” is not a time zone I know.{close}",
    "tz_close": " Did you mean {names}?",
    "tz_example": " Use Area/City, e.g. <code>America/Los_Angeles</code> or "
                  "<code>America/Mexico_City</code>.",
    "tz_set": "🕒 Time zone: {timezone} (it is {local} there now).",
    "lang_usage": "Choose <code>/lang en</code> (English) or <code>/lang es</code> (español).",
    "lang_bad": "“{value}” is not a language I speak. ",
    "lang_set": "Language: English.",
    "sources_head": "<b>Sources</b>",
    "sources_none": "No sources are configured.",
    "source_ok": "✅ {name} (<code>{id}</code>) — last read {when}",
    "source_bad": "⚠️ {name} (<code>{id}</code>) — failing: {error}; last read {when}",
    "source_new": "⏳ {name} (<code>{id}</code>) — not read yet",
    "source_off": "⛔ {name} (<code>{id}</code>) — stopped: its address answered 410 Gone on "
                  "{since}; last read {when}",
    "source_wait_retry_after": " — next try {when}, as the server asked",
    "source_wait_backoff": " — next try {when}, waiting longer after each failure",
    "sources_foot": "Follow one with from:, e.g. <code>/subscribe from:{id}</code>.",
    "never": "never",
    "places_head": "<b>States</b> (use one with in:)",
    "places_prefix_head": "<b>Places starting with “{prefix}”</b>",
    "place_line": "<code>in:{query}</code> — {kind}{where}",
    "places_more": "… and {count} more: add letters to narrow the list.",
    "places_foot": "Counties, cities and regions too, e.g. <code>/jurisdictions Ventura</code>.",
    "places_none": "No place starts with “{prefix}”.{close}",
    "places_close": " Did you mean {names}?",
    "country": "country", "state": "state", "county": "county", "city": "city",
    "region": "region",
    "latest_bad": "“{value}” is not a number. Use <code>/latest</code> or "
                  "<code>/latest 10</code> (1 to {most}).",
    "latest_range": "Choose a number from 1 to {most}, e.g. <code>/latest 10</code>.",
    "latest_none": "Nothing has matched your subscriptions recently.",
    "latest_head": "<b>Latest for you</b>",
    "latest_line": "• {when} <a href=\"{url}\">{title}</a>\n   <code>/mute {id}</code>",
    "stats": "<b>Stats</b>\nSources: {healthy} of {sources} healthy\nSubscribers: {subscribers}"
             "\nQueue: {queue}\nLast errors:\n{errors}",
    "stats_nothing": "none",
    "press_stale": "This button no longer works.",
    "press_admins": "Only the group's admins can do that.",
    "press_muted": "Muted: no more alerts about this story.",
    "unsub_menu": "Which subscription should stop? Tap it:",
    "unsub_all": "✖ All of them",
    "unsub_gone": "That subscription was already removed.",
    "unsub_done": "Unsubscribed: {what}",
    "more_like": "To get more like this, subscribe to:\n<code>/subscribe {query}</code>\n"
                 "({description})",
    "more_none": "I can't suggest a subscription for this story. /help shows how to write one.",
}

# /digest's replies live apart (i18n_digest) so neither catalog file grows past reading.
EN = {**EN, **DIGEST_EN}
ES = {**ES, **DIGEST_ES}
CATALOG = {"en": EN, "es": ES}
