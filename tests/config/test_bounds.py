"""Numbers and types in the config: nothing is coerced, every number is finite and bounded on
both sides, intervals fit floor..ceiling, and whatever the settings accept cannot overflow the
poll schedule."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from bot.app import policy_from
from bot.errors import ConfigError
from bot.ingest.schedule import next_check
from bot.models import Outcome
from bot.settings import SelectorSettings, Settings, SourceSettings, load_settings

SOURCE = '[[sources]]\nid = "x"\nagency = "x"\nurl = "https://x.gov/feed"\n'
SELECTORS = SOURCE + '[sources.selectors]\nlink_pattern = "/news/"\n'


def load(tmp_path: Path, toml: str) -> str:
    """The refusal, with the file's path cut out."""
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, {})
    return str(err.value).replace(f"{path}: ", "")


@pytest.mark.parametrize(("toml", "expected"), [
    ('[polling]\ntimeout = "20"\n', "polling.timeout = '20': expected a number above 0 and "
                                    "at most 300, not a string (write timeout = 20)"),
    ('[polling]\nbuiltin_sources = "no"\n', "polling.builtin_sources = 'no': expected true or "
                                            "false, not a string (write builtin_sources = false)"),
    ("[polling]\nbuiltin_sources = 1\n",
     "expected true or false, not a whole number (write builtin_sources = true)"),
    ("[polling]\njitter = true\n",
     "polling.jitter = true: expected a number at least 0 and below 1, not true/false"),
    ("[polling]\nunhealthy_after = 2.0\n", "polling.unhealthy_after = 2.0: expected a whole "
                                           "number from 1 to 1000, not a decimal number (write "
                                           "unhealthy_after = 2)"),
    ("[polling]\nunhealthy_after = 2.5\n",
     "polling.unhealthy_after = 2.5: expected a whole number from 1 to 1000, not a decimal "
     "number\n"),
    ('[storage]\nretention_days = "365"\n', "(write retention_days = 365)"),
    ("[polling]\nuser_agent = 5\n",
     "polling.user_agent = 5: expected text in quotes, not a whole number (write user_agent = "
     '"5")'),
    ('[polling]\ndisabled_sources = "ca-ag"\n',
     "polling.disabled_sources = 'ca-ag': expected an array, e.g. [\"a\", \"b\"], not a string "
     '(write disabled_sources = ["ca-ag"])'),
    ('[telegram]\noperators = ["123456"]\n',
     "telegram.operators.0 = '123456': expected a whole number from 1 to "),
    ("[telegram]\noperators = 123456\n", "(write operators = [123456])"),
    ("[telegram]\noperators = [-5]\n", "telegram.operators.0 = -5: expected a whole number"),
    ('[email]\nsmtp_port = "587"\n',
     "email.smtp_port = '587': expected a whole number from 1 to 65_535, not a string"),
    (SOURCE + 'interval = "600"\n', "sources.0.interval = '600': expected a number above 0 and "
                                    "at most 604_800, not a string (write interval = 600)"),
    (SELECTORS + 'max_pages = "3"\n', "sources.0.selectors.max_pages = '3': expected a whole "
                                      "number from 1 to 20, not a string (write max_pages = 3)"),
    (SOURCE + 'enabled = "false"\n', "(write enabled = false)"),
    ('[subscriptions]\nsynonyms = [["detainer", 7]]\n',
     "subscriptions.synonyms.0.1 = 7: expected text in quotes, not a whole number (write \"7\")"),
    ("[polling]\nfloor = 1979-05-27\n", "polling.floor = 1979-05-27: expected "
                                        "a number above 0 and at most 604_800, not a date"),
    ("polling = 5\n", "polling = 5: expected a table of keys, not a whole number"),
])
def test_no_value_is_coerced(tmp_path: Path, toml: str, expected: str) -> None:
    assert expected in load(tmp_path, toml) + "\n"


@pytest.mark.parametrize(("toml", "expected"), [
    ("[polling]\ntimeout = inf\n", "polling.timeout = inf: expected a number above 0 and at "
                                   "most 300"),
    ("[polling]\nceiling = inf\n", "polling.ceiling = inf: expected a number above 0 and at "
                                   "most 604_800"),
    ("[polling]\nceiling = 1e12\n", "polling.ceiling = 1000000000000.0: expected a number "
                                    "above 0 and at most 604_800"),
    ("[summaries]\nllm_timeout = nan\n", "summaries.llm_timeout = nan: expected a number"),
    ("[polling]\nmax_body_bytes = 10_000_000_000\n",
     "polling.max_body_bytes = 10000000000: expected a whole number from 1024 to 200_000_000"),
    ("[storage]\nretention_days = 1_000_000\n", "expected a whole number from 1 to 36_500"),
])
def test_the_issues_harmful_numbers_are_refused(tmp_path: Path, toml: str,
                                                expected: str) -> None:
    assert expected in load(tmp_path, toml)


