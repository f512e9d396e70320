"""Chat commands that change what a chat receives: /subscribe /list /unsubscribe /pause
/resume /mute, and the alert buttons that do the same (mute, the unsubscribe menu).

Each handler takes a `Ctx` and the command's arguments and returns a `Reply`; mistakes a user
can fix (QueryError, ServiceError) become a reply saying what was wrong and how to fix it.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

from bot.channels.chat import Button, Ctx, Pressed, Reply
from bot.channels.i18n import Html, t
from bot.channels.i18n_subs import description
from bot.channels.replies import fit, plain, query_error, service_error
from subscriptions.query import QueryError
from subscriptions.service import Listed, ServiceError

LABEL = 48  # characters of a subscription shown on a button


async def subscribe(ctx: Ctx, args: str) -> Reply:
    if not args:
        return Reply(t(ctx.lang, "subscribe_usage"))
    req = ctx.req
    try:
        listed = await ctx.service.subscribe(req.channel, req.address, args, now=req.now,
                                             lang=ctx.lang)
    except QueryError as exc:
        return Reply(query_error(ctx.lang, exc, args))
    except ServiceError as exc:
        return Reply(service_error(ctx.lang, exc))
    text = t(ctx.lang, "subscribed", number=listed.number,
             description=description(ctx.lang, listed.description))
    if ctx.subscriber is not None and ctx.subscriber.paused:
        text = Html(text + t(ctx.lang, "paused_note"))
    return Reply(text)


async def list_(ctx: Ctx, args: str) -> Reply:
    listed = await ctx.service.list(ctx.req.channel, ctx.req.address)
    if not listed:
        return Reply(t(ctx.lang, "list_empty"))
    lines = [t(ctx.lang, "list_line", number=x.number, query=x.subscription.query,
               description=description(ctx.lang, x.description)) + _mode(ctx, x)
             for x in listed]
    status = []
    sub = ctx.subscriber
    if sub is not None and sub.paused:
        status.append(t(ctx.lang, "list_paused"))
    if sub is not None and sub.quiet_hours:
        status.append(t(ctx.lang, "list_quiet", hours=sub.quiet_hours, timezone=sub.timezone))
    foot = [t(ctx.lang, "list_foot"), *status]
    return Reply(fit([t(ctx.lang, "list_head"), *lines, "", *foot]))


def _mode(ctx: Ctx, listed: Listed) -> str:
    mode = listed.subscription.mode
    return "" if mode == "instant" else t(ctx.lang, "list_mode", mode=t(ctx.lang, f"mode_{mode}"))


async def unsubscribe(ctx: Ctx, args: str) -> Reply:
    if not args:
        return Reply(t(ctx.lang, "unsubscribe_usage"))
    req = ctx.req
    try:
        removed = await ctx.service.unsubscribe(req.channel, req.address, args)
    except ServiceError as exc:
        return Reply(service_error(ctx.lang, exc))
    left = await ctx.service.list(req.channel, req.address)
    lines = [t(ctx.lang, "list_line", number=x.number, query=x.subscription.query,
               description=description(ctx.lang, x.description)) for x in removed]
    text = t(ctx.lang, "unsubscribed", lines=fit(lines, 3500))
    if not left:
        text = Html(text + t(ctx.lang, "none_left"))
    elif min(x.number for x in removed) <= len(left):  # later numbers moved down
        text = Html(text + t(ctx.lang, "renumbered"))
    return Reply(text)


async def pause(ctx: Ctx, args: str) -> Reply:
    try:
        await ctx.service.set_paused(ctx.req.channel, ctx.req.address, True)
    except ServiceError as exc:
        return Reply(service_error(ctx.lang, exc))
    return Reply(t(ctx.lang, "paused"))


async def resume(ctx: Ctx, args: str) -> Reply:
    req = ctx.req
    try:
        await ctx.service.set_paused(req.channel, req.address, False)
    except ServiceError as exc:
        return Reply(service_error(ctx.lang, exc))
    released = await ctx.queries.resume_held(req.channel, req.address)
    text = t(ctx.lang, "resumed")
    if released:
        text = Html(text + t(ctx.lang, "released", count=released))
    return Reply(text)


async def mute(ctx: Ctx, args: str) -> Reply:
    if not args:
        return Reply(t(ctx.lang, "mute_usage"))
    story = await ctx.queries.story(args)
    if story is None:
        return Reply(t(ctx.lang, "mute_unknown", story=args[:80]))
    try:
        await ctx.service.mute(ctx.req.channel, ctx.req.address, story.id)
    except ServiceError as exc:
        return Reply(service_error(ctx.lang, exc))
    return Reply(t(ctx.lang, "muted", title=story.title))


async def press_mute(ctx: Ctx, story_id: str) -> Pressed:
    # The button came with an alert about this story: no need to look the story up.
    try:
        await ctx.service.mute(ctx.req.channel, ctx.req.address, story_id)
    except ServiceError as exc:
        return Pressed(plain(service_error(ctx.lang, exc)))
    return Pressed(plain(t(ctx.lang, "press_muted")), remove_button=True)


async def press_menu(ctx: Ctx) -> Pressed:
    listed = await ctx.service.list(ctx.req.channel, ctx.req.address)
    if not listed:
        return Pressed(plain(t(ctx.lang, "list_empty")))
    rows: list[tuple[Button, ...]] = [
        ((_label(x), f"unsub:{x.subscription.id}"),) for x in listed]
    rows.append(((plain(t(ctx.lang, "unsub_all")), "unsub:all"),))
    return Pressed("", Reply(t(ctx.lang, "unsub_menu"), tuple(rows)))


async def press_unsubscribe(ctx: Ctx, value: str) -> Pressed:
    """`value` is a subscription id (numbers in /list shift; ids do not) or "all"."""
    req = ctx.req
    listed = await ctx.service.list(req.channel, req.address)
    chosen = [x for x in listed if value == "all" or str(x.subscription.id) == value]
    if not chosen:
        return Pressed(plain(t(ctx.lang, "unsub_gone")), remove_button=True)
    which = "all" if value == "all" else str(chosen[0].number)
    try:
        await ctx.service.unsubscribe(req.channel, req.address, which)
    except ServiceError as exc:
        return Pressed(plain(service_error(ctx.lang, exc)))
    what = ", ".join(x.subscription.query for x in chosen)
    return Pressed(plain(t(ctx.lang, "unsub_done", what=what)), remove_button=True)


def _label(listed: Listed) -> str:
    text = f"✖ {listed.number}. {listed.subscription.query}"
    return text if len(text) <= LABEL else text[: LABEL - 1] + "…"
