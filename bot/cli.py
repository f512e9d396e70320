"""`alertbot` subcommands: run, poll, sources, demo, check-config, migrate.

Parses arguments, loads settings (file + environment), sets up logging, and hands over to the
composition root (bot.app). Errors an operator can fix print one clear message and exit 2;
nothing prints a stack trace at them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot import app as application
from bot.errors import AlertbotError
from bot.ingest import schedule
from bot.ingest.tagging import document, place_tags
from bot.logs import setup_logging
from bot.models import SourceState
from bot.settings import Settings, load_settings, redacted
from bot.stories.timeline import story_line
from subscriptions.query import QueryError

DEFAULT_CONFIG = "config.toml"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="alertbot", description=__doc__.splitlines()[0])
    p.add_argument("--config", help="TOML config file (default: $ALERTBOT_CONFIG or "
                   "./config.toml if present, else built-in defaults)")
    p.add_argument("--log-format", choices=["text", "json"], help="overrides [log] format")
    p.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="poll the sources and send alerts until stopped")
    poll = sub.add_parser("poll", help="one pass over the sources; print what is new")
    poll.add_argument("--once", action="store_true", required=True,
                      help="poll each source once and exit (the only mode for now)")
    poll.add_argument("--source", action="append", metavar="ID",
                      help="only this source (repeatable)")
    sub.add_parser("sources", help="table of sources: last success, next check, health")
    match = sub.add_parser("match", help="preview which stored items a query would have "
                           "matched, with reasons")
    match.add_argument("query", help='e.g. \'detainer in:"Ventura County"\'')
    match.add_argument("--limit", type=int, default=500, metavar="N",
                       help="look at the N most recent items (default 500)")
    stories = sub.add_parser("stories", help="list the developing stories, newest first")
    stories.add_argument("--limit", type=int, default=20, metavar="N")
    story = sub.add_parser("story", help="one story: summary and timeline")
    story.add_argument("id", help="a story id from `alertbot stories` (e.g. s-1a2b3c4d5e6f)")
    sub.add_parser("demo", help="offline demo of the whole pipeline on bundled captures")
    sub.add_parser("check-config", help="print the effective config, secrets redacted")
    sub.add_parser("migrate", help="apply pending database migrations")
    return p


def _config_path(arg: str | None) -> str | None:
    if arg:
        return arg
    env = os.environ.get("ALERTBOT_CONFIG")
    if env:
        return env
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else None


def main(argv: Sequence[str] | None = None) -> int:
    # python-telegram-bot 22 warns on every 429 unless time periods are timedeltas; opt in
    # (bot.channels.telegram reads either form).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(_config_path(args.config), os.environ)
        setup_logging(args.log_level or settings.log.level,
                      args.log_format or settings.log.format)
        return asyncio.run(_dispatch(args, settings))
    except AlertbotError as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "check-config":
        print(json.dumps(redacted(settings), indent=2))
        return 0
    if args.command == "demo":
        from bot.demo import run_demo

        return await run_demo(sys.stdout)
    app = await application.build(settings)
    try:
        return await _COMMANDS[args.command](app, args)
    finally:
        await app.close()


async def _cmd_migrate(app: application.App, _: argparse.Namespace) -> int:
    print(f"schema version {await app.store.schema_version()}: up to date")
    return 0


async def _cmd_run(app: application.App, _: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    names = ", ".join(s.id for s in app.sources) or "none"
    print(f"alertbot: watching {len(app.sources)} sources ({names}); alerts print here. "
          "Ctrl-C stops.", file=sys.stderr)
    await application.run(app, stop)
    return 0


async def _cmd_poll(app: application.App, args: argparse.Namespace) -> int:
    try:
        reports = await app.scheduler.poll_once(args.source)
    except KeyError as exc:
        print(f"alertbot: {exc.args[0]}", file=sys.stderr)
        return 2
    for r in reports:
        new, rev = len(r.of_kind(application.ChangeKind.NEW)), len(
            r.of_kind(application.ChangeKind.REVISED))
        base = len(r.of_kind(application.ChangeKind.BASELINE))
        extra = f", {base} recorded silently (first poll)" if base else ""
        print(f"{r.source_id}: {r.outcome.value} — {new} new, {rev} revised{extra}"
              + (f" ({r.detail})" if r.outcome.is_failure else ""))
    return 1 if reports and all(r.outcome.is_failure for r in reports) else 0


async def _cmd_sources(app: application.App, _: argparse.Namespace) -> int:
    states = await app.store.source_states()
    rows = [("ID", "KIND", "AGENCY", "LAST SUCCESS", "NEXT CHECK", "HEALTH", "LAST ERROR")]
    for s in app.sources:
        st = states.get(s.id)
        failures = st.consecutive_failures if st else 0
        health = ("never polled" if st is None else "healthy"
                  if schedule.is_healthy(failures, app.policy) else f"UNHEALTHY ({failures}x)")
        if st is not None and failures and schedule.is_healthy(failures, app.policy):
            health = f"failing ({failures}x)"
        rows.append((s.id, s.kind, s.agency, _when(st.last_success if st else None),
                     _when(st.next_check if st else None), health,
                     "; ".join(n for n in (st.last_error, _held_back(st)) if n) if st else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return 0


def _held_back(st: SourceState) -> str:
    """The source's last flood, until it announces changes normally again."""
    if not st.held_back:
        return ""
    return (f"{st.held_back:,} changes held back at {_when(st.held_back_at)} "
            "(more than [polling] max_alerting_changes)")


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%SZ") if dt else "-"


async def _cmd_match(app: application.App, args: argparse.Namespace) -> int:
    service = app.subscriptions
    try:
        query = service.parse(args.query)
    except QueryError as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        if exc.position is not None:
            print(f"  {args.query}\n  {' ' * exc.position}^", file=sys.stderr)
        return 2
    items = await app.store.recent_items(limit=args.limit)
    docs = {i.key: (i, document(i, place_tags(i, service.gazetteer))) for i in items}
    found = service.preview(args.query, (d for _, d in docs.values()))
    print(f"{service.describe(query)}: {len(found)} of the {len(items)} most recent items")
    for doc, match in found:
        item = docs[doc.key][0]
        print(f"\n{_when(item.published)}  {item.source_id}  {item.title}\n  {item.url}")
        print("  because: " + "; ".join(r.detail for r in match.reasons))
    return 0


async def _cmd_stories(app: application.App, args: argparse.Namespace) -> int:
    found = await app.store.stories(limit=args.limit)
    if not found:
        print("no stories yet: items join stories as they arrive (alertbot poll --once)")
    for story in found:
        print(story_line(story))
    return 0


async def _cmd_story(app: application.App, args: argparse.Namespace) -> int:
    text = await app.story_text(args.id)
    if text is None:
        print(f"alertbot: no story {args.id!r}; `alertbot stories` lists them", file=sys.stderr)
        return 2
    print(text)
    return 0


_COMMANDS = {"run": _cmd_run, "poll": _cmd_poll, "sources": _cmd_sources,
             "migrate": _cmd_migrate, "match": _cmd_match, "stories": _cmd_stories,
             "story": _cmd_story}
