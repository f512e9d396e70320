"""Logging set-up and the one-line-per-unit-of-work format.

`setup_logging` is called by the CLI only (no logging set-up at import anywhere). Records that
carry `extra={"fields": {...}}` print as `event key=value ...` in text mode, or as one JSON
object per line with `--log-format json`. httpx's request log is raised to WARNING: request
URLs carry bot tokens (Telegram puts the token in the path).

Must not import anything from the project.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

QUIET_LOGGERS = ("httpx", "httpcore", "aiohttp.access", "trafilatura", "hpack")


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one unit of work: a fixed event name and its fields."""
    logger.log(level, name, extra={"fields": fields})


def _text_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    text = "-" if value is None else str(value)
    return f'"{text}"' if (" " in text or not text) else text


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        fields = getattr(record, "fields", None) or {}
        kv = " ".join(f"{k}={_text_value(v)}" for k, v in fields.items())
        line = f"{ts} {record.levelname:<7} {record.getMessage()}" + (f" {kv}" if kv else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for k, v in (getattr(record, "fields", None) or {}).items():
            out[k] = v.isoformat() if isinstance(v, datetime) else v
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text", stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
