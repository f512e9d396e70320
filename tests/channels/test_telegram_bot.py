"""The real python-telegram-bot Application (telegram_bot.build_application) against the fake
Bot API on 127.0.0.1, over the real SubscriptionService and SQLite store: users send every
command in private chats and groups, in English and Spanish, and the replies arrive; alert
buttons mute, suggest and unsubscribe. The fake enforces Telegram's flood limits (100x faster)
and validates every message's HTML, so a reply that breaks either never arrives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.channels.chat import SourceHealth
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_bot import build_application, start, stop
from bot.models import Message
from bot.reading.models import Health
from bot.store import Store, open_store
from tests.channels.commands_kit import NOW, STORY, MemoryQueries, make_commands
from tests.fakebot import FakeBotAPI, Limits, SentMessage

OPERATOR = 900
GROUP, MEMBER, ADMIN = -5001, 4242, 77
ALERT_BUTTONS = (("🔕 Mute", f"mute:{STORY.id}"), ("More like this", f"more:{STORY.id}"),
                 ("Unsubscribe", "menu:unsub"))


@dataclass
class Running:
    fake: FakeBotAPI
    app: Application
    store: Store
    queries: MemoryQueries

    async def say(self, chat: int, text: str, **kw: object) -> SentMessage:
        """The user sends `text`; return the bot's one reply."""
        before = len(self.fake.sent(chat))
        self.fake.user_sends(chat, text, **kw)  # type: ignore[arg-type]
        sent = await self.fake.wait_for_messages(chat, before + 1)
        assert len(sent) == before + 1, [m.plain for m in sent[before:]]
        return sent[-1]

    async def press(self, chat: int, message: SentMessage, data: str,
                    user_id: int | None = None) -> str | None:
        """Tap a button; return the toast the bot answered with."""
        query = self.fake.press_button(chat, message.message_id, data, user_id=user_id)
        for _ in range(500):
            answer = self.fake.answers[query]
            if answer is not None:
                return answer["text"]
            await asyncio.sleep(0.01)
        raise TimeoutError(f"callback query {query} was never answered")


@pytest.fixture
async def bot(fake_bot: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Running]:
    fake_bot.set_limits(Limits().scaled(0.01))
    store = open_store(f"sqlite:///{tmp_path}/bot.db")
    await store.migrate()
    commands, _, queries = make_commands(store)
    queries.source_list = [SourceHealth(id="ice", name="ICE news releases", state=Health.HEALTHY,
                                        last_success=NOW)]
    app = build_application(fake_bot.token, fake_bot.base_url, commands,
                            operators=frozenset({OPERATOR}), clock=lambda: NOW)
    polling = await start(app, poll_timeout=1)
    try:
        yield Running(fake_bot, app, store, queries)
    finally:
        await stop(app, polling)
        await store.close()


PRIVATE = [  # (what the user sends, the English reply shows, the Spanish reply shows)
    ("/start", "watches DHS", "vigila las salas de prensa"),
    ("/help", "Follow something", "Seguir algo"),
    ("/subscribe", "Say what to follow", "Di qué quieres seguir"),
    ('/subscribe "immigration detainer', "Unclosed quote", "Comillas sin cerrar"),
    ("/subscribe detainer in:Californa", 'Did you mean "California"', '¿Quisiste decir'),
    ("/subscribe detainer in:California", "Subscribed (#1)", "Suscripción creada (n.º 1)"),
    ("/list", "1. detainer (also matching", "1. detainer (también"),
    ("/pause", "Alerts paused", "Alertas en pausa"),
    ("/resume", "Alerts resumed", "Alertas reanudadas"),
    ("/mute", "Say which story", "Di qué noticia"),
    ("/mute s-000000000000", "There is no story", "No hay ninguna noticia"),
    (f"/mute {STORY.id}", "Muted: ICE <detainer> & Ventura", "Silenciada: ICE <detainer> &"),
    ("/digest sometimes", "is neither a mode", "no es un modo"),
    ("/digest weekly", "every Monday at 08:00", "cada lunes a las 08:00"),
    ("/quiet 22:00-31:00", "31:00 is not a time of day", "31:00 no es una hora válida"),
    ("/quiet 22:00-07:00", "Quiet hours 22:00-07:00", "Horas de silencio 22:00-07:00"),
    ("/quiet off", "Quiet hours off", "Horas de silencio desactivadas"),
    ("/timezone Pacific Time", "is not a time zone", "no es una zona horaria"),
    ("/timezone America/Los_Angeles", "Time zone: America/Los_Angeles",
     "Zona horaria: America/Los_Angeles"),
    ("/sources", "✅ ICE news releases (ice)", "✅ ICE news releases (ice)"),
    ("/jurisdictions Ventura", 'in:"Ventura County"', "condado, California"),
    ("/latest x", "“x” is not a number", "«x» no es un número"),
    ("/latest", "Nothing has matched", "Nada ha coincidido"),
    ("/stats", "only for the operators", "solo para quienes administran"),
    ("/lang xx", "“xx” is not a language", "«xx» no es un idioma"),
    ("/frobnicate", "I don't know /frobnicate", "No conozco /frobnicate"),
    ("/unsubscribe", "Say which", "Di cuál"),
    ("/unsubscribe 5", "There is no subscription number 5", "No existe la suscripción número 5"),
    ("/unsubscribe all", "Unsubscribed", "Suscripción cancelada"),
    ("detainer", "To follow “detainer”", "Para seguir «detainer»"),
]


