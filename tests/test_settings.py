"""Settings: TOML + environment → frozen, validated Settings; errors name key, value, rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config.unused import unused_sections
from bot.errors import ConfigError
from bot.settings import load_settings, redacted

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid_and_matches_defaults() -> None:
    from_file = load_settings(ROOT / "config.example.toml", {})
    defaults = load_settings(None, {})
    assert from_file == defaults, "config.example.toml must show every default as it is"


def test_defaults_watch_the_builtin_newsrooms() -> None:
    ids = [s.id for s in load_settings(None, {}).effective_sources()]
    assert ids == ["ice-breaking", "ice-ero", "dhs-press", "ca-governor", "ca-ag"]


def test_settings_are_frozen() -> None:
    settings = load_settings(None, {})
    with pytest.raises(ValidationError):
        settings.polling.floor = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[polling]\nfloor = -5\n", "polling.floor = -5: expected a number above 0 and at most"),
        ("[polling]\nfloor = 100\nceiling = 10\n", "floor (100.0) must not exceed ceiling"),
        ("[polling]\nflor = 10\n", "polling.flor = 10: unknown key"),
        ("[storage]\nurl = \"mysql://x\"\n", "storage.url = 'mysql://x': expected sqlite:///"),
        ("[log]\nformat = \"xml\"\n", "log.format = 'xml': Input should be 'text' or 'json'"),
        ("[web]\nlisten = \"8080\"\n", "web.listen = '8080': expected host:port"),
        ("[[sources]]\nid = \"Bad Id\"\nurl = \"https://x.gov/feed\"\nagency = \"x\"\n",
         "sources.0.id = 'Bad Id': use lower-case letters"),
        ("[[sources]]\nid = \"x\"\nurl = \"ftp://x.gov/feed\"\nagency = \"x\"\n",
         "sources.0.url = 'ftp://x.gov/feed': the address must start with http://"),
        ("[[sources]]\nid = \"x\"\nkind = \"html\"\nurl = \"https://x.gov/\"\nagency = \"x\"\n",
         'kind = "html" needs [sources.selectors]'),
        ("[[sources]]\nid = \"x\"\nkind = \"html\"\nurl = \"https://x.gov/\"\nagency = \"x\"\n"
         "[sources.selectors]\nlink_pattern = \"(\"\n",
         "sources.0.selectors.link_pattern = '(': not a valid regular expression"),
        ("[[sources]]\nid = \"x\"\nkind = \"rss\"\nurl = \"https://x.gov/\"\nagency = \"x\"\n",
         "sources.0.kind = 'rss': Input should be 'feed' or 'html'"),
        ("[polling]\ndisabled_sources = [\"ice-breakng\"]\n",
         "unknown source id 'ice-breakng'; known ids:"),
        ("[polling\n", "not valid TOML"),
        ("[[sources]]\nid = \"x\"\nurl = \"https://x.gov/\"\nagency = \"x\"\n"
         "jurisdiction = \"Califronia\"\n",
         "sources.0.jurisdiction = 'Califronia': unknown place \"Califronia\" — did you mean"),
        ("[subscriptions]\nsynonyms = [[\"detainer\"]]\n",
         "each group needs two or more different terms"),
        ("[summaries]\nllm_base_url = \"http://127.0.0.1:9/v1\"\n",
         "llm_base_url is set but llm_model is empty"),
    ],
)
def test_bad_values_name_key_value_and_rule(tmp_path: Path, toml: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, toml), {})
    assert expected in str(err.value)


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found .*config.example.toml"):
        load_settings(tmp_path / "nope.toml", {})


def test_sources_added_overridden_and_disabled(tmp_path: Path) -> None:
    path = write(tmp_path, """
[polling]
disabled_sources = ["ca-ag"]
floor = 10

[[sources]]
id = "ice-breaking"
url = "http://127.0.0.1:9/ice.xml"
agency = "ICE"
interval = 30

