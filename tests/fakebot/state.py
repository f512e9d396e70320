"""What the fake Telegram knows: chats, their messages, the update queue, what the bot sent.

Message ids count up per chat (bot and user messages share the counter, as in a real chat).
Unknown positive chat ids become private chats when first addressed (a test may alert a
subscriber who never wrote); a group is unknown ("chat not found") until someone writes there
or the test calls add_chat(). Update ids count up from 10001. getUpdates: an `offset` confirms
(drops) every update below it; with nothing pending the call waits up to `timeout` seconds and
returns as soon as an update is queued.

Imports nothing from bot/.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from tests.fakebot import objects
from tests.fakebot.objects import JSON, SentMessage
from tests.fakebot.wire import ApiError, bad_request


@dataclass
class ChatState:
    obj: JSON  # the Chat object
    messages: dict[int, JSON] = field(default_factory=dict)
    last_message_id: int = 0
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    gone: str | None = None  # the 403 description once the bot is blocked, kicked or left
    migrated_to: int | None = None

    @property
    def id(self) -> int:
        return int(self.obj["id"])


class World:
    def __init__(self, bot: JSON) -> None:
        self.bot = bot  # the bot's User object
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, JSON] = {}
        self.updates: list[JSON] = []
        self.last_update_id = 10_000
        self.callbacks: dict[str, JSON | None] = {}  # query id -> its answer, None until answered
        self.sent: list[SentMessage] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}  # (scope, language) -> commands
        self.closing = False  # set by stop(): pending getUpdates answer at once
        self._sent_by_chat: dict[int, list[SentMessage]] = {}
        self._update_queued = asyncio.Event()
        self._message_sent = asyncio.Event()

    # -- chats and messages ----------------------------------------------------------------------

    def chat(self, chat_id: int, chat_type: str | None = None, **details: Any) -> ChatState:
        """The chat, created on first sight (type from the id unless given)."""
        state = self.chats.get(chat_id)
        if state is None:
            chat_type = chat_type or objects.chat_type_for(chat_id)
            state = self.chats[chat_id] = ChatState(objects.chat(chat_id, chat_type, **details))
        return state

    def find(self, ref: int | str) -> ChatState | None:
        """A chat by id, or by "@username" as the Bot API allows for public chats."""
        if isinstance(ref, str) and ref.startswith("@"):
            name = ref[1:].lower()
            return next((s for s in self.chats.values()
                         if str(s.obj.get("username", "")).lower() == name), None)
        return self.chats.get(int(ref))

    def target(self, ref: Any) -> ChatState:
        """The chat a method addresses, or the error Telegram gives for it."""
        if ref in (None, ""):
            raise bad_request("chat_id is empty")
        try:
            state = self.find(ref)
            if state is None and int(ref) > 0:
                state = self.chat(int(ref))
        except ValueError:
            state = None
        if state is None:
            raise bad_request("chat not found")
        if state.migrated_to is not None:
            raise bad_request("group chat was upgraded to a supergroup chat",
                              {"migrate_to_chat_id": state.migrated_to})
        if state.gone:
            raise ApiError(403, state.gone)
        return state

    def post(self, state: ChatState, sender: JSON, text: str, **fields: Any) -> JSON:
        """A new message in the chat, stored under the next message id."""
        state.last_message_id += 1
        msg = objects.message(state.last_message_id, state.obj, sender, text, **fields)
        state.messages[state.last_message_id] = msg
        return msg

    def user(self, user_id: int) -> JSON:
        return self.users.get(user_id) or objects.user(user_id, f"User {user_id}")

    # -- updates ---------------------------------------------------------------------------------

    def push_update(self, **payload: JSON) -> int:
        self.last_update_id += 1
        self.updates.append({"update_id": self.last_update_id, **payload})
        self._update_queued.set()
        return self.last_update_id

    async def next_updates(self, offset: int | None, limit: int, timeout: float) -> list[JSON]:
        if offset is not None:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.updates and not self.closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            self._update_queued.clear()
            try:
                await asyncio.wait_for(self._update_queued.wait(), remaining)
            except TimeoutError:
                return []
        return self.updates[:limit]

    def wake_pollers(self) -> None:
        """Answer every waiting getUpdates now (with nothing), so the server stops at once."""
        self.closing = True
        self._update_queued.set()

    # -- what the bot sent -----------------------------------------------------------------------

    def record_sent(self, sent: SentMessage) -> None:
        self.sent.append(sent)
        self._sent_by_chat.setdefault(sent.chat_id, []).append(sent)
        self._message_sent.set()

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return list(self._sent_by_chat.get(chat_id, ()))

    async def wait_sent(self, chat_id: int, n: int, timeout: float) -> list[SentMessage]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.sent_to(chat_id)) < n:
            remaining = deadline - loop.time()
            self._message_sent.clear()
            try:
                if remaining <= 0:
                    raise TimeoutError
                await asyncio.wait_for(self._message_sent.wait(), remaining)
            except TimeoutError:
                got = [m.plain for m in self.sent_to(chat_id)]
                raise TimeoutError(f"chat {chat_id}: {len(got)} of {n} messages after "
                                   f"{timeout}s: {got}") from None
        return self.sent_to(chat_id)