@pytest.mark.parametrize(("chat", "lang"), [(111, "en"), (222, "es")])
async def test_every_command_in_a_private_chat(bot: Running, chat: int, lang: str) -> None:
    for text, english, spanish in PRIVATE:
        reply = await bot.say(chat, text, language_code=lang)
        expected = english if lang == "en" else spanish
        assert expected in reply.plain, f"{text!r} → {reply.plain!r}"
        assert reply.parse_mode == "HTML" and reply.reply_to is None


async def test_lang_overrides_the_telegram_language(bot: Running) -> None:
    assert (await bot.say(111, "/lang es")).plain == "Idioma: español."
    assert "No tienes suscripciones" in (await bot.say(111, "/list")).plain
    assert (await bot.say(111, "/lang en", language_code="es")).plain == "Language: English."
    assert "You have no subscriptions" in (await bot.say(111, "/list", language_code="es")).plain


async def test_operators_get_stats(bot: Running) -> None:
    reply = await bot.say(OPERATOR, "/stats", language_code="es-MX")
    assert reply.plain.startswith("Estadísticas\nFuentes: 0 de 0 funcionan")


async def test_in_groups_members_read_and_admins_change(bot: Running) -> None:
    fake = bot.fake
    fake.set_admin(GROUP, ADMIN, "administrator")
    sent = fake.user_sends(GROUP, "/subscribe detainer", user_id=MEMBER, chat_type="group")
    [refused] = await fake.wait_for_messages(GROUP, 1)
    assert "In this group only admins can change subscriptions" in refused.plain
    assert refused.reply_to == sent  # in a busy group the reply says whose command it was
    spanish = await bot.say(GROUP, "/pause", user_id=MEMBER, language_code="es")
    assert "solo los administradores" in spanish.plain
    ok = await bot.say(GROUP, '/subscribe@alertbot_test_bot detainer in:"Kern County"',
                       user_id=ADMIN)
    assert "Subscribed (#1): detainer" in ok.plain and "in Kern County" in ok.plain
    listed = await bot.say(GROUP, "/list", user_id=MEMBER)
    assert "1. detainer" in listed.plain
    creator = await bot.say(GROUP, "/quiet 23:00-06:00", user_id=ADMIN)
    assert "Quiet hours 23:00-06:00" in creator.plain
    for text in ("/help", "/sources", "/latest", "/jurisdictions Kern"):
        assert "In this group only" not in (await bot.say(GROUP, text, user_id=MEMBER)).plain


async def test_in_groups_other_bots_commands_are_left_alone(bot: Running) -> None:
    fake = bot.fake
    for text in ("/subscribe@otherbot detainer", "/weather", "/start@otherbot", "just chatting"):
        fake.user_sends(GROUP, text, chat_type="group")
    addressed = await bot.say(GROUP, "/weather@alertbot_test_bot")
    assert "I don't know /weather" in addressed.plain
    assert len(fake.sent(GROUP)) == 1  # nothing else was answered


