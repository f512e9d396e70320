"""The values of one chat-command exchange, shared by every platform's glue.

`Request` is what a user sent (already stripped of the platform: Telegram, Discord), `Reply` is
what to answer, `Pressed` what to do after an inline-button press. `Queries` is the protocol
for what the commands need beyond `SubscriptionService`: the composition root implements it
over the store and hands it in, so no command ever touches SQL. What it reads are the read
models of `bot.reading.models` (one definition for the CLI, the chat and /healthz).

Must not import bot.store or bot.ingest (nor the rest of bot.reading, which reads the store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.reading.models import LatestStory, SourceHealth, Stats, StoryInfo
from subscriptions.gazetteer import Gazetteer
from subscriptions.models import Subscriber
from subscriptions.service import SubscriptionService

Button = tuple[str, str]  # (label, callback data ≤ 64 bytes)


@dataclass(frozen=True)
class Request:
    channel: str  # "telegram", "discord"
    address: str  # the chat: what alerts for this conversation are sent to
    user_lang: str | None  # the platform's language code of the sender ("es-MX"), if any
    text: str  # "/subscribe detainer" (a "/cmd@botname" or "/alerts cmd" prefix is fine)
    is_group: bool
    is_admin: bool  # may change this chat's subscriptions (always True in private chats)
    is_operator: bool  # listed in config as an operator of this bot
    now: datetime


@dataclass(frozen=True)
class Reply:
    text_html: str  # HTML (Telegram's subset), everything echoed escaped, ≤ 4096 characters
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of inline buttons


@dataclass(frozen=True)
class Pressed:
    """The answer to an inline-button press: a short notice shown on the button (`toast`),
    optionally a message to send, and whether to take the pressed button off its message."""

    toast: str
    reply: Reply | None = None
    remove_button: bool = False


class Queries(Protocol):
    """What chat commands read or change beyond SubscriptionService. Implemented by the
    composition root over the store; every method is one short transaction."""

    async def subscriber(self, channel: str, address: str) -> Subscriber | None:
        """The chat's subscriber row (its lang, timezone, paused, quiet_hours), if any."""

    async def latest(self, channel: str, address: str, n: int) -> list[LatestStory]:
        """The n stories most recently matched for this chat, newest first."""

    async def sources(self) -> list[SourceHealth]: ...

    async def stats(self) -> Stats: ...

    async def story(self, story_id: str) -> StoryInfo | None: ...

    async def set_preferences(
        self, channel: str, address: str, *, now: datetime, lang: str | None = None,
        timezone: str | None = None, quiet_hours: str | None = None,
        digest_at: str | None = None,
    ) -> Subscriber:
        """Save the given fields (None = unchanged; quiet_hours "" = none), creating the
        subscriber if the chat has none yet (a /lang before any /subscribe must stick)."""

    async def resume_held(self, channel: str, address: str, held_for: str | None = None) -> int:
        """Release the chat's held alerts — only those held for `held_for` ("digest",
        "paused"…) when given — due now (what must still wait is held again when they are
        claimed); return how many."""


@dataclass(frozen=True)
class Ctx:
    """Everything one command handler needs: the request, the chosen language, the chat's
    subscriber (None before its first /subscribe or preference) and the use cases."""

    req: Request
    lang: str
    subscriber: Subscriber | None
    service: SubscriptionService
    gazetteer: Gazetteer
    queries: Queries

    @property
    def timezone(self) -> str:
        return self.subscriber.timezone if self.subscriber else "UTC"
