"""The Telegram side of chat commands: python-telegram-bot glue around `Commands`.

`build_application` registers the handlers: one CommandHandler for every command (PTB also
takes "/cmd@thisbot" in groups and ignores "/cmd@otherbot"), a catch-all for unknown commands,
a hint for plain text in private chats, and a CallbackQueryHandler for alert buttons. Each
builds a platform-neutral `Request`, asks `Commands`, and sends the `Reply` as HTML (Commands
escapes everything it echoes). `start`/`stop` run PTB inside OUR event loop (the PTB docs'
"application run tip"): `run_polling()` would own the loop. Updates come from our own long
polling (telegram_polling: PTB's Updater printed a traceback on stop), and `stop` closes the
HTTP client last, after the sends in flight (`drain`) — not under them.

Admin rights in groups come from getChatMember, cached briefly and asked only for commands
that change something. Sending alerts is not done here: that is bot.channels.telegram.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.chat import Reply, Request
from bot.channels.commands import Commands
from bot.channels.i18n import MENU
from bot.channels.telegram import retry_seconds
from bot.channels.telegram_polling import Poller, Polling
from bot.delivery.pacing import Pacer
from bot.logs import event
from bot.telemetry import ChannelStatus

log = logging.getLogger("alertbot.telegram")
ADMIN_TTL = 60.0  # seconds an answer of getChatMember is trusted: promotions show up quickly
ADMIN_CACHE = 10_000  # (chat, user) answers kept at most
MAX_REPLY_WAIT = 5.0  # a reply refused with a longer retry_after is dropped, not queued
ADMINS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
UPDATES = ["message", "callback_query"]


def build_application(token: str, base_url: str, commands: Commands, *,
                      operators: frozenset[int],
                      clock: Callable[[], datetime] | None = None,
                      pacer: Pacer | None = None) -> Application:
    app = ApplicationBuilder().token(token).base_url(base_url).updater(None).build()
    glue = _Glue(commands, operators, clock or (lambda: datetime.now(UTC)), pacer)
    chats = filters.ChatType.PRIVATE | filters.ChatType.GROUPS
    fresh = filters.UpdateType.MESSAGE & chats  # an edited command is not a second command
    app.add_handler(CommandHandler(list(commands.names()), glue.on_command, filters=fresh))
    app.add_handler(MessageHandler(filters.COMMAND & fresh, glue.on_other_command))
    app.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
        glue.on_command))
    app.add_handler(CallbackQueryHandler(glue.on_button))
    app.add_error_handler(glue.on_error)
    return app


async def start(app: Application, *, poll_timeout: float = 10.0,
                status: ChannelStatus | None = None) -> Polling:
    """Start answering commands inside the running loop; returns once polling has begun."""
    await app.initialize()
    await publish_commands(app.bot)
    # Polling and a webhook exclude each other: make sure none is set. Pending updates are
    # kept: a command sent while we were down still gets its answer.
    await app.bot.delete_webhook(drop_pending_updates=False)
    await app.start()
    status = status or ChannelStatus(lambda: datetime.now(UTC))
    return Polling(Poller(app.bot, app.update_queue, status, timeout=poll_timeout,
                          allowed=UPDATES))


async def stop(app: Application, polling: Polling | None = None, *,
               drain: Awaitable[object] | None = None) -> None:
    """In order: no more updates; the commands in hand answered; the sends in flight
    (`drain`) finished; only then the HTTP client closed."""
    if polling is not None:
        await polling.stop()
    if app.running:
        await app.stop()
    if drain is not None:  # the sender's own failures are its to report, not ours
        await asyncio.gather(drain, return_exceptions=True)
    await app.shutdown()


async def publish_commands(bot: Bot) -> None:
    """The command menu, in English (the default) and Spanish. A failure is logged, not fatal:
    the commands work without the menu."""
    for lang, entries in MENU.items():
        try:
            await bot.set_my_commands([BotCommand(c, d) for c, d in entries],
                                      language_code=None if lang == "en" else lang)
        except TelegramError as exc:
            event(log, "set_commands_failed", logging.WARNING, lang=lang, error=exc.message)


class _Glue:
    def __init__(self, commands: Commands, operators: frozenset[int],
                 clock: Callable[[], datetime], pacer: Pacer | None = None) -> None:
        self._commands = commands
        self._operators = operators
        self._clock = clock
        self._pacer = pacer
        self._admins: dict[tuple[int, int], tuple[bool, float]] = {}

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        is_group = message.chat.type in GROUPS
        is_admin = not is_group
        if is_group and self._commands.changes(message.text):
            is_admin = await self._is_admin(context.bot, message)
        req = self._request(update, message.chat.id, message.text, is_group, is_admin)
        reply = await self._commands.handle(req)
        # In a busy group, answering as a reply shows whose command it was.
        await send_reply(context.bot, message.chat.id, reply,
                         reply_to=message.message_id if is_group else None, pacer=self._pacer)

    async def on_other_command(self, update: Update,
                               context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command no CommandHandler took: unknown to us, or addressed to another bot."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        head = message.text.split(maxsplit=1)[0]
        _, at, target = head.partition("@")
        if at and target.lower() != (context.bot.username or "").lower():
            return  # "/cmd@otherbot": not ours to answer
        if message.chat.type in GROUPS and not at:
            return  # a bare unknown command in a group may belong to another bot there
        await self.on_command(update, context)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None or query.message is None:
            return
        chat = query.message.chat
        is_group = chat.type in GROUPS
        is_admin = not is_group or await self._admin_status(context.bot, chat.id,
                                                            query.from_user.id)
        req = self._request(update, chat.id, query.data, is_group, is_admin)
        pressed = await self._commands.press(req, query.data)
        # The edit goes first: once the spinner stops, the button is already gone.
        if pressed.remove_button and isinstance(query.message, Message):
            await _quietly(query.edit_message_reply_markup(_without(query.message, query.data)),
                           chat.id)
        await _quietly(query.answer(text=pressed.toast or None), chat.id)
        if pressed.reply is not None:
            await send_reply(context.bot, chat.id, pressed.reply, pacer=self._pacer)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        error = context.error
        event(log, "telegram_handler_failed", logging.ERROR,
              error=f"{type(error).__name__}: {error}")

    def _request(self, update: Update, chat_id: int, text: str, is_group: bool,
                 is_admin: bool) -> Request:
        user = update.effective_user
        return Request(
            channel="telegram", address=str(chat_id),
            user_lang=user.language_code if user else None, text=text, is_group=is_group,
            is_admin=is_admin, is_operator=user is not None and user.id in self._operators,
            now=self._clock())

    async def _is_admin(self, bot: Bot, message: Message) -> bool:
        if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
            return True  # an anonymous admin posting as the group: only admins can
        if message.from_user is None:
            return False
        return await self._admin_status(bot, message.chat.id, message.from_user.id)

    async def _admin_status(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        now = time.monotonic()
        cached = self._admins.get((chat_id, user_id))
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:  # unknown: refuse the change rather than allow it
            event(log, "admin_check_failed", logging.WARNING, chat=chat_id, error=exc.message)
            return False
        is_admin = member.status in ADMINS
        if len(self._admins) > ADMIN_CACHE:  # forget everyone at once: cheap, and rare
            self._admins.clear()
        self._admins[(chat_id, user_id)] = (is_admin, now + ADMIN_TTL)
        return is_admin


async def send_reply(bot: Bot, chat_id: int, reply: Reply, *,
                     reply_to: int | None = None, pacer: Pacer | None = None) -> None:
    """Send a command's reply; a 429 is waited out once (if short), other errors logged.
    With the dispatcher's `pacer`, replies and alerts share the chat's limits."""
    for attempt in (1, 2):
        if pacer is not None:
            await _slot(pacer, chat_id)
        try:
            await bot.send_message(
                chat_id, reply.text_html, parse_mode=ParseMode.HTML,
                reply_markup=_markup(reply),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                reply_parameters=(ReplyParameters(reply_to, allow_sending_without_reply=True)
                                  if reply_to is not None else None))
            return
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if attempt == 2 or wait > MAX_REPLY_WAIT:
                event(log, "reply_dropped", logging.WARNING, chat=chat_id, retry_after=wait)
                return
            await asyncio.sleep(wait)  # exactly what Telegram asked, then once more
        except TelegramError as exc:
            event(log, "reply_failed", logging.WARNING, chat=chat_id, error=exc.message)
            return


async def _slot(pacer: Pacer, chat_id: int) -> None:
    chat, group = str(chat_id), chat_id < 0
    while (wait := pacer.next_slot(chat, group=group, now=time.monotonic())
           - time.monotonic()) > 0:
        await asyncio.sleep(wait)
    pacer.take(chat, group=group, now=time.monotonic())


async def _quietly(call: Awaitable[object], chat_id: int) -> None:
    """A button's answer or edit: Telegram refuses both on old messages; that is no error
    worth more than a log line."""
    try:
        await call
    except TelegramError as exc:
        event(log, "button_answer_failed", logging.WARNING, chat=chat_id, error=exc.message)


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
         for row in reply.buttons])


def _without(message: Message, data: str) -> InlineKeyboardMarkup | None:
    """The message's keyboard minus the pressed button (None when nothing is left)."""
    keyboard = message.reply_markup.inline_keyboard if message.reply_markup else ()
    rows = [[b for b in row if b.callback_data != data] for row in keyboard]
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None
