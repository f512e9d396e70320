"""Telegram objects in their wire shape (JSON dicts), and the fake's record of what the bot sent.

Shapes follow the Bot API reference (the fields PTB 22 requires, plus the usual optional ones):
User, Chat, ChatFullInfo, ChatMember*, Message (date in seconds), MessageEntity, CallbackQuery.
Only `bot_command` entities are detected in user text (tdlib's rule: "/cmd" or "/cmd@botname",
not preceded or followed by a word character, "/", "<" or ">"; a "@" must start a 3-32
character bot name); urls, mentions and hashtags are
not. Inline keyboards are validated like Telegram: every button needs one action, callback_data
is 1-64 bytes, urls are http(s)/tg.

Imports nothing from bot/.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakebot.tghtml import utf16_len
from tests.fakebot.wire import bad_request

JSON = dict[str, Any]

_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])")
_ACTIONS = ("callback_data", "url", "login_url", "switch_inline_query",
            "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
            "copy_text", "web_app", "callback_game", "pay")
MEMBER_STATUSES = ("creator", "administrator", "member", "left", "kicked")


@dataclass(frozen=True)
class Button:
    text: str
    data: str | None = None  # callback_data
    url: str | None = None


@dataclass
class SentMessage:
    """One message the bot sent, kept current through edits."""

    chat_id: int
    message_id: int
    text: str  # as the bot sent it (HTML source when parse_mode is HTML)
    plain: str  # what the user sees: tags removed, entities decoded
    parse_mode: str | None
    reply_to: int | None
    buttons: list[list[Button]]
    link_preview: bool
    at: float  # the fake's monotonic clock when it was accepted
    edits: int = 0
    entities: list[JSON] = field(default_factory=list)

    def button(self, text: str) -> Button:
        """The button labelled `text`; KeyError lists the labels there are."""
        labels = [b for row in self.buttons for b in row]
        for candidate in labels:
            if candidate.text == text:
                return candidate
        raise KeyError(f"no button {text!r} on message {self.message_id}: "
                       f"{[b.text for b in labels]}")


def now_seconds() -> int:
    return int(time.time())


def user(user_id: int, first_name: str, *, username: str | None = None,
         language_code: str | None = None, is_bot: bool = False) -> JSON:
    obj: JSON = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if username:
        obj["username"] = username
    if language_code:
        obj["language_code"] = language_code
    return obj


def chat(chat_id: int, chat_type: str, *, title: str | None = None,
         username: str | None = None, first_name: str | None = None) -> JSON:
    obj: JSON = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        obj["first_name"] = first_name or f"User {chat_id}"
    else:
        obj["title"] = title or f"Chat {chat_id}"
    if username:
        obj["username"] = username
    return obj


def chat_type_for(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= -1_000_000_000_000 else "group"


def full_chat(chat_obj: JSON) -> JSON:
    """getChat's ChatFullInfo: the Chat plus the fields Bot API 9 made required."""
    gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts",
                           "premium_subscription", "gifts_from_channels"), False)
    return {**chat_obj, "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": gifts}


def chat_member(member: JSON, status: str) -> JSON:
    if status == "creator":
        return {"status": status, "user": member, "is_anonymous": False}
    if status == "administrator":
        rights = dict.fromkeys((
            "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
            "can_restrict_members", "can_change_info", "can_invite_users",
            "can_post_stories", "can_edit_stories", "can_delete_stories"), True)
        return {"status": status, "user": member, "can_be_edited": False,
                "is_anonymous": False, "can_promote_members": False, **rights}
    if status == "kicked":
        return {"status": status, "user": member, "until_date": 0}
    return {"status": status, "user": member}


def command_entities(text: str) -> list[JSON]:
    """bot_command entities as Telegram marks them, offsets in UTF-16 units."""
    return [{"type": "bot_command", "offset": utf16_len(text[:m.start()]),
             "length": utf16_len(m.group())} for m in _COMMAND.finditer(text)]


def message(message_id: int, chat_obj: JSON, sender: JSON, text: str, *,
            entities: list[JSON] | None = None, reply_to: JSON | None = None,
            reply_markup: JSON | None = None) -> JSON:
    msg: JSON = {"message_id": message_id, "date": now_seconds(), "chat": chat_obj,
                 "from": sender, "text": text}
    if entities:
        msg["entities"] = entities
    if reply_to is not None:
        msg["reply_to_message"] = {k: v for k, v in reply_to.items() if k != "reply_to_message"}
    if inline_markup(reply_markup):
        msg["reply_markup"] = reply_markup
    return msg


def inline_markup(markup: JSON | None) -> JSON | None:
    """The markup if it shows an inline keyboard (what a Message carries back), else None."""
    return markup if markup and markup.get("inline_keyboard") else None


def buttons_of(markup: JSON | None) -> list[list[Button]]:
    """The inline keyboard of a reply_markup, validated like Telegram; [] for other markups."""
    if not markup or "inline_keyboard" not in markup:
        return []
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup "
                          "must be an Array of Arrays")
    return [[_button(raw) for raw in row] for row in rows]


def _button(raw: Any) -> Button:
    if not isinstance(raw, dict) or not raw.get("text"):
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed "
                          "in the inline keyboard")
    if not any(key in raw for key in _ACTIONS):
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed "
                          "in the inline keyboard")
    data, url = raw.get("callback_data"), raw.get("url")
    if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
        raise bad_request("BUTTON_DATA_INVALID")
    if url is not None and not re.match(r"(https?|tg)://\S+$", str(url)):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid")
    return Button(text=raw["text"], data=data, url=url)