def numeric_keys() -> list[tuple[str, str, str]]:
    """(TOML before the key, dotted key, 'int' or 'float') for every number in the config."""
    tables: list[tuple[str, str, type[BaseModel]]] = [
        (f"[{name}]\n", f"{name}.", info.annotation) for name, info in Settings.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)]
    tables += [(SOURCE, "sources.0.", SourceSettings),
               (SELECTORS, "sources.0.selectors.", SelectorSettings)]
    found = []
    for before, prefix, model in tables:
        for name, info in model.model_fields.items():
            kinds = {info.annotation, *get_args(info.annotation)} & {int, float}
            if kinds:
                found.append((before, prefix + (info.alias or name), kinds.pop().__name__))
    return found


@pytest.mark.parametrize(("before", "key", "kind"), numeric_keys(),
                         ids=[k for _, k, _ in numeric_keys()])
def test_every_number_is_finite_and_bounded_both_ways(tmp_path: Path, before: str, key: str,
                                                      kind: str) -> None:
    extremes = (["inf", "-inf", "nan", "1e300", "-1e300"] if kind == "float"
                else ["9_000_000_000_000_000_000", "-9_000_000_000_000_000_000"])
    for value in extremes:
        said = load(tmp_path, f"{before}{key.rpartition('.')[2]} = {value}\n")
        assert f"{key} = " in said and ": expected a " in said, said


def test_intervals_outside_floor_to_ceiling_are_refused(tmp_path: Path) -> None:
    said = load(tmp_path, "[polling]\ndefault_interval = 10\n")
    assert said == ("invalid configuration: polling: default_interval = 10 is outside [polling] "
                    "floor..ceiling (60..3600): no source is polled more often than the floor or "
                    "less often than the ceiling; change the interval or the range")
    said = load(tmp_path, SOURCE + "interval = 7200\n")
    assert said.startswith("invalid configuration: sources.0.interval = 7200 is outside "
                           "[polling] floor..ceiling (60..3600)")
    # An interval nobody wrote is not held against a narrowed range: the schedule clamps it.
    path = tmp_path / "narrow.toml"
    path.write_text("[polling]\nceiling = 120\n" + SOURCE + "interval = 90\n")
    assert load_settings(path, {}).polling.default_interval == 300


def test_every_array_takes_what_toml_gives(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[polling]\ndisabled_sources = ["ca-ag"]\nfloor = 1\nceiling = 60.5\n'
        '[subscriptions]\nsynonyms = [["detainer", "hold request"]]\n'
        "[telegram]\noperators = [123456789, 987654321]\n" + SOURCE + "interval = 2\n")
    settings = load_settings(path, {})
    assert settings.polling.disabled_sources == ("ca-ag",)
    assert settings.subscriptions.synonyms == (("detainer", "hold request"),)
    assert settings.telegram.operators == (123456789, 987654321)
    assert settings.sources[0].interval == 2.0 and settings.polling.floor == 1.0


EXTREMES = [0.001, 60.0, 604_800.0, 604_801.0, 1e12, 1e300, math.inf]


@given(floor=st.sampled_from(EXTREMES), ceiling=st.sampled_from(EXTREMES),
       interval=st.sampled_from(EXTREMES), failures=st.integers(0, 10**9),
       outcome=st.sampled_from(Outcome), rand=st.floats(0, 1),
       hint=st.sampled_from([None, -1.0, 0.0, 1e12, 1e300, math.inf, math.nan]))
def test_no_accepted_config_can_overflow_the_schedule(
    floor: float, ceiling: float, interval: float, failures: int, outcome: Outcome,
    rand: float, hint: float | None,
) -> None:
    data: dict[str, Any] = {
        "polling": {"floor": floor, "ceiling": ceiling, "builtin_sources": False},
        "sources": [{"id": "x", "agency": "x", "url": "https://x.gov/", "interval": interval}]}
    try:
        settings = Settings.model_validate(data)
    except ValidationError:
        return  # refused: it never reaches the schedule
    now = datetime(2100, 1, 1, tzinfo=UTC)
    due = next_check(policy_from(settings), now=now, outcome=outcome, failures=failures,
                     interval=settings.sources[0].interval, max_age=hint, ttl=hint,
                     retry_after=hint, rand=rand)
    assert now < due <= now + timedelta(days=7)
