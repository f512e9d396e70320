"""Chat commands, platform-neutral: the same words on Telegram now and on Discord (as
`/alerts …`) later. `Commands.handle(Request) -> Reply` reads the command, picks the
language, applies the group rule (only chat admins change subscriptions; reading is for
everyone) and the operator rule (/stats), and calls one handler (command_subs, command_prefs,
command_info). `Commands.press` answers inline buttons on alerts (`mute:<story>`,
`menu:unsub`, `more:<story>`, and the `unsub:<id>` buttons that menu shows).

The glue (telegram_bot.py) builds Requests and sends Replies; the use cases are handed in
(SubscriptionService, Gazetteer, Queries), so nothing here touches SQL or the network.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.channels import command_digest as digest_cmd
from bot.channels import command_info as info
from bot.channels import command_prefs as prefs
from bot.channels import command_subs as subs
from bot.channels.chat import (
    Button,
    Ctx,
    LatestStory,
    Pressed,
    Queries,
    Reply,
    Request,
    SourceHealth,
    Stats,
    StoryInfo,
)
from bot.channels.i18n import pick_lang, t
from bot.logs import event
from subscriptions.gazetteer import Gazetteer
from subscriptions.service import SubscriptionService

__all__ = ["Button", "Commands", "LatestStory", "Pressed", "Queries", "Reply", "Request",
           "SourceHealth", "Stats", "StoryInfo", "parse_command"]

log = logging.getLogger("alertbot.commands")
Handler = Callable[[Ctx, str], Awaitable[Reply]]
# "/cmd", "/cmd@botname", then the arguments; Discord's "/alerts cmd …" is unwrapped first.
_COMMAND = re.compile(r"/([A-Za-z0-9_]+)(?:@\w+)?(?:\s+(.*))?", re.DOTALL)


@dataclass(frozen=True)
class Spec:
    handler: Handler
    changes: bool = False  # changes the chat's subscriptions or settings: admins only in groups
    operator: bool = False


COMMANDS: dict[str, Spec] = {
    "start": Spec(info.start),
    "help": Spec(info.help_),
    "subscribe": Spec(subs.subscribe, changes=True),
    "list": Spec(subs.list_),
    "unsubscribe": Spec(subs.unsubscribe, changes=True),
    "pause": Spec(subs.pause, changes=True),
    "resume": Spec(subs.resume, changes=True),
    "mute": Spec(subs.mute, changes=True),
    "digest": Spec(digest_cmd.digest, changes=True),
    "quiet": Spec(prefs.quiet, changes=True),
    "timezone": Spec(prefs.timezone, changes=True),
    "lang": Spec(prefs.lang, changes=True),
    "sources": Spec(info.sources),
    "jurisdictions": Spec(info.jurisdictions),
    "latest": Spec(info.latest),
    "stats": Spec(info.stats, operator=True),
}


def parse_command(text: str) -> tuple[str, str] | None:
    """(command name lower-cased, arguments stripped), or None when `text` is no command."""
    found = _COMMAND.fullmatch(text.strip())
    if found and found.group(1).lower() == "alerts" and found.group(2):
        found = _COMMAND.fullmatch("/" + found.group(2).strip())
    if not found:
        return None
    return found.group(1).lower(), (found.group(2) or "").strip()


class Commands:
    def __init__(self, service: SubscriptionService, gazetteer: Gazetteer,
                 queries: Queries) -> None:
        self._service = service
        self._gazetteer = gazetteer
        self._queries = queries

    @staticmethod
    def names() -> tuple[str, ...]:
        return tuple(COMMANDS)

    @staticmethod
    def changes(text: str) -> bool:
        """Would this command change the chat's subscriptions? The glue asks before the
        request so it looks up admin rights (a network call) only when they matter."""
        parsed = parse_command(text)
        spec = COMMANDS.get(parsed[0]) if parsed else None
        return spec is not None and spec.changes

    async def handle(self, req: Request) -> Reply:
        parsed = parse_command(req.text)
        try:
            ctx = await self._context(req)
            if parsed is None:
                return Reply(t(ctx.lang, "not_command", text=req.text.strip()[:60]))
            name, args = parsed
            spec = COMMANDS.get(name)
            if spec is None:
                return Reply(_unknown(ctx.lang, name, req.is_operator))
            if spec.operator and not req.is_operator:
                return Reply(t(ctx.lang, "operators_only"))
            if spec.changes and req.is_group and not req.is_admin:
                return Reply(t(ctx.lang, "admins_only"))
            reply = await spec.handler(ctx, args)
        except Exception as exc:  # a broken store must not become a stack trace in a chat
            event(log, "command_failed", logging.ERROR, channel=req.channel,
                  address=req.address, command=parsed[0] if parsed else "-",
                  error=f"{type(exc).__name__}: {exc}")
            return Reply(t(pick_lang(None, req.user_lang), "failed"))
        event(log, "command", channel=req.channel, address=req.address, command=name)
        return reply

    async def press(self, req: Request, data: str) -> Pressed:
        """An inline button: `data` is its callback data."""
        kind, _, value = data.partition(":")
        try:
            ctx = await self._context(req)
            if kind in ("mute", "menu", "unsub") and req.is_group and not req.is_admin:
                return Pressed(t(ctx.lang, "press_admins"))
            if kind == "mute" and value:
                return await subs.press_mute(ctx, value)
            if kind == "menu" and value == "unsub":
                return await subs.press_menu(ctx)
            if kind == "unsub" and value:
                return await subs.press_unsubscribe(ctx, value)
            if kind == "more" and value:
                return await info.press_more(ctx, value)
            return Pressed(t(ctx.lang, "press_stale"))
        except Exception as exc:  # same reason as in handle()
            event(log, "button_failed", logging.ERROR, channel=req.channel,
                  address=req.address, data=data, error=f"{type(exc).__name__}: {exc}")
            return Pressed(t(pick_lang(None, req.user_lang), "failed"))

    async def _context(self, req: Request) -> Ctx:
        subscriber = await self._queries.subscriber(req.channel, req.address)
        lang = pick_lang(subscriber.lang if subscriber else None, req.user_lang)
        return Ctx(req, lang, subscriber, self._service, self._gazetteer, self._queries)


def _unknown(lang: str, name: str, operator: bool) -> str:
    offered = [n for n, spec in COMMANDS.items() if operator or not spec.operator]
    close = difflib.get_close_matches(name, offered, n=1, cutoff=0.6)
    hint = t(lang, "did_you_mean", command="/" + close[0]) if close else ""
    return t(lang, "unknown", command="/" + name, close=hint)
