"""The Spanish replies (tú throughout), key for key the same as `i18n.EN`.

Reviewed wording for a Spanish-speaking audience in the US: neutral Latin American Spanish,
feed terms (detainer, ICE hold) left in English because the releases are in English.

Must not import anything from the project: i18n imports it.
"""

from __future__ import annotations

ES: dict[str, str] = {
    "start": "<b>alertbot</b> vigila las salas de prensa de DHS, ICE y California y te avisa en "
             "cuanto publican algo que sigues.\n\nEmpieza con "
             "<code>/subscribe detainer in:California</code> o envía /help para ver ejemplos.",
    "help": "<b>Seguir algo</b>\n"
            "<code>/subscribe detainer</code> — cualquier comunicado que lo mencione\n"
            "<code>/subscribe \"immigration detainer\"</code> — la frase exacta\n"
            "<code>/subscribe detainer OR \"ICE hold\"</code> — una u otra\n"
            "<code>/subscribe raid -football</code> — deja fuera lo que mencione football\n"
            "<code>/subscribe in:\"Los Angeles County\"</code> — todo sobre un lugar "
            "(un estado incluye sus condados y ciudades)\n"
            "<code>/subscribe from:ice</code> — una agencia o fuente (mira /sources)\n"
            "Las palabras separadas por espacios deben aparecer todas.\n"
            "Los comunicados suelen estar en inglés: busca en inglés.\n\n"
            "<b>Tus alertas</b>\n"
            "/list — tus suscripciones, numeradas\n"
            "<code>/unsubscribe 2</code> — cancela una (o <code>/unsubscribe all</code>)\n"
            "/pause y /resume — retén las alertas y recíbelas después\n"
            "<code>/mute s-1a2b3c4d5e6f</code> — nada más sobre una noticia "
            "(o pulsa 🔕 en una alerta)\n"
            "<code>/latest 5</code> — noticias recientes de tus suscripciones\n\n"
            "<b>Ajustes</b>\n"
            "<code>/quiet 22:00-07:00</code> — retén las alertas de noche "
            "(<code>/quiet off</code>)\n"
            "<code>/timezone America/Mexico_City</code> — para las horas de silencio\n"
            "<code>/lang en</code> — in English\n"
            "<code>/digest daily</code> — tus alertas juntas, una vez al día\n\n"
            "<b>Referencia</b>\n"
            "/sources — qué se vigila y si funciona\n"
            "<code>/jurisdictions Ventura</code> — nombres de lugares que entiende in:",
    "help_group": "\n\nEn los grupos solo los administradores pueden cambiar las suscripciones.",
    "unknown": "No conozco {command}.{close} /help muestra lo que entiendo.",
    "did_you_mean": " ¿Quisiste decir {command}?",
    "not_command": "Respondo a comandos. Para seguir «{text}», envía "
                   "<code>/subscribe {text}</code>. /help tiene ejemplos.",
    "admins_only": "En este grupo solo los administradores pueden cambiar las suscripciones. "
                   "Todos pueden usar /list, /latest, /sources y /jurisdictions.",
    "operators_only": "/stats es solo para quienes administran este bot.",
    "failed": "Algo falló de nuestro lado. Inténtalo de nuevo en un minuto.",
    "error": "❌ {message}",
    "query_error": "❌ {message}\n<pre>{query}\n{caret}</pre>",
    "hint": "\n💡 {hint}",
    "subscribe_usage": "Di qué quieres seguir, p. ej. "
                       "<code>/subscribe detainer in:California</code>. /help tiene más ejemplos.",
    "subscribed": "✅ Suscripción creada (n.º {number}): {description}\n"
                  "Recibirás una alerta cuando un comunicado nuevo coincida. /list las muestra "
                  "todas.",
    "paused_note": "\n⏸ Tus alertas están en pausa: usa /resume para recibirlas.",
    "list_empty": "No tienes suscripciones. Empieza con "
                  "<code>/subscribe detainer in:California</code>.",
    "list_head": "<b>Tus suscripciones</b>",
    "list_line": "{number}. {description}\n    <code>{query}</code>",
    "list_foot": "<code>/unsubscribe 2</code> cancela la número 2.",
    "list_paused": "⏸ Las alertas están en pausa: usa /resume para recibirlas.",
    "list_quiet": "🌙 Horas de silencio {hours} ({timezone}).",
    "unsubscribe_usage": "Di cuál: <code>/unsubscribe 2</code> (los números de /list) o "
                         "<code>/unsubscribe all</code>.",
    "unsubscribed": "🗑 Suscripción cancelada:\n{lines}",
    "renumbered": "\nLas demás se numeran de nuevo: /list las muestra.",
    "none_left": "\nYa no tienes suscripciones.",
    "paused": "⏸ Alertas en pausa. No se pierde nada: /resume te entrega lo que llegue mientras.",
    "resumed": "▶️ Alertas reanudadas.",
    "released": " {count} alerta(s) retenida(s) van en camino.",
    "mute_usage": "Di qué noticia, p. ej. <code>/mute s-1a2b3c4d5e6f</code>. /latest muestra "
                  "los identificadores, o pulsa 🔕 en una alerta.",
    "mute_unknown": "No hay ninguna noticia «{story}». /latest muestra las recientes y sus "
                    "identificadores.",
    "muted": "🔕 Silenciada: {title}. No recibirás más alertas sobre esta noticia.",
    "quiet_usage": "Indica un inicio y un fin en formato de 24 horas, p. ej. "
                   "<code>/quiet 22:00-07:00</code>, o <code>/quiet off</code>.",
    "quiet_bad": "«{value}» no es un intervalo de horas. Usa el formato de 24 horas, como "
                 "<code>/quiet 22:00-07:00</code>, o <code>/quiet off</code>.",
    "quiet_bad_time": "{value} no es una hora válida: las horas van de 00 a 23 y los minutos de "
                      "00 a 59. Por ejemplo <code>/quiet 22:00-07:00</code>.",
    "quiet_same": "El inicio y el fin son {value}: las horas de silencio necesitan dos horas "
                  "distintas.",
    "quiet_show": "Horas de silencio: {hours} ({timezone}).",
    "quiet_none": "Sin horas de silencio: las alertas llegan en el momento.",
    "quiet_set": "🌙 Horas de silencio {hours} ({timezone}): las alertas de ese intervalo esperan "
                 "y llegan juntas a las {end}.",
    "quiet_tz_hint": "\n¿Es tu hora local? Indica tu zona horaria, p. ej. "
                     "<code>/timezone America/Los_Angeles</code>.",
    "quiet_off": "Horas de silencio desactivadas: las alertas llegan en el momento.",
    "tz_show": "Tu zona horaria es {timezone}. Cámbiala con, p. ej., "
               "<code>/timezone America/Los_Angeles</code>.",
    "tz_unknown": "«{value}» no es una zona horaria que conozca.{close}",
    "tz_close": " ¿Quisiste decir {names}?",
    "tz_example": " Usa Región/Ciudad, p. ej. <code>America/Los_Angeles</code> o "
                  "<code>America/Mexico_City</code>.",
    "tz_set": "🕒 Zona horaria: {timezone} (allí son las {local}).",
    "lang_usage": "Elige <code>/lang en</code> (English) o <code>/lang es</code> (español).",
    "lang_bad": "«{value}» no es un idioma que hable. ",
    "lang_set": "Idioma: español.",
    "sources_head": "<b>Fuentes</b>",
    "sources_none": "No hay fuentes configuradas.",
    "source_ok": "✅ {name} (<code>{id}</code>) — última lectura {when}",
    "source_bad": "⚠️ {name} (<code>{id}</code>) — con fallos: {error}; última lectura {when}",
    "source_new": "⏳ {name} (<code>{id}</code>) — aún sin leer",
    "source_off": "⛔ {name} (<code>{id}</code>) — detenida: su dirección respondió 410 Gone el "
                  "{since}; última lectura {when}",
    "source_wait_retry_after": " — próximo intento {when}, como pidió el servidor",
    "source_wait_backoff": " — próximo intento {when}, esperando más tras cada fallo",
    "sources_foot": "Sigue una con from:, p. ej. <code>/subscribe from:{id}</code>.",
    "never": "nunca",
    "places_head": "<b>Estados</b> (usa uno con in:)",
    "places_prefix_head": "<b>Lugares que empiezan por «{prefix}»</b>",
    "place_line": "<code>in:{query}</code> — {kind}{where}",
    "places_more": "… y {count} más: añade letras para acortar la lista.",
    "places_foot": "También condados, ciudades y regiones, p. ej. "
                   "<code>/jurisdictions Ventura</code>.",
    "places_none": "Ningún lugar empieza por «{prefix}».{close}",
    "places_close": " ¿Quisiste decir {names}?",
    "country": "país", "state": "estado", "county": "condado", "city": "ciudad",
    "region": "región",
    "latest_bad": "«{value}» no es un número. Usa <code>/latest</code> o "
                  "<code>/latest 10</code> (de 1 a {most}).",
    "latest_range": "Elige un número de 1 a {most}, p. ej. <code>/latest 10</code>.",
    "latest_none": "Nada ha coincidido con tus suscripciones últimamente.",
    "latest_head": "<b>Lo último para ti</b>",
    "latest_line": "• {when} <a href=\"{url}\">{title}</a>\n   <code>/mute {id}</code>",
    "stats": "<b>Estadísticas</b>\nFuentes: {healthy} de {sources} funcionan\n"
             "Suscriptores: {subscribers}\nCola: {queue}\nÚltimos errores:\n{errors}",
    "stats_nothing": "ninguno",
    "press_stale": "Este botón ya no funciona.",
    "press_admins": "Solo los administradores del grupo pueden hacer eso.",
    "press_muted": "Silenciada: no recibirás más alertas sobre esta noticia.",
    "unsub_menu": "¿Qué suscripción quieres cancelar? Tócala:",
    "unsub_all": "✖ Todas",
    "unsub_gone": "Esa suscripción ya estaba cancelada.",
    "unsub_done": "Cancelada: {what}",
    "more_like": "Para recibir más como esta, suscríbete a:\n<code>/subscribe {query}</code>\n"
                 "({description})",
    "more_none": "No puedo sugerir una suscripción para esta noticia. /help explica cómo "
                 "escribir una.",
}
