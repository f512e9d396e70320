"""The fake's chats through PTB: blocked, kicked, migrated, members and admins, groups and
commands, replies, edits, the command menu."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden

from tests.fakebot import FakeBotAPI, Limits

KEYS = InlineKeyboardMarkup([[InlineKeyboardButton("Mute story", callback_data="mute:7"),
                              InlineKeyboardButton("Original", url="https://ice.gov/x")]])


@pytest.fixture
async def bot(fake_bot: FakeBotAPI) -> AsyncIterator[Bot]:
    fake_bot.set_limits(Limits.off())  # these tests send several messages to one chat at once
    async with Bot(fake_bot.token, base_url=fake_bot.base_url) as bot:
        yield bot


async def test_a_blocked_bot_is_forbidden_until_the_user_writes_again(
        bot: Bot, fake_bot: FakeBotAPI) -> None:
    fake_bot.block(42)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(42, "alert")
    fake_bot.user_sends(42, "/start")
    await bot.send_message(42, "welcome back")


@pytest.mark.parametrize(("chat_id", "where"), [
    (-5, "group chat"), (-1001234567890, "supergroup chat")])
async def test_a_kicked_bot_is_forbidden(bot: Bot, fake_bot: FakeBotAPI, chat_id: int,
                                         where: str) -> None:
    fake_bot.kick(chat_id)
    with pytest.raises(Forbidden, match=f"bot was kicked from the {where}"):
        await bot.send_message(chat_id, "alert")


async def test_a_migrated_group_names_its_supergroup(bot: Bot, fake_bot: FakeBotAPI) -> None:
    fake_bot.user_sends(-5, "/start", title="Ventura watchers")
    fake_bot.migrate(-5, -1009876543210)
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-5, "alert")
    assert caught.value.new_chat_id == -1009876543210
    await bot.send_message(-1009876543210, "alert")
    chat = await bot.get_chat(-1009876543210)
    assert (chat.type, chat.title) == ("supergroup", "Ventura watchers")


async def test_leaving_a_group(bot: Bot, fake_bot: FakeBotAPI) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.leave_chat(-5)  # a group is known once someone wrote there or add_chat()
    fake_bot.add_chat(-5, title="Ventura watchers")
    assert await bot.leave_chat(-5) is True
    with pytest.raises(Forbidden, match="not a member of the group chat"):
        await bot.send_message(-5, "x")
    with pytest.raises(BadRequest):
        await bot.leave_chat(42)


async def test_chat_members_come_from_the_admin_table(bot: Bot, fake_bot: FakeBotAPI) -> None:
    fake_bot.user_sends(-5, "/subscribe detainer", user_id=7, first_name="Eva")
    fake_bot.set_admin(-5, 7, "administrator")
    fake_bot.set_admin(-5, 8, "creator")
    admin = await bot.get_chat_member(-5, 7)
    assert isinstance(admin, ChatMemberAdministrator) and admin.user.first_name == "Eva"
    assert isinstance(await bot.get_chat_member(-5, 8), ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(-5, 9), ChatMemberMember)
    with pytest.raises(ValueError):
        fake_bot.set_admin(-5, 9, "owner")


async def test_group_commands_carry_the_bot_name_and_entities(
        bot: Bot, fake_bot: FakeBotAPI) -> None:
    fake_bot.user_sends(-5, f"/lang@{fake_bot.username} es", language_code="es")
    fake_bot.user_sends(42, "😀 see /help or /start@x, not a/b or /no/")
    first, second = await bot.get_updates(timeout=0)
    assert first.message.chat.type == "group" and first.message.from_user.language_code == "es"
    assert first.message.parse_entities() == {
        first.message.entities[0]: f"/lang@{fake_bot.username}"}
    assert sorted(second.message.parse_entities().values()) == ["/help"]
    assert second.message.entities[0].offset == 7  # the emoji is 2 UTF-16 units
    with pytest.raises(ValueError):
        fake_bot.user_sends(-5, "hi", chat_type="private")


async def test_replies_thread_to_an_existing_message(bot: Bot, fake_bot: FakeBotAPI) -> None:
    first = await bot.send_message(42, "story")
    await bot.send_message(42, "development", reply_to_message_id=first.message_id)
    reply = await bot.send_message(42, "more", reply_parameters=ReplyParameters(
        first.message_id))
    assert reply.reply_to_message.text == "story"
    assert [m.reply_to for m in fake_bot.sent(42)] == [None, 1, 1]
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(42, "x", reply_to_message_id=99)
    await bot.send_message(42, "x", reply_parameters=ReplyParameters(
        99, allow_sending_without_reply=True))


async def test_link_previews_and_buttons_are_recorded(bot: Bot, fake_bot: FakeBotAPI) -> None:
    await bot.send_message(42, "https://ice.gov", disable_web_page_preview=True,
                           reply_markup=KEYS)
    [sent] = fake_bot.sent(42)
    assert sent.link_preview is False
    assert sent.button("Mute story").data == "mute:7"
    assert sent.button("Original").url == "https://ice.gov/x"
    with pytest.raises(KeyError, match="Mute story"):
        sent.button("Unsubscribe")


async def test_edits_change_the_record_and_refuse_no_ops(bot: Bot, fake_bot: FakeBotAPI) -> None:
    msg = await bot.send_message(42, "<b>v1</b>", parse_mode="HTML", reply_markup=KEYS)
    await bot.edit_message_text("<b>v2</b>", 42, msg.message_id, parse_mode="HTML",
                                reply_markup=KEYS)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("<b>v2</b>", 42, msg.message_id, parse_mode="HTML",
                                    reply_markup=KEYS)
    edited = await bot.edit_message_text("v3", 42, msg.message_id)  # no markup: keyboard gone
    assert edited.reply_markup is None and edited.edit_date is not None
    [sent] = fake_bot.sent(42)
    assert (sent.text, sent.plain, sent.buttons, sent.edits) == ("v3", "v3", [], 2)
    await bot.edit_message_reply_markup(42, msg.message_id, reply_markup=KEYS)
    assert fake_bot.sent(42)[0].buttons[0][0].data == "mute:7"
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", 42, 99)
    user_msg = fake_bot.user_sends(42, "hello")
    with pytest.raises(BadRequest, match="(?i)can't be edited"):
        await bot.edit_message_text("x", 42, user_msg)


async def test_the_command_menu_per_scope_and_language(bot: Bot, fake_bot: FakeBotAPI) -> None:
    commands = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    assert await bot.set_my_commands(commands) is True
    await bot.set_my_commands([BotCommand("ayuda", "Ayuda")], language_code="es")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands(language_code="es")] == ["ayuda"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == ()
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Start")])
