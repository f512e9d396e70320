"""Reading the config file: each way it can fail is one line naming the file, what is wrong
and what to do (the unreadable file, which needs another user, is in tests/test_cli_config.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings


def test_a_directory_is_named_as_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, {})
    assert str(err.value) == (f"config file {tmp_path} is a directory: name the file itself, "
                              f"e.g. --config {tmp_path / 'config.toml'}")


def test_a_file_that_is_not_utf8_says_where(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[polling]\nuser_agent = "caf\xe9"\n')  # Latin-1, as old editors save
    with pytest.raises(ConfigError) as err:
        load_settings(path, {})
    assert str(err.value) == (f"config file {path} is not UTF-8 text: byte 0xe9 at line 2 "
                              "(byte offset 27); save it with the UTF-8 encoding")


def test_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf[polling]\nfloor = 30\n")  # Notepad's UTF-8
    assert load_settings(path, {}).polling.floor == 30


def test_a_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[polling]\nfloor = 30\nceiling = \n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, {})
    assert str(err.value) == (f"{path}: not valid TOML: Invalid value (at line 3, column 11); "
                              "config.example.toml shows the syntax of every key")


def test_arrays_nested_too_deeply_are_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("x = " + "[" * 20_000 + "]" * 20_000 + "\n")
    with pytest.raises(ConfigError, match="not valid TOML: arrays or tables nested too deeply"):
        load_settings(path, {})


def test_a_huge_file_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "alertbot.db"
    path.write_bytes(b"# " + b"x" * 2_000_000 + b"\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, {})
    assert str(err.value) == (f"config file {path} is larger than 1_000_000 bytes: "
                              "is it the right file?")


def test_a_path_through_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "etc").write_text("")
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path / "etc" / "config.toml", {})
    assert str(err.value) == (f"config file {tmp_path}/etc/config.toml cannot be read: "
                              "Not a directory")
