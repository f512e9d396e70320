"""sendMessage, editMessageText and editMessageReplyMarkup, checked the way Telegram checks them.

Text: parse_mode HTML must parse (tghtml), the visible text must be 1..4096 UTF-16 units after
stripping; MarkdownV2/Markdown are accepted without validation. reply_to_message_id or
reply_parameters must name a message of the chat unless allow_sending_without_reply. Inline
keyboards are validated (objects.buttons_of). Only sendMessage is flood-limited; it is checked
last, so a message refused for its content does not use a slot. An edit that changes nothing
answers "message is not modified"; editMessageText without reply_markup drops the keyboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakebot import objects
from tests.fakebot.objects import JSON, SentMessage
from tests.fakebot.state import ChatState
from tests.fakebot.tghtml import HtmlError, parse_html, utf16_len
from tests.fakebot.wire import ApiError, bad_request, bool_param, int_param, required_int

if TYPE_CHECKING:
    from tests.fakebot.server import FakeBotAPI

MAX_TEXT = 4096
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")


async def send_message(fake: FakeBotAPI, params: dict[str, Any]) -> JSON:
    state = fake.world.target(params.get("chat_id"))
    plain, entities = _formatted(params, "message is too long")
    reply_to = _reply_target(state, params)
    markup = params.get("reply_markup")
    buttons = objects.buttons_of(markup)
    retry_after = fake.flood.admit(state.id)
    if retry_after is not None:
        fake.rejected_429 += 1
        raise ApiError(429, f"Too Many Requests: retry after {retry_after}",
                       {"retry_after": retry_after})
    msg = fake.world.post(state, fake.world.bot, plain, entities=entities, reply_to=reply_to,
                          reply_markup=markup)
    fake.world.record_sent(SentMessage(
        chat_id=state.id, message_id=msg["message_id"], text=str(params["text"]), plain=plain,
        parse_mode=params.get("parse_mode"), buttons=buttons, link_preview=_link_preview(params),
        reply_to=reply_to["message_id"] if reply_to else None, at=fake.clock(),
        entities=entities))
    return msg


async def edit_message_text(fake: FakeBotAPI, params: dict[str, Any]) -> JSON:
    state, msg = _own_message(fake, params)
    plain, entities = _formatted(params, "MESSAGE_TOO_LONG")
    markup = params.get("reply_markup")
    objects.buttons_of(markup)
    markup = objects.inline_markup(markup)
    edited = _apply_edit(state, msg, {"text": plain, "entities": entities,
                                      "reply_markup": markup})
    sent = _sent_record(fake, state.id, msg["message_id"])
    sent.text, sent.parse_mode = str(params["text"]), params.get("parse_mode")
    sent.plain, sent.entities = plain, entities
    sent.buttons, sent.edits = objects.buttons_of(markup), sent.edits + 1
    return edited


async def edit_message_reply_markup(fake: FakeBotAPI, params: dict[str, Any]) -> JSON:
    state, msg = _own_message(fake, params)
    markup = params.get("reply_markup")
    buttons = objects.buttons_of(markup)
    edited = _apply_edit(state, msg, {"reply_markup": objects.inline_markup(markup)})
    sent = _sent_record(fake, state.id, msg["message_id"])
    sent.buttons, sent.edits = buttons, sent.edits + 1
    return edited


def _formatted(params: dict[str, Any], too_long: str) -> tuple[str, list[JSON]]:
    """The visible text and entities of `text` under `parse_mode`."""
    text = str(params.get("text") or "")
    mode = str(params.get("parse_mode") or "").lower()
    if mode == "html":
        try:
            plain, entities = parse_html(text)
        except HtmlError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    elif mode in ("", "markdown", "markdownv2"):
        plain, entities = text.strip(), []
    else:
        raise bad_request("unsupported parse_mode")
    if not plain:
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request(too_long)
    return plain, entities


def _reply_target(state: ChatState, params: dict[str, Any]) -> JSON | None:
    reply = params.get("reply_parameters") or {}
    message_id = int_param(reply, "message_id") or int_param(params, "reply_to_message_id")
    if message_id is None:
        return None
    replied = state.messages.get(message_id)
    lenient = (bool_param(reply, "allow_sending_without_reply")
               or bool_param(params, "allow_sending_without_reply"))
    if replied is None and not lenient:
        raise bad_request("message to be replied not found")
    return replied


def _link_preview(params: dict[str, Any]) -> bool:
    options = params.get("link_preview_options") or {}
    disabled = bool_param(options, "is_disabled") or bool_param(params, "disable_web_page_preview")
    return not disabled


def _own_message(fake: FakeBotAPI, params: dict[str, Any]) -> tuple[ChatState, JSON]:
    if params.get("inline_message_id"):
        raise bad_request("inline messages are not supported by the fake")
    state = fake.world.target(params.get("chat_id"))
    msg = state.messages.get(required_int(params, "message_id"))
    if msg is None:
        raise bad_request("message to edit not found")
    if msg["from"]["id"] != fake.world.bot["id"]:
        raise bad_request("message can't be edited")
    return state, msg


def _apply_edit(state: ChatState, msg: JSON, changes: JSON) -> JSON:
    edited = {**msg, **changes}
    for key in ("entities", "reply_markup", "edit_date"):
        if not edited.get(key):
            edited.pop(key, None)
    if {**edited, "edit_date": None} == {**msg, "edit_date": None}:
        raise bad_request(NOT_MODIFIED)
    edited["edit_date"] = objects.now_seconds()
    state.messages[msg["message_id"]] = edited
    return edited


def _sent_record(fake: FakeBotAPI, chat_id: int, message_id: int) -> SentMessage:
    return next(s for s in fake.world.sent_to(chat_id) if s.message_id == message_id)