async def test_a_429_on_a_reply_is_waited_out(bot: Running) -> None:
    bot.fake.forced_429(111, retry_after=0.2)
    reply = await bot.say(111, "/start")
    assert "watches DHS" in reply.plain
    first, second = bot.fake.calls["sendMessage"]  # refused once, then sent
    assert first["text"] == second["text"]


async def send_alert(bot: Running, chat: int) -> SentMessage:
    """What the dispatcher does: the sending side's channel, retried after a 429 (the replies
    just sent to the chat may have filled its per-chat window)."""
    channel = TelegramChannel(bot.app.bot)
    alert = Message("🔔 <b>ICE</b> detainer release", buttons=ALERT_BUTTONS)
    for _ in range(5):
        result = await channel.send(str(chat), [alert])
        if result.status == "ok":
            return bot.fake.sent(chat)[-1]
        await asyncio.sleep(result.retry_after or 0.01)
    raise AssertionError(f"the alert was not delivered: {result}")


async def test_the_mute_button_mutes_and_disappears(bot: Running) -> None:
    await bot.say(111, "/subscribe detainer", language_code="es")
    alert = await send_alert(bot, 111)
    toast = await bot.press(111, alert, f"mute:{STORY.id}")
    assert toast == "Silenciada: no recibirás más alertas sobre esta noticia."
    edited = bot.fake.sent(111)[-1]
    assert edited.message_id == alert.message_id and edited.edits == 1
    assert [b.text for row in edited.buttons for b in row] == ["More like this", "Unsubscribe"]
    subscriber = await bot.store.subscriber("telegram", "111")
    assert subscriber is not None
    assert [m.story_id for m in await bot.store.mutes_of(subscriber.id)] == [STORY.id]


async def test_a_group_member_cannot_mute_for_the_group(bot: Running) -> None:
    bot.fake.set_admin(GROUP, ADMIN, "creator")
    await bot.say(GROUP, "/subscribe detainer", user_id=ADMIN)
    alert = await send_alert(bot, GROUP)
    toast = await bot.press(GROUP, alert, f"mute:{STORY.id}", user_id=MEMBER)
    assert toast == "Only the group's admins can do that."
    assert bot.fake.sent(GROUP)[-1].edits == 0
    assert await bot.press(GROUP, alert, f"mute:{STORY.id}", user_id=ADMIN) == \
        "Muted: no more alerts about this story."


async def test_more_like_this_and_the_unsubscribe_menu(bot: Running) -> None:
    await bot.say(111, "/subscribe detainer")
    await bot.say(111, "/subscribe sanctuary")
    alert = await send_alert(bot, 111)
    assert await bot.press(111, alert, f"more:{STORY.id}") is None
    suggestion = (await bot.fake.wait_for_messages(111, 4))[-1]
    assert '/subscribe in:"Ventura County" from:ice' in suggestion.plain
    assert await bot.press(111, alert, "menu:unsub") is None
    menu = (await bot.fake.wait_for_messages(111, 5))[-1]
    assert [b.text for row in menu.buttons for b in row] == \
        ["✖ 1. detainer", "✖ 2. sanctuary", "✖ All of them"]
    toast = await bot.press(111, menu, menu.button("✖ 1. detainer").data or "")
    assert toast == "Unsubscribed: detainer"
    assert [b.text for row in bot.fake.sent(111)[-1].buttons for b in row] == \
        ["✖ 2. sanctuary", "✖ All of them"]
    assert "1. sanctuary" in (await bot.say(111, "/list")).plain


async def test_the_command_menu_is_published_in_both_languages(bot: Running) -> None:
    english = await bot.app.bot.get_my_commands()
    spanish = await bot.app.bot.get_my_commands(language_code="es")
    assert [c.command for c in english] == [c.command for c in spanish]
    assert {"subscribe", "unsubscribe", "quiet", "lang"} <= {c.command for c in english}
    assert not {"email", "stats"} & {c.command for c in english}
    assert dict((c.command, c.description) for c in spanish)["list"] == "Tus suscripciones"
