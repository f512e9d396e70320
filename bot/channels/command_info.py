"""Chat commands that only read: /start /help /sources /jurisdictions /latest /stats, and the
"More like this" button (it suggests a subscription; subscribing stays the user's act).

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

from bot.channels.chat import Ctx, Pressed, Reply, SourceHealth
from bot.channels.i18n import Html, escape, t, when
from bot.channels.i18n_subs import description
from bot.channels.replies import fit, plain
from bot.reading.models import Health
from subscriptions.gazetteer import Place
from subscriptions.query import QueryError

LATEST_DEFAULT, LATEST_MOST = 5, 20
PLACES_SHOWN = 25


async def start(ctx: Ctx, args: str) -> Reply:
    return await help_(ctx, args) if args.lower() == "help" else Reply(_with_group(ctx, "start"))


async def help_(ctx: Ctx, args: str) -> Reply:
    return Reply(_with_group(ctx, "help"))


def _with_group(ctx: Ctx, key: str) -> Html:
    text = t(ctx.lang, key)
    return Html(text + t(ctx.lang, "help_group")) if ctx.req.is_group else text


async def sources(ctx: Ctx, args: str) -> Reply:
    found = await ctx.queries.sources()
    if not found:
        return Reply(t(ctx.lang, "sources_none"))
    lines = [_source_line(ctx, s) for s in found]
    foot = t(ctx.lang, "sources_foot", id=found[0].id)
    return Reply(fit([t(ctx.lang, "sources_head"), *lines, "", foot]))


def _source_line(ctx: Ctx, s: SourceHealth) -> Html:
    """A source as `alertbot sources` sees it: never read, working, failing (and until when
    it waits), or disabled by a 410 Gone."""
    named = {"name": s.name, "id": s.id, "when": when(s.last_success, ctx.timezone, ctx.lang)}
    if s.state is Health.NEVER_POLLED:
        return t(ctx.lang, "source_new", name=s.name, id=s.id)
    if s.state is Health.HEALTHY:
        return t(ctx.lang, "source_ok", **named)
    if s.state is Health.DISABLED:
        return t(ctx.lang, "source_off", since=when(s.disabled_since, ctx.timezone, ctx.lang),
                 **named)
    line = t(ctx.lang, "source_bad", error=(s.last_error or "?")[:120], **named)
    if s.waiting is None:
        return line
    return Html(line + t(ctx.lang, f"source_wait_{s.waiting.value}",
                         when=when(s.next_check, ctx.timezone, ctx.lang)))


async def jurisdictions(ctx: Ctx, args: str) -> Reply:
    gaz = ctx.gazetteer
    if not args:
        states = ", ".join(p.name for p in gaz.names("") if p.kind == "state")
        return Reply(Html(t(ctx.lang, "places_head") + "\n" + escape(states) + "\n\n"
                          + t(ctx.lang, "places_foot")))
    places = gaz.names(args)
    if not places:
        close = gaz.suggest(args)
        hint = t(ctx.lang, "places_close", names=", ".join(close)) if close else ""
        return Reply(t(ctx.lang, "places_none", prefix=args[:60], close=hint))
    lines = [_place_line(ctx, p) for p in places[:PLACES_SHOWN]]
    if len(places) > PLACES_SHOWN:
        lines.append(t(ctx.lang, "places_more", count=len(places) - PLACES_SHOWN))
    return Reply(fit([t(ctx.lang, "places_prefix_head", prefix=args[:60]), *lines]))


def _place_line(ctx: Ctx, place: Place) -> Html:
    gaz = ctx.gazetteer
    states = sorted(gaz.get(s).name for s in gaz.states_of(place.id) if s != place.id)
    name = place.name
    if gaz.resolve(name).id != place.id and len(states) == 1:
        name = f"{name}, {states[0]}"  # a namesake: "Orange County, Florida" finds this one
    query = f'"{name}"' if " " in name or "," in name else name
    where = ", " + " / ".join(states) if states and place.kind != "state" else ""
    return t(ctx.lang, "place_line", query=query, kind=t(ctx.lang, place.kind), where=where)


async def latest(ctx: Ctx, args: str) -> Reply:
    n = LATEST_DEFAULT
    if args:
        if not args.isdecimal():
            return Reply(t(ctx.lang, "latest_bad", value=args[:40], most=LATEST_MOST))
        n = int(args)
        if not 1 <= n <= LATEST_MOST:
            return Reply(t(ctx.lang, "latest_range", most=LATEST_MOST))
    req = ctx.req
    stories = await ctx.queries.latest(req.channel, req.address, n)
    if not stories:
        subscribed = await ctx.service.list(req.channel, req.address)
        return Reply(t(ctx.lang, "latest_none" if subscribed else "list_empty"))
    lines = [t(ctx.lang, "latest_line", when=when(s.when, ctx.timezone, ctx.lang),
               url=s.url if s.url.startswith(("https://", "http://")) else "",
               title=s.title[:200], id=s.story_id) for s in stories]
    return Reply(fit([t(ctx.lang, "latest_head"), *lines]))


async def stats(ctx: Ctx, args: str) -> Reply:
    s = await ctx.queries.stats()
    nothing = t(ctx.lang, "stats_nothing")
    queue = " · ".join(f"{state} {n}" for state, n in sorted(s.queue.items())) or nothing
    errors = "\n".join(f"• {e[:200]}" for e in s.last_errors[:10]) or nothing
    return Reply(fit(t(ctx.lang, "stats", sources=s.sources, healthy=s.healthy_sources,
                       subscribers=s.subscribers, queue=queue, errors=errors).split("\n")))


async def press_more(ctx: Ctx, story_id: str) -> Pressed:
    story = await ctx.queries.story(story_id)
    pieces = []
    if story is not None:
        pieces = [f'in:"{p}"' if " " in p else f"in:{p}" for p in story.places[:2]]
        pieces += [f"from:{a}" for a in story.agencies[:1]]
    kept = [p for p in pieces if _parses(ctx, p)]  # a renamed place or removed source drops
    if not kept:
        return Pressed(plain(t(ctx.lang, "more_none")))
    query = " ".join(kept)
    shown = description(ctx.lang, ctx.service.describe(ctx.service.parse(query)))
    return Pressed("", Reply(t(ctx.lang, "more_like", query=query, description=shown)))


def _parses(ctx: Ctx, query: str) -> bool:
    try:
        ctx.service.parse(query)
    except QueryError:
        return False
    return True
