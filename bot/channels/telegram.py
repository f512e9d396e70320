"""The Telegram channel: sends rendered messages with python-telegram-bot, and turns every
way Telegram can say no into a `DeliveryResult` the dispatcher acts on.

    RetryAfter (429)            retry, exactly after retry_after
    Forbidden (403)             permanent; the subscriber blocked or kicked the bot: deactivate
    ChatMigrated                permanent here; the dispatcher moves the subscriber and retries
    BadRequest (400)            permanent, with Telegram's reason
    InvalidToken (401, 404)     retry, the CHANNEL's failure, rejected: the token was revoked
                                or is wrong (a 404: a wrong base_url) — no alert's fault
    TimedOut / NetworkError     retry, the CHANNEL's failure: Telegram unreachable, a 5xx (PTB
                                raises NetworkError for every status it has no class for)
    any other TelegramError     retry, this alert's (counted): an unknown cause might be its own

The destination's failures are the alert's: counted, and they may end it. The channel's leave
the alert as it was: it waits, uncounted, while the dispatcher backs off the whole channel, so
a revoked token or a long outage delays alerts and never loses them.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.models import DeliveryResult, Message

REFUSED = ("Telegram refused the token: check [telegram] token or TELEGRAM_BOT_TOKEN "
           "(and [telegram] base_url)")


class TelegramChannel:
    name = "telegram"

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    def is_group(self, address: str) -> bool:
        # Group, supergroup and channel ids are negative; private chats are users' ids.
        return address.startswith("-")

    async def send(self, address: str, messages: Sequence[Message]) -> DeliveryResult:
        last: str | None = None
        for message in messages:
            try:
                sent = await self._bot.send_message(
                    chat_id=int(address), text=message.text, parse_mode=ParseMode.HTML,
                    reply_parameters=_reply(message), reply_markup=_keyboard(message),
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
            except TelegramError as exc:
                return outcome_of(exc)
            last = str(sent.message_id)
        return DeliveryResult("ok", message_id=last)


def outcome_of(exc: TelegramError) -> DeliveryResult:
    """The one mapping from Telegram's errors to what the dispatcher does."""
    if isinstance(exc, RetryAfter):
        return DeliveryResult("retry", retry_after=retry_seconds(exc), reason="rate limited")
    if isinstance(exc, ChatMigrated):
        return DeliveryResult("permanent", reason="chat migrated",
                              new_address=str(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return DeliveryResult("permanent", reason=exc.message, deactivate=True)
    if isinstance(exc, BadRequest):
        return DeliveryResult("permanent", reason=exc.message)
    if isinstance(exc, InvalidToken):  # PTB's words may quote the token: ours instead
        return DeliveryResult("retry", reason=REFUSED, scope="channel", rejected=True)
    if isinstance(exc, TimedOut | NetworkError):
        return DeliveryResult("retry", reason=exc.message, scope="channel")
    return DeliveryResult("retry", reason=f"{type(exc).__name__}: {exc.message}")


def retry_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns when retry_after is read as an int; either form means seconds.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _reply(message: Message) -> ReplyParameters | None:
    if not message.reply_to:
        return None
    # The story's earlier message may be gone (deleted by the user): send anyway.
    return ReplyParameters(message_id=int(message.reply_to), allow_sending_without_reply=True)


def _keyboard(message: Message) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in message.buttons]])
