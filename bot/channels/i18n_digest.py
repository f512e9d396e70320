"""The replies of /digest, in English and Spanish (merged into `bot.channels.i18n`'s catalog).

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "digest_usage": "<code>/digest daily</code> or <code>/digest weekly</code> — your alerts "
                    "wait and arrive together in one message; <code>/digest off</code> — each "
                    "as it happens.\nFor some subscriptions only, add their numbers from /list "
                    "(<code>/digest daily 2 3</code>); to choose the time, add it "
                    "(<code>/digest daily 18:00</code>, or <code>/digest at 18:00</code>).",
    "digest_bad": "“{value}” is neither a mode (off, daily, weekly), a subscription number "
                  "nor a time like 18:00.",
    "digest_bad_time": "{value} is not a time of day: use 24-hour time, e.g. "
                       "<code>/digest daily 18:00</code>.",
    "digest_daily": "every day at {at}",
    "digest_weekly": "every Monday at {at}",
    "digest_all": "📰 Digest: alerts for all your subscriptions wait and arrive together, "
                  "{when} ({timezone}). New subscriptions follow suit. "
                  "<code>/digest off</code> sends each as it happens.",
    "digest_some": "📰 Digest for {numbers}: their alerts wait and arrive together, {when} "
                   "({timezone}). The others arrive as they happen.",
    "digest_off": "⚡ Digest off: alerts arrive as they happen.",
    "digest_off_some": "⚡ {numbers}: alerts arrive as they happen.",
    "digest_at": "🕗 Digests arrive at {at} ({timezone}).",
    "digest_show_head": "<b>How your alerts arrive</b>",
    "digest_line": "{number}. <code>{query}</code> — {mode}",
    "mode_instant": "as it happens",
    "mode_daily": "daily digest",
    "mode_weekly": "weekly digest (Mondays)",
    "digest_show_at": "Digests arrive at {at} ({timezone}).",
    "numbered": "subscription {numbers}",
    "numbered_many": "subscriptions {numbers}",
    "list_mode": " · 📰 {mode}",
}

ES: dict[str, str] = {
    "digest_usage": "<code>/digest daily</code> o <code>/digest weekly</code> — tus alertas "
                    "esperan y llegan juntas en un solo mensaje; <code>/digest off</code> — "
                    "cada una en el momento.\nSolo para algunas suscripciones, añade sus "
                    "números de /list (<code>/digest daily 2 3</code>); para elegir la hora, "
                    "añádela (<code>/digest daily 18:00</code>, o "
                    "<code>/digest at 18:00</code>).",
    "digest_bad": "«{value}» no es un modo (off, daily, weekly), ni un número de suscripción, "
                  "ni una hora como 18:00.",
    "digest_bad_time": "{value} no es una hora válida: usa el formato de 24 horas, p. ej. "
                       "<code>/digest daily 18:00</code>.",
    "digest_daily": "cada día a las {at}",
    "digest_weekly": "cada lunes a las {at}",
    "digest_all": "📰 Resumen: las alertas de todas tus suscripciones esperan y llegan juntas, "
                  "{when} ({timezone}). Las suscripciones nuevas también. "
                  "<code>/digest off</code> envía cada una en el momento.",
    "digest_some": "📰 Resumen para {numbers}: sus alertas esperan y llegan juntas, {when} "
                   "({timezone}). Las demás llegan en el momento.",
    "digest_off": "⚡ Resumen desactivado: las alertas llegan en el momento.",
    "digest_off_some": "⚡ {numbers}: las alertas llegan en el momento.",
    "digest_at": "🕗 Los resúmenes llegan a las {at} ({timezone}).",
    "digest_show_head": "<b>Cómo llegan tus alertas</b>",
    "digest_line": "{number}. <code>{query}</code> — {mode}",
    "mode_instant": "en el momento",
    "mode_daily": "resumen diario",
    "mode_weekly": "resumen semanal (los lunes)",
    "digest_show_at": "Los resúmenes llegan a las {at} ({timezone}).",
    "numbered": "la suscripción {numbers}",
    "numbered_many": "las suscripciones {numbers}",
    "list_mode": " · 📰 {mode}",
}