[[sources]]
id = "listing"
kind = "html"
url = "https://example.gov/news"
agency = "example"
jurisdiction = "California"
[sources.selectors]
link_pattern = '/news/\\d+'
max_pages = 3
""")
    sources = {s.id: s for s in load_settings(path, {}).effective_sources()}
    assert "ca-ag" not in sources
    assert sources["ice-breaking"].url == "http://127.0.0.1:9/ice.xml"
    assert sources["ice-breaking"].agency == "ice" and sources["ice-breaking"].interval == 30
    assert sources["listing"].selectors is not None
    assert sources["listing"].selectors.max_pages == 3


def test_builtins_can_be_switched_off_as_a_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "[polling]\nbuiltin_sources = false\n")
    assert load_settings(path, {}).effective_sources() == ()


def test_secrets_from_environment_are_redacted(tmp_path: Path) -> None:
    path = write(tmp_path, '[storage]\nurl = "postgresql://bot:hunter2@db/alerts"\n'
                           '[email]\npassword = "smtp-secret"\n')
    settings = load_settings(path, {"TELEGRAM_BOT_TOKEN": "123456:ABC-secret",
                                    "DISCORD_BOT_TOKEN": "discord-secret",
                                    "ALERTBOT_LLM_API_KEY": "sk-llm-secret"})
    assert settings.telegram.token == "123456:ABC-secret"
    shown = str(redacted(settings))
    assert settings.summaries.llm_api_key == "sk-llm-secret"
    for secret in ("123456:ABC-secret", "discord-secret", "smtp-secret", "hunter2",
                   "sk-llm-secret"):
        assert secret not in shown
    assert "<redacted>" in shown and "postgresql://bot:<redacted>@db/alerts" in shown


def test_llm_summaries_are_off_by_default_and_wired_when_configured(tmp_path: Path) -> None:
    from bot.app import summarizer_from
    from bot.stories.summarize import ExtractiveSummarizer, LLMSummarizer

    assert isinstance(summarizer_from(load_settings(None, {})), ExtractiveSummarizer)
    path = write(tmp_path, '[summaries]\nllm_base_url = "http://127.0.0.1:9/v1"\n'
                           'llm_model = "local"\n')
    llm = summarizer_from(load_settings(path, {"ALERTBOT_LLM_API_KEY": "sk-secret-7"}))
    assert isinstance(llm, LLMSummarizer) and llm.api_key == "sk-secret-7"
    assert "sk-secret-7" not in repr(llm)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[polling]\ndeveloping_interval = 0\n",
         "polling.developing_interval = 0: expected a number above 0 and at most 86_400"),
        ("[polling]\nnight_start = 24\n",
         "polling.night_start = 24: expected a whole number from 0 to 23"),
        ("[polling]\nquiet_factor = 0.5\n",
         "polling.quiet_factor = 0.5: expected a number from 1 to 100"),
        ("[polling]\ndeveloping_for = inf\n",
         "polling.developing_for = inf: expected a number from 60 to 604_800"),
        ("[[sources]]\nid = \"x\"\nurl = \"https://x.gov/\"\nagency = \"x\"\n"
         "timezone = \"Pacific/Sacramento\"\n",
         "sources.0.timezone = 'Pacific/Sacramento': unknown time zone: use an IANA name"),
    ],
)
def test_bad_schedule_values_name_key_value_and_rule(tmp_path: Path, toml: str,
                                                     expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, toml), {})
    assert expected in str(err.value)


def test_a_source_may_name_its_time_zone(tmp_path: Path) -> None:
    path = write(tmp_path, "[[sources]]\nid = \"x\"\nurl = \"https://x.gov/\"\nagency = \"x\"\n"
                           "timezone = \"America/Chicago\"\n")
    [source] = [s for s in load_settings(path, {}).effective_sources() if s.id == "x"]
    assert source.timezone == "America/Chicago"


def test_sections_not_built_yet_are_named_when_configured(tmp_path: Path) -> None:
    assert unused_sections(load_settings(ROOT / "config.example.toml", {})) == {}
    discord = unused_sections(load_settings(None, {"DISCORD_BOT_TOKEN": "discord-secret"}))
    assert discord == {"discord": "the Discord channel is not built, so nothing is sent to "
                                  "Discord"}
    path = write(tmp_path, '[email]\nsmtp_host = "mail.example.org"\n')
    assert list(unused_sections(load_settings(path, {}))) == ["email"]
