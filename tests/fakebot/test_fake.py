"""Tests of the fake Bot API, driven by the real python-telegram-bot over HTTP on 127.0.0.1.

The protocol, long polling, HTML validation, the message length, callback queries and a whole
Application round trip. Flood limits: test_fake_limits.py; chats and edits: test_fake_chats.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, EndPointNotFound, InvalidToken, NetworkError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakebot import FakeBotAPI

MUTE = InlineKeyboardMarkup([[InlineKeyboardButton("Mute story", callback_data="mute:7")]])


@pytest.fixture
async def bot(fake_bot: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake_bot.token, base_url=fake_bot.base_url) as bot:
        yield bot


async def test_get_me_describes_the_bot(bot: Bot, fake_bot: FakeBotAPI) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (fake_bot.bot_id, True, "alertbot_test_bot")
    assert len(fake_bot.calls["getMe"]) == 2  # Bot.initialize() asked once already


@pytest.mark.parametrize("token", ["999:wrong-but-well-formed", "malformed"])
async def test_a_wrong_token_is_refused(fake_bot: FakeBotAPI, token: str) -> None:
    stranger = Bot(token, base_url=fake_bot.base_url)
    try:
        with pytest.raises(InvalidToken):
            await stranger.initialize()  # asks getMe
    finally:
        await stranger.shutdown()
    assert not fake_bot.calls


async def test_an_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})


async def test_fail_next_answers_a_transient_5xx_then_recovers(
        bot: Bot, fake_bot: FakeBotAPI) -> None:
    fake_bot.fail_next(1, status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(42, "hello")
    assert (await bot.send_message(42, "hello")).message_id == 1
    assert [m.plain for m in fake_bot.sent(42)] == ["hello"]


async def test_an_outage_refuses_every_send_until_it_is_over(
        bot: Bot, fake_bot: FakeBotAPI) -> None:
    fake_bot.outage(401)  # the token revoked
    for _ in range(3):
        with pytest.raises(InvalidToken):
            await bot.send_message(42, "hello")
    assert (await bot.get_me()).username == "alertbot_test_bot"  # other methods still answer
    fake_bot.outage(500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(42, "hello")
    fake_bot.outage(None)
    assert (await bot.send_message(42, "hello")).message_id == 1
    assert [m.plain for m in fake_bot.sent(42)] == ["hello"]
    assert len(fake_bot.calls["sendMessage"]) == 5


@pytest.mark.parametrize(("html", "plain"), [
    ("<b>bold <i>and italic</i></b> <u>u</u> <s>s</s> <code>x</code>", "bold and italic u s x"),
    ("<strong>a</strong><em>b</em><ins>c</ins><strike>d</strike><del>e</del>", "abcde"),
    ('<a href="https://ice.gov/?a=1&amp;b=2">link</a>', "link"),
    ('<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler>', "s t"),
    ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
    ("<blockquote expandable>quoted</blockquote>", "quoted"),
    ("Tom &amp; Jerry &lt;3 &quot;q&quot; it&#39;s &#x1F600;", 'Tom & Jerry <3 "q" it\'s 😀'),
    ("<B>upper-case tags</B> and a bare > sign", "upper-case tags and a bare > sign"),
])
async def test_valid_telegram_html_is_accepted(
        bot: Bot, fake_bot: FakeBotAPI, html: str, plain: str) -> None:
    message = await bot.send_message(42, html, parse_mode="HTML")
    assert message.text == plain
    assert fake_bot.sent(42)[-1].text == html
    assert fake_bot.sent(42)[-1].plain == plain


@pytest.mark.parametrize(("html", "error"), [
    ("<b>x", 'find end tag corresponding to start tag "b"'),
    ("a & b", "Unsupported HTML entity at byte offset 2"),
    ("caf&eacute; &nbsp;", "Unsupported HTML entity"),
    ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
    ("if x < y", 'Unsupported start tag "" at byte offset 5'),
    ("line<br>break", 'Unsupported start tag "br"'),
    ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ('<a href="https://x.org/?a=1&b=2">x</a>', "Unsupported HTML entity"),
    ("<b", "Unclosed start tag"),
])
async def test_invalid_html_is_refused_like_telegram(
        bot: Bot, fake_bot: FakeBotAPI, html: str, error: str) -> None:
    with pytest.raises(BadRequest, match="parse entities") as caught:
        await bot.send_message(42, html, parse_mode="HTML")
    # PTB drops "Bad Request: " and str.capitalize()s the rest, lower-casing Telegram's words
    assert error.lower() in caught.value.message.lower()
    assert fake_bot.sent(42) == []


async def test_formatting_comes_back_as_entities_in_utf16_units(bot: Bot) -> None:
    message = await bot.send_message(42, "😀 <b>bold <i>it</i></b>", parse_mode="HTML")
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 3, 7), ("italic", 8, 2)]
    assert message.text_html == "😀 <b>bold <i>it</i></b>"


@pytest.mark.parametrize(("text", "fits"), [
    ("a" * 4096, True), ("a" * 4097, False),
    ("&amp;" * 4096, True), ("&amp;" * 4097, False),  # an entity is one character
    ("<b>" + "a" * 4096 + "</b>", True),  # tags are not counted
    ("a" * 4094 + "😀", True), ("a" * 4095 + "😀", False),  # emoji are 2 UTF-16 units
    ("  " + "a" * 4096 + "\n\n", True),  # surrounding whitespace is stripped
])
async def test_the_4096_limit_counts_visible_utf16_units(bot: Bot, text: str, fits: bool) -> None:
    if fits:
        await bot.send_message(42, text, parse_mode="HTML")
        return
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(42, text, parse_mode="HTML")


@pytest.mark.parametrize("text", [" \n ", "<b></b>", "<b> </b>"])
async def test_an_empty_text_is_refused(bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(42, text, parse_mode="HTML")


async def test_long_polling_returns_as_soon_as_an_update_arrives(
        bot: Bot, fake_bot: FakeBotAPI) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    fake_bot.user_sends(42, "/start")
    [update] = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert update.message.text == "/start" and update.message.chat.type == "private"
    [entity] = update.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)


async def test_long_polling_waits_out_its_timeout_and_offset_confirms(
        bot: Bot, fake_bot: FakeBotAPI) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 2
    fake_bot.user_sends(42, "one")
    fake_bot.user_sends(42, "two")
    first, second = await bot.get_updates(timeout=0)
    assert (first.message.text, second.update_id) == ("one", first.update_id + 1)
    assert len(await bot.get_updates(offset=second.update_id, timeout=0)) == 1
    assert await bot.get_updates(offset=second.update_id + 1, timeout=0) == ()


async def test_a_callback_query_round_trip(bot: Bot, fake_bot: FakeBotAPI) -> None:
    sent = await bot.send_message(42, "<b>Alert</b>", parse_mode="HTML", reply_markup=MUTE)
    query_id = fake_bot.press_button(42, sent.message_id, "mute:7")
    [update] = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert (query.id, query.data, query.from_user.id) == (query_id, "mute:7", 42)
    assert query.message.message_id == sent.message_id and query.chat_instance
    assert await query.answer("Muted") is True
    assert fake_bot.answers[query_id] == {"text": "Muted", "show_alert": False, "url": None}
    with pytest.raises(BadRequest, match="(?i)query id is invalid"):
        await query.answer("again")
    with pytest.raises(ValueError, match="no button"):
        fake_bot.press_button(42, sent.message_id, "unsubscribe:7")


async def test_callback_data_is_at_most_64_bytes(bot: Bot) -> None:
    button = InlineKeyboardButton("x", callback_data="é" * 33)  # 66 bytes
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(42, "x", reply_markup=InlineKeyboardMarkup([[button]]))
    await bot.send_message(42, "x", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("x", callback_data="é" * 32)]]))


async def test_a_real_application_round_trip(fake_bot: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.effective_user is not None
        await update.message.reply_text(
            f"Hola <b>{update.effective_user.first_name}</b>", parse_mode="HTML",
            reply_markup=MUTE)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Muted")
        await update.callback_query.edit_message_reply_markup(None)

    app = ApplicationBuilder().token(fake_bot.token).base_url(fake_bot.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        fake_bot.user_sends(42, "/start", first_name="Ana", language_code="es")
        [reply] = await fake_bot.wait_for_messages(42, 1)
        assert (reply.plain, reply.parse_mode) == ("Hola Ana", "HTML")
        query_id = fake_bot.press_button(42, reply.message_id, reply.button("Mute story").data)
        for _ in range(500):
            if fake_bot.answers[query_id] and fake_bot.sent(42)[0].buttons == []:
                break
            await asyncio.sleep(0.01)
        assert fake_bot.answers[query_id] == {"text": "Muted", "show_alert": False, "url": None}
        assert fake_bot.sent(42)[0].buttons == [] and fake_bot.sent(42)[0].edits == 1
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert fake_bot.calls["deleteWebhook"] and fake_bot.world.updates == []
