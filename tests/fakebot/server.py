"""A fake Telegram Bot API server on 127.0.0.1, so the real python-telegram-bot runs over HTTP.

    fake = FakeBotAPI(); await fake.start()        # or the `fake_bot` fixture
    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    fake.user_sends(42, "/start")                   # an update for getUpdates (long polling)
    [reply] = await fake.wait_for_messages(42, 1)   # SentMessage: text, plain, buttons, reply_to
    fake.press_button(42, reply.message_id, reply.button("Mute").data)
    fake.block(42); fake.kick(-5); fake.migrate(-5, -1005); fake.forced_429(42, retry_after=3)
    fake.fail_next(2, status=502); fake.set_admin(-5, 42, "administrator")
    fake.outage(401); fake.outage(None)             # sendMessage refused until it is over
    fake.delay("sendMessage", 2.0)                  # a slow Telegram: answers after 2 s
    fake.calls["sendMessage"]; fake.rejected_429; fake.all_sent; fake.answers[query_id]

Faked for real: the wire format (wire.py), Telegram's HTML validation and 4096-unit limit
(tghtml.py, messages.py), the flood limits per bot token (limits.py), long polling, callback
queries, admin status, blocked/kicked/migrated chats. One bot per server; a well-formed token
that is not the bot's answers 401, a malformed one 404 (both raise PTB's InvalidToken).
What is not faked is listed in methods.py. Simulation helpers are synchronous: they queue an
update and return; the bot sees it on its next getUpdates.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakebot import objects
from tests.fakebot.limits import FloodControl, Limits
from tests.fakebot.methods import BY_LOWER_NAME, METHODS
from tests.fakebot.objects import SentMessage
from tests.fakebot.state import World
from tests.fakebot.wire import ApiError, answer, http_error, read_params

DEFAULT_TOKEN = "123456789:AAFakeTokenForAlertbotTests-0123456789"
_PATH = re.compile(r"/bot([^/]*)/([^/]+)")
_TOKEN_SHAPE = re.compile(r"\d+:[\w-]+")
GROUP_USER = 4242  # who speaks in a group when a test does not say


class FakeBotAPI:
    def __init__(self, token: str = DEFAULT_TOKEN, *, username: str = "alertbot_test_bot",
                 limits: Limits | None = None, clock: Callable[[], float] = time.monotonic,
                 host: str = "127.0.0.1") -> None:
        self.token = token
        self.host = host
        self.port = 0
        self.clock = clock
        bot_id = int(token.split(":", 1)[0])
        self.world = World(objects.user(bot_id, "Alertbot", username=username, is_bot=True))
        self.flood = FloodControl(limits or Limits(), clock)
        self.calls: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)  # params, by method
        self.rejected_429 = 0
        self._failures: dict[str, list[int]] = defaultdict(list)  # method ("*": any) -> statuses
        self._outages: dict[str, int] = {}  # method ("*": any) -> the status every call gets
        self._delays: dict[str, float] = {}  # method -> seconds before it is answered
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self.world.closing = False
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self.world.wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        """What PTB's `base_url` takes; it appends the token and the method name."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def bot_id(self) -> int:
        return int(self.world.bot["id"])

    @property
    def username(self) -> str:
        return str(self.world.bot["username"])

    def set_limits(self, limits: Limits) -> None:
        """New flood limits, windows emptied."""
        self.flood = FloodControl(limits, self.clock)

    # -- simulation: what users and Telegram do --------------------------------------------------

    def user_sends(self, chat_id: int, text: str, *, user_id: int | None = None,
                   first_name: str = "Ana", language_code: str = "en",
                   chat_type: str | None = None, title: str | None = None,
                   username: str | None = None, reply_to: int | None = None) -> int:
        """A user writes `text` in the chat; returns the message id. The chat type follows the
        id unless given (> 0 private, <= -10**12 supergroup, else group). A private chat's user
        is the chat itself; writing to a bot you blocked unblocks it, as /start does."""
        chat_type = chat_type or objects.chat_type_for(chat_id)
        if (chat_type == "private") != (chat_id > 0):
            raise ValueError(f"chat {chat_id} cannot be {chat_type}: private chats have ids > 0")
        user_id = user_id or (chat_id if chat_type == "private" else GROUP_USER)
        sender = objects.user(user_id, first_name, username=username,
                              language_code=language_code)
        self.world.users[user_id] = sender
        state = self.world.chat(chat_id, chat_type, title=title, first_name=first_name,
                                username=username if chat_type == "private" else None)
        if state.migrated_to is not None or (state.gone and chat_type != "private"):
            raise ValueError(f"the bot cannot hear chat {chat_id}: migrated or not a member")
        state.gone = None
        replied = state.messages.get(reply_to) if reply_to is not None else None
        msg = self.world.post(state, sender, text, reply_to=replied,
                              entities=objects.command_entities(text))
        self.world.push_update(message=msg)
        return int(msg["message_id"])

    def press_button(self, chat_id: int, message_id: int, data: str, *,
                     user_id: int | None = None) -> str:
        """A user taps an inline button now on the message; returns the callback query id."""
        msg = self.world.chat(chat_id).messages.get(message_id)
        if msg is None:
            raise ValueError(f"chat {chat_id} has no message {message_id}")
        present = [b.data for row in objects.buttons_of(msg.get("reply_markup")) for b in row]
        if data not in present:
            raise ValueError(f"message {message_id} in chat {chat_id} has no button with data "
                             f"{data!r}; it has {present}")
        user_id = user_id or (chat_id if chat_id > 0 else GROUP_USER)
        query_id = f"{self.bot_id}{len(self.world.callbacks) + 1:08d}"
        self.world.callbacks[query_id] = None
        self.world.push_update(callback_query={
            "id": query_id, "from": self.world.user(user_id), "message": msg,
            "chat_instance": f"ci{chat_id}", "data": data})
        return query_id

    def add_chat(self, chat_id: int, chat_type: str | None = None, *,
                 title: str | None = None, username: str | None = None) -> None:
        """Make a chat known (a channel, a chat with an @username) before the bot uses it."""
        self.world.chat(chat_id, chat_type, title=title, username=username)

    def set_admin(self, chat_id: int, user_id: int, status: str = "administrator") -> None:
        """getChatMember(chat_id, user_id) will answer `status` ("creator", "administrator",
        "member", "left", "kicked")."""
        if status not in objects.MEMBER_STATUSES:
            raise ValueError(f"status must be one of {objects.MEMBER_STATUSES}")
        self.world.chat(chat_id).members[user_id] = status

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every call to the chat answers 403."""
        self.world.chat(chat_id).gone = "Forbidden: bot was blocked by the user"

    def kick(self, chat_id: int) -> None:
        """The bot was removed from the group or channel: every call to it answers 403."""
        state = self.world.chat(chat_id)
        kind = {"supergroup": "supergroup", "channel": "channel"}.get(state.obj["type"], "group")
        state.gone = f"Forbidden: bot was kicked from the {kind} chat"

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """The group became supergroup `new_chat_id`; calls to the old id answer 400 with
        parameters.migrate_to_chat_id (PTB's ChatMigrated)."""
        old = self.world.chat(chat_id)
        new = self.world.chat(new_chat_id, "supergroup", title=old.obj.get("title"))
        new.members.update(old.members)
        old.migrated_to = new_chat_id

    def forced_429(self, chat_id: int | None, retry_after: float) -> None:
        """The next sendMessage to `chat_id` (to any chat if None) answers 429 with exactly
        `retry_after`, and sends there keep being refused until that time has passed."""
        self.flood.force(chat_id, retry_after)

    def fail_next(self, n: int, status: int = 502, *, method: str = "sendMessage",
                  after: int = 0) -> None:
        """The next `n` calls of `method` ("*": of any method) answer `status` (a transient
        5xx by default), once `after` calls have gone through. Default sendMessage, so the
        bot's own polling does not eat them."""
        self._failures[method].extend([0] * after + [status] * n)  # 0: this one goes through

    def outage(self, status: int | None, *, method: str = "sendMessage") -> None:
        """Every call of `method` ("*": of any method) answers `status` until `outage(None)`:
        401 for a token revoked (PTB's InvalidToken), 502 or 500 for Telegram down. The calls
        are counted in `calls`; nothing they ask is done."""
        if status is None:
            self._outages.pop(method, None)
        else:
            self._outages[method] = status

    def delay(self, method: str, seconds: float) -> None:
        """Calls of `method` are answered only after `seconds` (0: at once again): a slow or
        hanging Telegram. The call is counted in `calls` as it arrives."""
        self._delays[method] = seconds

    # -- inspection ------------------------------------------------------------------------------

    def sent(self, chat_id: int) -> list[SentMessage]:
        """What the bot sent to the chat, oldest first, as it looks now (edits applied)."""
        return self.world.sent_to(chat_id)

    @property
    def all_sent(self) -> list[SentMessage]:
        return list(self.world.sent)

    @property
    def answers(self) -> dict[str, dict[str, Any] | None]:
        """Callback query id -> the bot's answerCallbackQuery (None while unanswered)."""
        return self.world.callbacks

    async def wait_for_messages(self, chat_id: int, n: int,
                                timeout: float = 5) -> list[SentMessage]:
        """Wait until the chat has at least `n` messages from the bot; return them all.
        TimeoutError (listing what did arrive) otherwise."""
        return await self.world.wait_sent(chat_id, n, timeout)

    # -- the HTTP side ---------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        match = _PATH.fullmatch(request.path)
        if match is None:
            return answer(http_error(404).body(), 404)
        token, requested = match.groups()
        if token != self.token:
            status = 401 if _TOKEN_SHAPE.fullmatch(token) else 404
            return answer(http_error(status).body(), status)
        method = BY_LOWER_NAME.get(requested.lower(), requested)
        try:
            params = await read_params(request)
            self.calls[method].append(params)
            if self._delays.get(method):
                await asyncio.sleep(self._delays[method])
            failure = self._take_failure(method)
            if failure is not None:
                raise http_error(failure)
            if method not in METHODS:
                raise http_error(404)
            result = await METHODS[method](self, params)
        except ApiError as exc:
            return answer(exc.body(), exc.code)
        return answer({"ok": True, "result": result})

    def _take_failure(self, method: str) -> int | None:
        for key in (method, "*"):
            if key in self._outages:
                return self._outages[key]
        for key in (method, "*"):
            if self._failures.get(key):
                return self._failures[key].pop(0) or None
        return None
