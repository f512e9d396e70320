"""The Bot API methods the fake answers, one coroutine each: (fake, params) -> result.

A handler returns the `result` of an ok answer or raises wire.ApiError. Message sending and
editing live in messages.py; the rest is here, with METHODS, the table the server dispatches on
(Telegram matches method names case-insensitively). A method not in the table answers 404.

Not faked: inline mode, media, message deletion, webhooks beyond deleteWebhook, two concurrent
getUpdates conflicting (409), chat member updates, the group privacy mode (every user message in
a group reaches the bot).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tests.fakebot import objects
from tests.fakebot.messages import edit_message_reply_markup, edit_message_text, send_message
from tests.fakebot.objects import JSON
from tests.fakebot.wire import bad_request, bool_param, int_param, required_int

if TYPE_CHECKING:
    from tests.fakebot.server import FakeBotAPI

Method = Callable[["FakeBotAPI", dict[str, Any]], Awaitable[Any]]
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_LEAVE_WORDING = {"group": "group chat", "supergroup": "supergroup chat",
                  "channel": "channel chat"}


async def get_me(fake: FakeBotAPI, params: dict[str, Any]) -> JSON:
    return {**fake.world.bot, "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False}


async def get_updates(fake: FakeBotAPI, params: dict[str, Any]) -> list[JSON]:
    limit = min(max(int_param(params, "limit", 100) or 100, 1), 100)
    try:
        timeout = max(float(params.get("timeout") or 0), 0.0)
    except ValueError:
        raise bad_request("invalid timeout specified") from None
    return await fake.world.next_updates(int_param(params, "offset"), limit, timeout)


async def delete_webhook(fake: FakeBotAPI, params: dict[str, Any]) -> bool:
    if bool_param(params, "drop_pending_updates"):
        fake.world.updates.clear()
    return True


async def answer_callback_query(fake: FakeBotAPI, params: dict[str, Any]) -> bool:
    query_id = str(params.get("callback_query_id") or "")
    if query_id not in fake.world.callbacks or fake.world.callbacks[query_id] is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    fake.world.callbacks[query_id] = {
        "text": params.get("text"), "show_alert": bool_param(params, "show_alert"),
        "url": params.get("url")}
    return True


async def get_chat(fake: FakeBotAPI, params: dict[str, Any]) -> JSON:
    return objects.full_chat(fake.world.target(params.get("chat_id")).obj)


async def get_chat_member(fake: FakeBotAPI, params: dict[str, Any]) -> JSON:
    """Status from the chat's table (FakeBotAPI.set_admin); anyone else is a "member"."""
    state = fake.world.target(params.get("chat_id"))
    user_id = required_int(params, "user_id")
    member = fake.world.bot if user_id == fake.world.bot["id"] else fake.world.user(user_id)
    return objects.chat_member(member, state.members.get(user_id, "member"))


async def leave_chat(fake: FakeBotAPI, params: dict[str, Any]) -> bool:
    state = fake.world.target(params.get("chat_id"))
    chat_type = state.obj["type"]
    if chat_type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    state.gone = f"Forbidden: bot is not a member of the {_LEAVE_WORDING[chat_type]}"
    return True


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


async def set_my_commands(fake: FakeBotAPI, params: dict[str, Any]) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    fake.world.commands[_commands_key(params)] = [
        {"command": c["command"], "description": c["description"]} for c in commands]
    return True


async def get_my_commands(fake: FakeBotAPI, params: dict[str, Any]) -> list[JSON]:
    return fake.world.commands.get(_commands_key(params), [])


async def delete_my_commands(fake: FakeBotAPI, params: dict[str, Any]) -> bool:
    fake.world.commands.pop(_commands_key(params), None)
    return True


METHODS: dict[str, Method] = {
    "getMe": get_me, "getUpdates": get_updates, "deleteWebhook": delete_webhook,
    "sendMessage": send_message, "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "answerCallbackQuery": answer_callback_query, "getChat": get_chat,
    "getChatMember": get_chat_member, "leaveChat": leave_chat,
    "setMyCommands": set_my_commands, "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
}
BY_LOWER_NAME = {name.lower(): name for name in METHODS}
