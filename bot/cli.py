"""`alertbot` and its subcommands (`alertbot --help` lists them); global flags go before or after.

Parses arguments, loads settings (file + environment, then --db), sets up logging, and hands
over to the composition root (bot.app), imported only once a command runs: --help and
--version need none of the libraries under it. Errors an operator can fix print one clear
message and exit 2; nothing prints a stack trace at them. `poll --once` prints one line per
source and exits 1 when any source it polled failed or crashed, 0 otherwise (sources skipped
because they wait count as neither).
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
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import AlertbotError
from bot.ingest import waiting
from bot.ingest.tagging import document, place_tags
from bot.logs import setup_logging
from bot.models import ChangeKind, Outcome, PollResult
from bot.reading.models import Health, SourceHealth, Wait
from bot.settings import Settings, StorageSettings, load_settings, redacted
from bot.store import sqlite_path
from bot.stories.timeline import story_line
from subscriptions.query import QueryError

if TYPE_CHECKING:
    from bot import app as application

DEFAULT_CONFIG = "config.toml"
# Commands that only read: they never create a database, they say there is none.
READ_ONLY = frozenset({"sources", "match", "stories", "story"})


def _global_flags(p: argparse.ArgumentParser, default: str | None) -> None:
    """The flags every command takes, before or after its name. After it, their default is
    SUPPRESS, so that a value given before the command is not overwritten by None."""
    p.add_argument("--config", metavar="PATH", default=default,
                   help="TOML config file (default: $ALERTBOT_CONFIG or ./config.toml if "
                   "present, else built-in defaults)")
    p.add_argument("--db", metavar="PATH", default=default,
                   help='SQLite database file: shorthand for [storage] url = "sqlite:///PATH"')
    p.add_argument("--log-format", choices=["text", "json"], default=default,
                   help="overrides [log] format")
    p.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                   default=default, help="overrides [log] level")


def _version() -> str:
    try:
        return metadata.version("alertbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed: pip install .)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="alertbot", description="Watches government newsrooms and alerts subscribers "
        "when something they care about is published.",
        epilog="Global flags (--config, --db, --log-format, --log-level) go before or after "
        "the command. `alertbot COMMAND --help` shows a command's own options.")
    p.add_argument("--version", action="version", version=f"alertbot {_version()}")
    _global_flags(p, default=None)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="poll the sources and send alerts until stopped")
    poll = sub.add_parser("poll", help="one pass over the sources; print what is new")
    poll.add_argument("--once", action="store_true", required=True,
                      help="poll each source once and exit (the only mode for now)")
    poll.add_argument("--source", action="append", metavar="ID",
                      help="only this source (repeatable)")
    poll.add_argument("--force", action="store_true",
                      help="poll even the sources that wait (not due yet, a server's "
                      "Retry-After, a failure backoff, or disabled by a 410 Gone)")
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
    for command in sub.choices.values():
        _global_flags(command, default=argparse.SUPPRESS)
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
        args.config = _config_path(args.config)
        settings = load_settings(args.config, os.environ)
        if args.db:
            settings = settings.model_copy(update={"storage": settings.storage.model_copy(
                update={"url": f"sqlite:///{args.db}"})})
        setup_logging(args.log_level or settings.log.level,
                      args.log_format or settings.log.format)
        code = asyncio.run(_dispatch(args, settings))
        sys.stdout.flush()  # here, so a reader that left is noticed inside the try
        return code
    except AlertbotError as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_left()


def _reader_left() -> int:
    """`alertbot stories | head`: the reader has what it wanted. Quiet, as `cat` is: what is
    still buffered goes nowhere (else Python's exit flush reports the pipe), and the status
    is a SIGPIPE death's, 128 + 13."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "check-config":
        print(json.dumps(redacted(settings), indent=2))
        return 0
    if args.command == "demo":
        from bot.demo import run_demo

        return await run_demo(sys.stdout, args.db)
    if args.command in READ_ONLY and (missing := _no_database(args, settings)):
        print(f"alertbot: {missing}", file=sys.stderr)
        return 2
    _import_composition_root()
    app = await application.build(settings)
    try:
        return await _COMMANDS[args.command](app, args)
    finally:
        await app.close()


def _import_composition_root() -> None:
    """Binds the module global the commands below use (`application.build`, `.run`, ...), here
    rather than at the top, so that --help and --version never import bot.app."""
    global application
    from bot import app as application


def _no_database(args: argparse.Namespace, settings: Settings) -> str | None:
    """Why a read-only command has nothing to read, or None when its SQLite file exists."""
    path = sqlite_path(settings.storage.url)
    if path is None or Path(path).exists():
        return None
    if args.db:
        why = "--db"
    elif os.environ.get("ALERTBOT_STORAGE_URL"):
        why = "$ALERTBOT_STORAGE_URL"
    elif "storage" in settings.model_fields_set and "url" in settings.storage.model_fields_set:
        why = f"[storage] url in {args.config}"
    else:
        why = (f"the default [storage] url = {StorageSettings().url!r}, "
               + (f"not set in {args.config}" if args.config else "no config file"))
    return (f"no database at {Path(path).absolute()} ({why}): nothing is stored there yet. "
            "`alertbot poll --once` or `alertbot run` creates it; `alertbot demo` builds one "
            "to explore (then add --db alertbot-demo.db).")


async def _cmd_migrate(app: application.App, _: argparse.Namespace) -> int:
    print(f"schema version {await app.store.schema_version()}: up to date")
    return 0


async def _cmd_run(app: application.App, _: argparse.Namespace) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    names = ", ".join(s.id for s in app.sources) or "none"
    listen = app.settings.web.listen
    web = f"; /healthz and /metrics on http://{listen}" if listen else ""

    def ready(where: str) -> None:
        print(f"alertbot: watching {len(app.sources)} sources ({names}); alerts go to: "
              f"{where}{web}. Ctrl-C stops.", file=sys.stderr)

    await application.run(app, stop, on_ready=ready)
    return 0


async def _cmd_poll(app: application.App, args: argparse.Namespace) -> int:
    try:
        results = await app.scheduler.poll_once(args.source, force=args.force)
    except KeyError as exc:
        print(f"alertbot: {exc.args[0]}", file=sys.stderr)
        return 2
    for result in results:
        print(_poll_line(result))
    if any(r.skipped for r in results):
        print("alertbot: skipped sources wait as their state says; --force polls them now",
              file=sys.stderr)
    return 1 if any(r.failed for r in results) else 0


def _poll_line(result: PollResult) -> str:
    if result.error:
        return f"{result.source_id}: crashed — {result.error}"
    if result.report is None:
        return f"{result.source_id}: skipped — {result.skipped}"
    r = result.report
    new, rev = len(r.of_kind(ChangeKind.NEW)), len(r.of_kind(ChangeKind.REVISED))
    base = len(r.of_kind(ChangeKind.BASELINE))
    extra = f", {base} recorded silently (first poll)" if base else ""
    line = f"{r.source_id}: {r.outcome.value} — {new} new, {rev} revised{extra}"
    if r.outcome.is_failure:
        line += f" ({r.detail})"
    if r.outcome is Outcome.GONE:
        line += f"; disabled: {waiting.retry_hint(r.source_id)}"
    if r.flood is not None:
        told = "one notice to each subscriber" if r.flood.notice else "no alerts"
        line += (f"; a flood: recorded, {told} (more than {r.flood.limit:,} changes at once, "
                 "[polling] max_alerting_changes)")
    return line


async def _cmd_sources(app: application.App, _: argparse.Namespace) -> int:
    rows = [("ID", "KIND", "AGENCY", "LAST SUCCESS", "NEXT CHECK", "HEALTH", "LAST ERROR")]
    for h in await app.reading.sources():
        rows.append((h.id, h.kind, h.agency, _when(h.last_success), _next_check(h),
                     _health(h), "; ".join(n for n in (h.last_error, _held_back(h)) if n)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return 0


def _health(h: SourceHealth) -> str:
    return {Health.NEVER_POLLED: "never polled", Health.HEALTHY: "healthy",
            Health.FAILING: f"failing ({h.failures}x)",
            Health.UNHEALTHY: f"UNHEALTHY ({h.failures}x)",
            Health.DISABLED: waiting.gone_text(h.disabled_since)}[h.state]


def _next_check(h: SourceHealth) -> str:
    """When, and why later than its interval: the server asked, or it backs off."""
    why = {Wait.RETRY_AFTER: " (Retry-After)", Wait.BACKOFF: " (backing off)", None: ""}
    return _when(h.next_check) + why[h.waiting]


def _held_back(h: SourceHealth) -> str:
    """The source's last flood, until it announces changes normally again."""
    if not h.held_back:
        return ""
    return (f"{h.held_back:,} changes held back at {_when(h.held_back_at)} "
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
    found = await app.reading.stories(limit=args.limit)
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
