"""/digest: whether a chat's alerts arrive as they happen or wait and arrive together, once a
day or once a week (Mondays), at the time it chooses in its time zone.

    /digest                      how each subscription's alerts arrive, and the digest time
    /digest daily|weekly|off     all subscriptions (and those added later)
    /digest daily 2 3            only subscriptions 2 and 3 (numbers from /list)
    /digest daily 18:00          … and digests at 18:00 from now on
    /digest at 18:00             only the time

The waiting itself is the dispatcher's (bot.delivery.holds). Turning a digest off releases what
was waiting for it, so it arrives now instead of at the next digest time.
Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

from bot.channels.chat import Ctx, Reply
from bot.channels.i18n import Html, t
from bot.channels.replies import fit, service_error
from bot.delivery.quiet import CLOCK, parse_clock
from subscriptions.service import Listed, ServiceError

# The words a user may type for each mode (Spanish too: the reply is in their language).
_MODES = {"off": "instant", "instant": "instant", "no": "instant", "now": "instant",
          "daily": "daily", "day": "daily", "diario": "daily", "diaria": "daily",
          "weekly": "weekly", "week": "weekly", "semanal": "weekly"}


async def digest(ctx: Ctx, args: str) -> Reply:
    words = args.replace(",", " ").split()
    if not words:
        return Reply(await _show(ctx))
    first, rest = words[0].lower(), words[1:]
    mode = None if first == "at" else _MODES.get(first)
    if mode is None and first != "at":
        return Reply(Html(t(ctx.lang, "digest_bad", value=words[0][:30]) + "\n"
                          + t(ctx.lang, "digest_usage")))
    at, numbers = None, []
    for word in rest:
        if CLOCK.match(word) or ":" in word:
            clock = parse_clock(word)
            if clock is None:
                return Reply(t(ctx.lang, "digest_bad_time", value=word[:10]))
            at = f"{clock:%H:%M}"
        elif word.isdecimal() and mode is not None:
            numbers.append(word)
        else:
            return Reply(Html(t(ctx.lang, "digest_bad", value=word[:30]) + "\n"
                              + t(ctx.lang, "digest_usage")))
    if mode is None and at is None:  # "/digest at" and nothing after it
        return Reply(t(ctx.lang, "digest_usage"))
    return await _apply(ctx, mode, numbers, at)


async def _apply(ctx: Ctx, mode: str | None, numbers: list[str], at: str | None) -> Reply:
    req = ctx.req
    lines: list[str] = []
    if mode is not None:
        try:
            changed = await ctx.service.set_mode(req.channel, req.address, mode,
                                                 " ".join(numbers) or "all")
        except ServiceError as exc:
            return Reply(service_error(ctx.lang, exc))
    subscriber = (await ctx.queries.set_preferences(req.channel, req.address, now=req.now,
                                                    digest_at=at)
                  if at is not None or ctx.subscriber is None else ctx.subscriber)
    if mode is not None:
        lines.append(_confirm(ctx, mode, changed if numbers else None, subscriber.digest_at,
                              subscriber.timezone))
    if mode == "instant":  # what waited for a digest it no longer wants comes now
        released = await ctx.queries.resume_held(req.channel, req.address, "digest")
        if released:
            lines[-1] += t(ctx.lang, "released", count=released)
    elif at is not None and mode is None:
        lines.append(t(ctx.lang, "digest_at", at=at, timezone=subscriber.timezone))
    if subscriber.timezone == "UTC" and mode != "instant":
        lines.append(t(ctx.lang, "quiet_tz_hint").strip())
    return Reply(Html("\n".join(lines)))


def _confirm(ctx: Ctx, mode: str, some: list[Listed] | None, at: str, timezone: str) -> str:
    lang = ctx.lang
    if some is not None:
        key = "numbered" if len(some) == 1 else "numbered_many"
        numbers = t(lang, key, numbers=", ".join(str(x.number) for x in some))
        if mode == "instant":
            return t(lang, "digest_off_some", numbers=numbers)
        return t(lang, "digest_some", numbers=numbers, when=t(lang, f"digest_{mode}", at=at),
                 timezone=timezone)
    if mode == "instant":
        return t(lang, "digest_off")
    return t(lang, "digest_all", when=t(lang, f"digest_{mode}", at=at), timezone=timezone)


async def _show(ctx: Ctx) -> Html:
    listed = await ctx.service.list(ctx.req.channel, ctx.req.address)
    sub = ctx.subscriber
    lines = [t(ctx.lang, "digest_show_head")]
    lines += [t(ctx.lang, "digest_line", number=x.number, query=x.subscription.query,
                mode=t(ctx.lang, f"mode_{x.subscription.mode}")) for x in listed]
    if sub is not None and any(x.subscription.mode != "instant" for x in listed):
        lines.append(t(ctx.lang, "digest_show_at", at=sub.digest_at, timezone=sub.timezone))
    return fit([*lines, "", t(ctx.lang, "digest_usage")])
