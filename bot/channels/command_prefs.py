"""Chat commands for a chat's settings: /quiet /timezone /lang (/digest: command_digest).

Values are validated here, before anything is saved, and every refusal says what a valid one
looks like. Saving goes through `Queries.set_preferences`.

Must not import bot.store or bot.ingest.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo

from bot.channels.chat import Ctx, Reply
from bot.channels.i18n import Html, t, when
from subscriptions.models import Subscriber

_RANGE = re.compile(r"(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})")
_LANGS = {"en": "en", "english": "en", "inglés": "en", "ingles": "en",
          "es": "es", "español": "es", "espanol": "es", "spanish": "es"}


async def quiet(ctx: Ctx, args: str) -> Reply:
    if not args:
        sub = ctx.subscriber
        if sub is None or not sub.quiet_hours:
            return Reply(Html(t(ctx.lang, "quiet_none") + "\n" + t(ctx.lang, "quiet_usage")))
        return Reply(Html(t(ctx.lang, "quiet_show", hours=sub.quiet_hours, timezone=sub.timezone)
                          + "\n" + t(ctx.lang, "quiet_usage")))
    if args.lower() == "off":
        await _save(ctx, quiet_hours="")
        return Reply(t(ctx.lang, "quiet_off"))
    hours, problem = parse_quiet(args, ctx.lang)
    if problem is not None:
        return Reply(problem)
    saved = await _save(ctx, quiet_hours=hours)
    text = t(ctx.lang, "quiet_set", hours=hours, timezone=saved.timezone, end=hours[-5:])
    if saved.timezone == "UTC":  # nobody has set it: the user probably meant local time
        text = Html(text + t(ctx.lang, "quiet_tz_hint"))
    return Reply(text)


def parse_quiet(text: str, lang: str = "en") -> tuple[str, Html | None]:
    """'22:00-7:00' → ('22:00-07:00', None), or ('', the reply saying what is wrong)."""
    found = _RANGE.fullmatch(text.strip())
    if not found:
        return "", t(lang, "quiet_bad", value=text[:40])
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    for h, m in ((h1, m1), (h2, m2)):
        if h > 23 or m > 59:
            return "", t(lang, "quiet_bad_time", value=f"{h:02d}:{m:02d}")
    if (h1, m1) == (h2, m2):
        return "", t(lang, "quiet_same", value=f"{h1:02d}:{m1:02d}")
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}", None


async def timezone(ctx: Ctx, args: str) -> Reply:
    if not args:
        return Reply(t(ctx.lang, "tz_show", timezone=ctx.timezone))
    zone = find_zone(args)
    if zone is None:
        close = suggest_zones(args)
        hint = (t(ctx.lang, "tz_close", names=", ".join(close)) if close
                else t(ctx.lang, "tz_example"))
        return Reply(t(ctx.lang, "tz_unknown", value=args[:60], close=hint))
    await _save(ctx, timezone=zone)
    return Reply(t(ctx.lang, "tz_set", timezone=zone, local=when(ctx.req.now, zone, ctx.lang)))


async def lang(ctx: Ctx, args: str) -> Reply:
    if not args:
        return Reply(t(ctx.lang, "lang_usage"))
    chosen = _LANGS.get(args.lower())
    if chosen is None:
        return Reply(Html(t(ctx.lang, "lang_bad", value=args[:40]) + t(ctx.lang, "lang_usage")))
    await _save(ctx, lang=chosen)
    return Reply(t(chosen, "lang_set"))  # answered in the language just chosen


async def _save(ctx: Ctx, **fields: str) -> Subscriber:
    if ctx.subscriber is None:  # created now: keep the language the user is answered in
        fields.setdefault("lang", ctx.lang)
    req = ctx.req
    return await ctx.queries.set_preferences(req.channel, req.address, now=req.now, **fields)


@functools.cache
def _zones() -> dict[str, str]:
    """Lower-cased name → canonical name of every IANA zone (read once, on first use)."""
    return {z.lower(): z for z in zoneinfo.available_timezones()}


def find_zone(text: str) -> str | None:
    """The IANA zone `text` names, forgiving case and spaces ("america/los angeles")."""
    return _zones().get(text.strip().replace(" ", "_").lower())


def suggest_zones(text: str, n: int = 3) -> list[str]:
    wanted = text.strip().replace(" ", "_").lower()
    zones = _zones()
    # "Los Angeles" or "mexico city" alone: match the city part of Area/City.
    cities = {z.rsplit("/", 1)[-1]: name for z, name in zones.items() if "/" in z}
    by_city = [cities[c] for c in difflib.get_close_matches(wanted, cities, n=n, cutoff=0.75)]
    by_name = [zones[z] for z in difflib.get_close_matches(wanted, zones, n=n, cutoff=0.6)]
    return list(dict.fromkeys(by_city + by_name))[:n]

