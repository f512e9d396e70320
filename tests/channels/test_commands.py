"""Chat commands driven directly through `Commands.handle`/`press`, over the real
SubscriptionService and a real SQLite store: every command valid and invalid, in English and
Spanish; group and operator rules; buttons. Each reply must be HTML Telegram accepts (checked
with the fake Bot API's parser) — what the user sees is asserted on its visible text."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.chat import LatestStory, Pressed, Reply, Request, SourceHealth, Stats
from bot.channels.commands import Commands, parse_command
from bot.channels.i18n import MENU
from bot.reading.models import Health, Wait
from bot.store import Store, open_store
from tests.channels.commands_kit import NOW, STORY, MemoryQueries, make_commands
from tests.fakebot.tghtml import parse_html, utf16_len

CHAT = "1001"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = open_store(f"sqlite:///{tmp_path}/commands.db")
    await s.migrate()
    yield s
    await s.close()


@pytest.fixture
async def kit(store: Store) -> tuple[Commands, MemoryQueries]:
    commands, _, queries = make_commands(store)
    return commands, queries


def request(text: str, lang: str | None = "en", *, group: bool = False, admin: bool = True,
            operator: bool = False, address: str = CHAT) -> Request:
    return Request("telegram", address if not group else "-5001", lang, text, group,
                   admin, operator, NOW)


def visible(reply: Reply) -> str:
    """What the user sees; raises if Telegram would refuse the HTML or the length."""
    text, _ = parse_html(reply.text_html)
    assert utf16_len(text) <= 4096
    return text


async def say(commands: Commands, text: str, lang: str | None = "en", **kw: object) -> str:
    return visible(await commands.handle(request(text, lang, **kw)))  # type: ignore[arg-type]


SUBSCRIBED = "subscribed"  # the chat already follows "detainer in:California"
DAILY = "daily"  # … and has made its alerts a daily digest

CASES = [
    # (state, text, language, every fragment the reply must show)
    ("", "/start", "en", ["watches DHS", "/subscribe detainer in:California"]),
    ("", "/start", "es", ["vigila las salas de prensa", "/help"]),
    ("", "/help", "en", ['/subscribe "immigration detainer"', "/quiet 22:00-07:00", "/sources"]),
    ("", "/help", "es-MX", ["Seguir algo", "retén las alertas de noche"]),
    ("", "/subscribe detainer in:California", "en",
     ["Subscribed (#1): detainer (also matching: ", "in California"]),
    ("", "/subscribe detainer in:California", "es",
     ["Suscripción creada (n.º 1): detainer (también: ", "· en California"]),
    ("", "/subscribe", "en", ["Say what to follow", "/subscribe detainer in:California"]),
    ("", "/subscribe", "es", ["Di qué quieres seguir"]),
    ("", '/subscribe "immigration detainer', "en",
     ['Unclosed quote\n"immigration detainer\n^', 'Add a closing "']),
    ("", '/subscribe "immigration detainer', "es", ["Comillas sin cerrar", "Añade unas comillas"]),
    ("", '/subscribe detainer in:"Los Angles"', "en",
     ['Unknown place "Los Angles"\ndetainer in:"Los Angles"\n            ^',
      'Did you mean "Los Angeles']),
    ("", '/subscribe detainer in:"Los Angles"', "es",
     ["Lugar desconocido «Los Angles»", '¿Quisiste decir "Los Angeles']),
    ("", "/subscribe from:cbp", "es", ["Fuente desconocida «cbp»", "/sources las muestra"]),
    ("", "/subscribe -football", "en", ["Only exclusions", "Add a term to match"]),
    ("", "/list", "en", ["You have no subscriptions"]),
    ("", "/list", "es", ["No tienes suscripciones"]),
    (SUBSCRIBED, "/list", "en", ["Your subscriptions", "1. detainer (also matching",
                                 "detainer in:California", "/unsubscribe 2"]),
    (SUBSCRIBED, "/list", "es", ["Tus suscripciones", "1. detainer (también"]),
    ("", "/unsubscribe", "en", ["Say which: /unsubscribe 2", "/unsubscribe all"]),
    ("", "/unsubscribe 1", "es", ["No tienes suscripciones"]),
    (SUBSCRIBED, "/unsubscribe 7", "en", ["There is no subscription number 7; you have 1"]),
    (SUBSCRIBED, "/unsubscribe 7", "es", ["No existe la suscripción número 7; tienes 1"]),
    (SUBSCRIBED, "/unsubscribe two", "es", ["«two» no es un número de suscripción"]),
    (SUBSCRIBED, "/unsubscribe 1", "en", ["Unsubscribed:", "You have no subscriptions now"]),
    (SUBSCRIBED, "/unsubscribe all", "es", ["Suscripción cancelada", "Ya no tienes"]),
    ("", "/pause", "en", ["You have no subscriptions yet"]),
    (SUBSCRIBED, "/pause", "en", ["Alerts paused", "/resume"]),
    (SUBSCRIBED, "/pause", "es", ["Alertas en pausa"]),
    (SUBSCRIBED, "/resume", "es", ["Alertas reanudadas"]),
    ("", "/mute", "en", ["Say which story", "/latest"]),
    (SUBSCRIBED, "/mute s-ffffffffffff", "es", ["No hay ninguna noticia «s-ffffffffffff»"]),
    (SUBSCRIBED, f"/mute {STORY.id}", "en", ["Muted: ICE <detainer> & Ventura County"]),
    ("", f"/mute {STORY.id}", "en", ["You have no subscriptions yet"]),
    ("", "/digest", "en", ["How your alerts arrive", "/digest daily or /digest weekly",
                           "/digest daily 2 3", "/digest at 18:00"]),
    (SUBSCRIBED, "/digest", "es", ["Cómo llegan tus alertas",
                                   "1. detainer in:California — en el momento"]),
    ("", "/digest hourly", "es", ["«hourly» no es un modo (off, daily, weekly)"]),
    ("", "/digest daily", "en", ["You have no subscriptions yet"]),
    (SUBSCRIBED, "/digest daily", "en",
     ["Digest: alerts for all your subscriptions wait and arrive together, every day at "
      "08:00 (UTC). New subscriptions follow suit.", "/timezone America/Los_Angeles"]),
    (SUBSCRIBED, "/digest weekly 18:30", "es",
     ["Resumen: las alertas de todas tus suscripciones esperan y llegan juntas, cada lunes "
      "a las 18:30 (UTC)"]),
    (SUBSCRIBED, "/digest daily 1", "en", ["Digest for subscription 1: their alerts wait",
                                           "The others arrive as they happen"]),
    (SUBSCRIBED, "/digest daily 4", "en", ["There is no subscription number 4; you have 1"]),
    (SUBSCRIBED, "/digest off", "es", ["Resumen desactivado: las alertas llegan en el momento"]),
    (SUBSCRIBED, "/digest off 1", "en", ["subscription 1: alerts arrive as they happen"]),
    (SUBSCRIBED, "/digest daily 25:00", "en", ["25:00 is not a time of day"]),
    (SUBSCRIBED, "/digest at 7:05", "en", ["Digests arrive at 07:05 (UTC)"]),
    (SUBSCRIBED, "/digest at", "en", ["/digest daily or /digest weekly"]),
    (SUBSCRIBED, "/digest semanal", "es", ["cada lunes a las 08:00"]),
    (DAILY, "/list", "en", ["detainer in:California · 📰 daily digest"]),
    (DAILY, "/subscribe ICE hold", "en", ["Subscribed (#2)"]),
    ("", "/quiet", "en", ["No quiet hours", "/quiet 22:00-07:00"]),
    ("", "/quiet 22:00-7:00", "en",
     ["Quiet hours 22:00-07:00 (UTC)", "together at 07:00", "/timezone America/Los_Angeles"]),
    ("", "/quiet 22:00-07:00", "es", ["Horas de silencio 22:00-07:00", "a las 07:00"]),
    ("", "/quiet 25:00-07:00", "en", ["25:00 is not a time of day: hours go from 00 to 23"]),
    ("", "/quiet 22:00-07:75", "es", ["07:75 no es una hora válida"]),
    ("", "/quiet 10pm-7am", "en", ["“10pm-7am” is not a time range", "/quiet off"]),
    ("", "/quiet 22:00-22:00", "es", ["El inicio y el fin son 22:00"]),
    ("", "/quiet off", "en", ["Quiet hours off"]),
    ("", "/timezone", "en", ["Your time zone is UTC"]),
    ("", "/timezone America/Los_Angeles", "en",
     ["Time zone: America/Los_Angeles (it is 6 Feb 10:30 there now)"]),
    ("", "/timezone america/mexico city", "es",
     ["Zona horaria: America/Mexico_City (allí son las 6 feb 12:30)"]),
    ("", "/timezone Los Angeles", "en",
     ["“Los Angeles” is not a time zone I know. Did you mean America/Los_Angeles"]),
    ("", "/timezone Mars/Olympus_Mons", "es",
     ["no es una zona horaria que conozca", "America/Mexico_City"]),
    ("", "/lang", "en", ["Choose /lang en (English) or /lang es (español)"]),
    ("", "/lang fr", "es", ["«fr» no es un idioma que hable", "/lang es"]),
    ("", "/lang es", "en", ["Idioma: español."]),
    ("", "/lang English", "es", ["Language: English."]),
    ("", "/sources", "en", ["No sources are configured."]),
    ("", "/jurisdictions", "en", ["States (use one with in:)", "California", "Wyoming",
                                  "/jurisdictions Ventura"]),
    ("", "/jurisdictions ventura", "es",
     ['in:"Ventura County" — condado, California', "in:Ventura — ciudad, California"]),
    ("", "/jurisdictions Xqzzy", "en", ["No place starts with “Xqzzy”."]),
    ("", "/jurisdictions Los Angles", "es", ["Ningún lugar empieza por", "¿Quisiste decir"]),
    ("", "/latest", "en", ["You have no subscriptions"]),
    (SUBSCRIBED, "/latest", "es", ["Nada ha coincidido con tus suscripciones"]),
    ("", "/latest abc", "en", ["“abc” is not a number", "(1 to 20)"]),
    ("", "/latest 0", "es", ["Elige un número de 1 a 20"]),
    ("", "/latest 99", "en", ["Choose a number from 1 to 20"]),
    ("", "/stats", "en", ["/stats is only for the operators"]),
    ("", "/stats", "es", ["/stats es solo para quienes administran"]),
    ("", "/frobnicate", "en", ["I don't know /frobnicate. /help lists"]),
    ("", "/subscrib detainer", "es", ["No conozco /subscrib. ¿Quisiste decir /subscribe?"]),
    ("", "detainer in:Ventura", "en", ["To follow “detainer in:Ventura”, send /subscribe"]),
    ("", "hola", "es", ["Respondo a comandos"]),
    ("", "/subscribe@alertbot_test_bot detainer", "en", ["Subscribed (#1): detainer"]),
    ("", "/alerts subscribe detainer", "en", ["Subscribed (#1): detainer"]),
    ("", "/LIST", "en", ["You have no subscriptions"]),
]


@pytest.mark.parametrize(("state", "text", "lang", "expected"), CASES,
                         ids=[f"{c[1][:30]}-{c[2]}" for c in CASES])
async def test_every_command_valid_and_invalid(
    kit: tuple[Commands, MemoryQueries], state: str, text: str, lang: str, expected: list[str]
) -> None:
    commands, _ = kit
    if state in (SUBSCRIBED, DAILY):
        await say(commands, "/subscribe detainer in:California", lang)
    if state == DAILY:
        await say(commands, "/digest daily", lang)
    shown = await say(commands, text, lang)
    for fragment in expected:
        assert fragment in shown, f"{fragment!r} not in reply to {text!r}:\n{shown}"


async def test_help_offers_no_email_yet(kit: tuple[Commands, MemoryQueries]) -> None:
    commands, _ = kit
    for lang in ("en", "es"):
        shown = await say(commands, "/help", lang)
        assert "/email" not in shown and "email" not in shown.lower()
        assert all(cmd != "email" for cmd, _ in MENU[lang])


async def test_stored_language_wins_over_the_telegram_one(
        kit: tuple[Commands, MemoryQueries]) -> None:
    commands, _ = kit
    assert "Idioma: español." in await say(commands, "/lang es", "en")
    assert "Tus suscripciones" in await say(commands, "/subscribe detainer", "en") + \
        await say(commands, "/list", "en")
    assert "Language: English." in await say(commands, "/lang en", "es")
    assert "Your subscriptions" in await say(commands, "/list", "es-MX")


async def test_a_first_setting_keeps_the_users_language(
        kit: tuple[Commands, MemoryQueries]) -> None:
    """/timezone before any /subscribe creates the subscriber: in Spanish, for a Spanish user."""
    commands, _ = kit
    await say(commands, "/timezone America/Los_Angeles", "es")
    assert "Di qué quieres seguir" in await say(commands, "/subscribe", None)


async def test_group_members_read_but_only_admins_change(
        kit: tuple[Commands, MemoryQueries]) -> None:
    commands, _ = kit
    for text in ("/subscribe detainer", "/unsubscribe 1", "/pause", "/resume", "/quiet off",
                 f"/mute {STORY.id}", "/timezone UTC", "/lang es", "/digest daily"):
        shown = await say(commands, text, "en", group=True, admin=False)
        assert "In this group only admins can change subscriptions" in shown, text
    refused = await say(commands, "/subscribe detainer", "es", group=True, admin=False)
    assert "solo los administradores" in refused
    assert "Subscribed (#1)" in await say(commands, "/subscribe detainer", group=True)
    for text in ("/list", "/latest", "/sources", "/jurisdictions Kern", "/help", "/start"):
        shown = await say(commands, text, "en", group=True, admin=False)
        assert "In this group only admins" not in shown, text
    assert "In groups only admins can change" in await say(commands, "/help", group=True)


@pytest.mark.parametrize("prefix", ["orange", "san ", "los angeles", "bay"])
async def test_every_place_listed_can_be_subscribed_as_shown(
        kit: tuple[Commands, MemoryQueries], prefix: str) -> None:
    """/jurisdictions shows in:"Orange County, Florida" for a namesake: it must find that one."""
    commands, _ = kit
    shown = await say(commands, f"/jurisdictions {prefix}")
    queries = re.findall(r"^(in:.*) — ", shown, re.MULTILINE)
    assert queries
    for query in queries:
        assert "Subscribed" in await say(commands, f"/subscribe {query}"), query
        await say(commands, "/unsubscribe all")


async def test_stats_are_for_operators(kit: tuple[Commands, MemoryQueries]) -> None:
    commands, queries = kit
    queries.stats_value = Stats(sources=4, healthy_sources=3, subscribers=12,
                                queue={"pending": 5, "failed": 1},
                                last_errors=("dhs-press: HTTP 503 <html>",))
    shown = await say(commands, "/stats", "en", operator=True)
    assert "Sources: 3 of 4 healthy" in shown and "Subscribers: 12" in shown
    assert "failed 1 · pending 5" in shown and "• dhs-press: HTTP 503 <html>" in shown
    assert "Fuentes: 3 de 4 funcionan" in await say(commands, "/stats", "es", operator=True)
    assert "only for the operators" in await say(commands, "/stats", "en", group=True)


async def test_sources_show_health_escaped(kit: tuple[Commands, MemoryQueries]) -> None:
    commands, queries = kit
    queries.source_list = [
        SourceHealth(id="ice", name="ICE news releases", state=Health.HEALTHY, last_success=NOW),
        SourceHealth(id="dhs-press", name="DHS <press>", state=Health.UNHEALTHY, failures=3,
                     last_success=None, last_error="HTTP 503 & <b>down</b>"),
    ]
    shown = await say(commands, "/sources", "en")
    assert "✅ ICE news releases (ice) — last read 6 Feb 18:30" in shown
    assert "⚠️ DHS <press> (dhs-press) — failing: HTTP 503 & <b>down</b>; last read never" \
        in shown
    assert "/subscribe from:ice" in shown
    assert "última lectura nunca" in await say(commands, "/sources", "es")


async def test_sources_say_what_alertbot_sources_says(
        kit: tuple[Commands, MemoryQueries]) -> None:
    """Not read yet, failing (and until when it waits: the server's Retry-After or a backoff),
    disabled by a 410 Gone: each said, in the chat's language, as the CLI and /healthz do."""
    commands, queries = kit
    later = NOW + timedelta(minutes=30)
    queries.source_list = [
        SourceHealth(id="new", name="New", state=Health.NEVER_POLLED),
        SourceHealth(id="busy", name="Busy", state=Health.FAILING, failures=1,
                     last_success=NOW, last_error="HTTP 429", next_check=later,
                     waiting=Wait.RETRY_AFTER),
        SourceHealth(id="down", name="Down", state=Health.UNHEALTHY, failures=5,
                     last_success=NOW, last_error="timed out", next_check=later,
                     waiting=Wait.BACKOFF),
        SourceHealth(id="gone", name="Gone", state=Health.DISABLED, failures=1,
                     last_success=NOW, last_error="HTTP 410", disabled_since=NOW),
    ]
    shown = await say(commands, "/sources", "en")
    assert "⏳ New (new) — not read yet" in shown
    assert ("⚠️ Busy (busy) — failing: HTTP 429; last read 6 Feb 18:30 — next try 6 Feb 19:00, "
            "as the server asked") in shown
    assert ("⚠️ Down (down) — failing: timed out; last read 6 Feb 18:30 — next try 6 Feb 19:00, "
            "waiting longer after each failure") in shown
    assert ("⛔ Gone (gone) — stopped: its address answered 410 Gone on 6 Feb 18:30; last read "
            "6 Feb 18:30") in shown
    spanish = await say(commands, "/sources", "es")
    assert "⏳ New (new) — aún sin leer" in spanish
    assert "próximo intento 6 feb 19:00, como pidió el servidor" in spanish
    assert "esperando más tras cada fallo" in spanish
    assert "respondió 410 Gone el 6 feb 18:30" in spanish


async def test_latest_lists_stories_in_the_chats_time_zone(
        kit: tuple[Commands, MemoryQueries]) -> None:
    commands, queries = kit
    await say(commands, "/subscribe detainer", "en")
    await say(commands, "/timezone America/Los_Angeles", "en")
    queries.recent[CHAT] = [
        LatestStory("s-aaaaaaaaaaaa", "Detainer <ignored> & more", "https://www.ice.gov/a", NOW),
        LatestStory("s-bbbbbbbbbbbb", "Second", "javascript:alert(1)", None),
        LatestStory("s-cccccccccccc", "Third", "https://www.ice.gov/c", NOW),
    ]
    reply = await commands.handle(request("/latest 2"))
    shown = visible(reply)
    assert "• 6 Feb 10:30 Detainer <ignored> & more\n   /mute s-aaaaaaaaaaaa" in shown
    assert "• never Second" in shown and "Third" not in shown
    assert 'href="https://www.ice.gov/a"' in reply.text_html
    assert "javascript" not in reply.text_html


async def test_resume_releases_held_alerts(kit: tuple[Commands, MemoryQueries]) -> None:
    commands, queries = kit
    await say(commands, "/subscribe detainer", "en")
    await say(commands, "/pause", "en")
    assert "⏸ Alerts are paused" in await say(commands, "/list", "en")
    assert "/resume to get them" in await say(commands, "/subscribe sanctuary", "en")
    queries.held[CHAT] = 3
    assert "Alerts resumed. 3 held alert(s) are on their way." in \
        await say(commands, "/resume", "en")
    assert await say(commands, "/resume", "es") == "▶️ Alerts resumed."  # none held now


async def test_quota_message_is_translated(kit: tuple[Commands, MemoryQueries]) -> None:
    commands, _ = kit
    for query in ("detainer", "sanctuary", "jail"):
        await say(commands, f"/subscribe {query}", "es")
    shown = await say(commands, "/subscribe tunnel", "es")
    assert "Tienes 3 suscripciones y el máximo es 3: cancela una antes con /unsubscribe" in shown


async def test_quiet_hours_show_in_list(kit: tuple[Commands, MemoryQueries]) -> None:
    commands, _ = kit
    await say(commands, "/subscribe detainer", "en")
    await say(commands, "/timezone America/Los_Angeles", "en")
    assert "(America/Los_Angeles)" in await say(commands, "/quiet 22:00-07:00", "en")
    assert "🌙 Quiet hours 22:00-07:00 (America/Los_Angeles)." in await say(commands, "/list")
    assert "Quiet hours: 22:00-07:00" in await say(commands, "/quiet")


async def test_a_broken_store_gets_an_apology_not_a_trace(
        kit: tuple[Commands, MemoryQueries], caplog: pytest.LogCaptureFixture) -> None:
    commands, queries = kit
    queries.broken = True
    assert await say(commands, "/list", "es") == \
        "Algo falló de nuestro lado. Inténtalo de nuevo en un minuto."
    pressed = await commands.press(request("mute:x"), f"mute:{STORY.id}")
    assert pressed.toast.startswith("Something went wrong")
    errors = [r.fields["error"] for r in caplog.records]  # type: ignore[attr-defined]
    assert errors == ["OSError: database is locked"] * 2


async def test_mute_button_mutes_and_goes(kit: tuple[Commands, MemoryQueries],
                                          store: Store) -> None:
    commands, _ = kit
    await say(commands, "/subscribe detainer", "es")
    pressed = await commands.press(request("", "en"), f"mute:{STORY.id}")  # stored lang wins
    assert pressed == Pressed("Silenciada: no recibirás más alertas sobre esta noticia.",
                              None, remove_button=True)
    subscriber = await store.subscriber("telegram", CHAT)
    assert subscriber is not None
    assert [m.story_id for m in await store.mutes_of(subscriber.id)] == [STORY.id]
    refused = await commands.press(request("", group=True, admin=False), f"mute:{STORY.id}")
    assert refused == Pressed("Only the group's admins can do that.")


async def test_unsubscribe_menu_and_its_buttons(kit: tuple[Commands, MemoryQueries]) -> None:
    commands, _ = kit
    assert (await commands.press(request(""), "menu:unsub")).toast.startswith("You have no")
    await say(commands, "/subscribe detainer", "en")
    await say(commands, "/subscribe sanctuary in:California", "en")
    menu = await commands.press(request(""), "menu:unsub")
    assert menu.reply is not None and visible(menu.reply).startswith("Which subscription")
    labels = [row[0] for row in menu.reply.buttons]
    assert [label for label, _ in labels] == ["✖ 1. detainer", "✖ 2. sanctuary in:California",
                                              "✖ All of them"]
    first = labels[0][1]
    done = await commands.press(request(""), first)
    assert done == Pressed("Unsubscribed: detainer", None, remove_button=True)
    assert (await commands.press(request(""), first)).toast == \
        "That subscription was already removed."
    assert "1. sanctuary" in await say(commands, "/list")
    assert (await commands.press(request(""), "unsub:all")).remove_button
    assert "You have no subscriptions" in await say(commands, "/list")


async def test_more_like_this_suggests_a_subscription(
        kit: tuple[Commands, MemoryQueries]) -> None:
    commands, queries = kit
    more = await commands.press(request("", "es"), f"more:{STORY.id}")
    assert more.reply is not None
    shown = visible(more.reply)
    assert '/subscribe in:"Ventura County" from:ice' in shown and "en Ventura County" in shown
    queries.stories[STORY.id] = replace(STORY, places=("Atlantis",), agencies=())
    assert (await commands.press(request(""), f"more:{STORY.id}")).toast.startswith("I can't")
    assert (await commands.press(request(""), "more:s-gone")).reply is None


@pytest.mark.parametrize("data", ["", "mute:", "bogus:1", "menu:other", "more"])
async def test_stale_or_foreign_buttons(kit: tuple[Commands, MemoryQueries], data: str) -> None:
    commands, _ = kit
    assert (await commands.press(request("", "es"), data)).toast == "Este botón ya no funciona."


@pytest.mark.parametrize(("text", "parsed"), [
    ("/start", ("start", "")),
    ("  /Subscribe@alertbot_test_bot   detainer  in:CA ", ("subscribe", "detainer  in:CA")),
    ("/alerts unsubscribe 2", ("unsubscribe", "2")),
    ("/alerts", ("alerts", "")),
    ("/subscribe\ndetainer", ("subscribe", "detainer")),
    ("subscribe detainer", None),
    ("/", None),
])
def test_parse_command(text: str, parsed: tuple[str, str] | None) -> None:
    assert parse_command(text) == parsed


async def test_a_digest_chosen_for_all_is_the_mode_of_later_subscriptions_too(
        kit: tuple[Commands, MemoryQueries]) -> None:
    commands, _ = kit
    await say(commands, "/subscribe detainer in:California", "en")
    await say(commands, "/digest weekly", "en")
    await say(commands, "/subscribe sanctuary", "en")
    await say(commands, "/digest instant 1", "en")
    shown = await say(commands, "/digest", "en")
    assert "1. detainer in:California — as it happens" in shown
    assert "2. sanctuary — weekly digest (Mondays)" in shown
    assert "Digests arrive at 08:00 (UTC)" in shown
