"""The config file to a dict. Every way reading it can fail is one ConfigError line: the path,
what is wrong, and what to do about it (never an OSError or a UnicodeDecodeError traceback).

Must not import anything from the project except bot.errors.
"""

from __future__ import annotations

import codecs
import tomllib
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

# A config file is a few kilobytes: anything this large is the wrong file (a log, a database).
MAX_BYTES = 1_000_000


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document at `path`, as tomllib gives it."""
    data = _read_bytes(path).removeprefix(codecs.BOM_UTF8)  # editors on Windows add one
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"config file {path} is not UTF-8 text: byte 0x{data[exc.start]:02x} at line "
            f"{line} (byte offset {exc.start}); save it with the UTF-8 encoding") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}; config.example.toml shows the "
                          "syntax of every key") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: arrays or tables nested too deeply") from None


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found (copy config.example.toml)") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory: name the file itself, e.g. "
                          f"--config {path / 'config.toml'}") from None
    except PermissionError:
        raise ConfigError(f"config file {path} cannot be read: permission denied; make it "
                          "readable by the user alertbot runs as (chmod or chown)") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: "
                          f"{exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(f"config file {path} is larger than {MAX_BYTES:_} bytes: "
                          "is it the right file?")
    return data
