"""Addresses, storage URLs and secrets in the config: refused when unusable, with the key, the
value and what to write; kept exactly as written when good."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings

SOURCE = '[[sources]]\nid = "x"\nagency = "x"\nurl = "{}"\n'
ADDRESS = "expected an absolute http:// or https:// address"


def load(tmp_path: Path, toml: str, environ: dict[str, str] | None = None) -> str:
    """The refusal, with the file's path cut out."""
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ or {})
    return str(err.value).replace(f"{path}: ", "")


@pytest.mark.parametrize(("toml", "expected"), [
    (SOURCE.format("http://exa mple.gov/feed"),
     "sources.0.url = 'http://exa mple.gov/feed': the host 'exa mple.gov' has a space in it"),
    (SOURCE.format("http://[2001:db8::1/feed"),
     "sources.0.url = 'http://[2001:db8::1/feed': the IPv6 host is not valid (it goes in "
     "brackets"),
    (SOURCE.format("https://www.ice.gov:99999/feed"),
     "sources.0.url = 'https://www.ice.gov:99999/feed': the port must be a number from 1 to "
     "65535"),
    (SOURCE.format("https://www.ice.gov:0/feed"), "port 0 is not a port: use 1 to 65535"),
    (SOURCE.format("http://300.1.1.1/feed"), "the IPv4 host is not valid"),
    (SOURCE.format("https:///feed"), "sources.0.url = 'https:///feed': it has no host name"),
    (SOURCE.format("www.ice.gov/feed"), "must start with http:// or https://"),
    (SOURCE.format("https://www.ice.gov/feed\\t"),
     "sources.0.url = 'https://www.ice.gov/feed\\t': it starts or ends with a space"),
    (SOURCE.format("https://www.ice.gov/\\u0000feed"), "it contains a control character"),
    ('[telegram]\nbase_url = "https://api telegram.org/bot"\n',
     "telegram.base_url = 'https://api telegram.org/bot': the host 'api telegram.org' has a "
     f"space in it; {ADDRESS}"),
    ('[summaries]\nllm_base_url = "localhost:8000/v1"\nllm_model = "m"\n',
     "summaries.llm_base_url = 'localhost:8000/v1': the address must start with http://"),
    ('[web]\npublic_url = "https://alerts.example.org:123456/"\n',
     "web.public_url = 'https://alerts.example.org:123456/': the port must be a number"),
    ('[web]\nlisten = "127.0.0.1:99999"\n',
     "web.listen = '127.0.0.1:99999': port 99999 is out of range: use 1 to 65535"),
    ('[web]\nlisten = "127.0.0.1:0"\n', "port 0 is out of range: use 1 to 65535"),
    ('[web]\nlisten = "::1:8080"\n', "an IPv6 host goes in brackets, e.g. [::1]:8080"),
    ('[web]\nlisten = "[::1:8080"\n', "the [ ] around the IPv6 host are not balanced"),
    ('[web]\nlisten = "local host:8080"\n', "the host 'local host' has a space in it"),
    ('[web]\nlisten = "example.org/health:8080"\n', "not a host name; expected host:port"),
])
def test_addresses_are_parsed_for_real(tmp_path: Path, toml: str, expected: str) -> None:
    assert expected in load(tmp_path, toml)


def test_good_addresses_are_kept_as_written(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(SOURCE.format("https://Bücher.example/Feed?a=1") + """
[web]
listen = "[::1]:8080"
public_url = "https://alerts.example.org/"
[telegram]
base_url = "http://[::1]:8081/bot"
[summaries]
llm_base_url = "http://127.0.0.1:8000/v1"
llm_model = "local"
""", encoding="utf-8")
    settings = load_settings(path, {})
    assert settings.sources[0].url == "https://Bücher.example/Feed?a=1"  # not punycoded
    assert settings.web.listen == "[::1]:8080"
    assert settings.telegram.base_url == "http://[::1]:8081/bot"


@pytest.mark.parametrize(("url", "expected"), [
    ("sqlite:///", "storage.url = 'sqlite:///': no database file named: all state would be "
                   "lost at exit; write sqlite:///alertbot.db"),
    ("sqlite://", "no database file named"),
    ("sqlite:///:memory:", "an in-memory database loses all state at exit; write sqlite:///"),
    ("sqlite://:memory:", "an in-memory database loses all state at exit"),
    ("sqlite:///file:state?mode=memory&cache=shared", "an in-memory database"),
    ("sqlite://alertbot.db", "expected three slashes then the file"),
    ("sqlite:///var/lib/", "'var/lib/' names a directory: add the file name"),
    ("postgresql://", "a host (or a socket directory in ?host=) is needed"),
    ("postgresql://db.internal", "a database name is needed after the host"),
    ("postgresql://db.internal:99999/alerts", "the port must be a number from 1 to 65535"),
])
def test_storage_that_would_lose_state_is_refused(tmp_path: Path, url: str,
                                                  expected: str) -> None:
    assert expected in load(tmp_path, f'[storage]\nurl = "{url}"\n')
    # The environment override is held to the same rule.
    assert expected in load(tmp_path, "", {"ALERTBOT_STORAGE_URL": url})


@pytest.mark.parametrize("url", ["sqlite:///alertbot.db", "sqlite:////var/lib/alertbot/a.db",
                                 "postgresql://bot@db.internal/alerts",
                                 "postgresql:///alerts?host=/run/postgresql"])
def test_storage_urls_that_keep_state_are_accepted(tmp_path: Path, url: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[storage]\nurl = "{url}"\n')
    assert load_settings(path, {}).storage.url == url


def test_no_secret_is_ever_echoed_in_a_refusal(tmp_path: Path) -> None:
    said = load(tmp_path, '[telegram]\ntoken = 123456789\n'
                          '[storage]\nurl = "postgresql://bot:hunter2@/alerts"\n')
    assert "123456789" not in said and "hunter2" not in said
    assert "telegram.token = <redacted>: expected text in quotes, not a whole number" in said
    assert "storage.url = 'postgresql://bot:<redacted>@/alerts': a host" in said
    said = load(tmp_path, '[telegram]\ntokne = "123:misspelt-key-secret"\n')
    assert said == "invalid configuration: telegram.tokne = <redacted>: unknown key (check " \
                   "the spelling against config.example.toml)"
    said = load(tmp_path, "", {"TELEGRAM_BOT_TOKEN": "123:secret-token\n"})
    assert "secret-token" not in said
    assert said == ("invalid configuration: telegram.token = <redacted>: it contains a space, "
                    "a line break or a non-ASCII character: copy the token again without them")


def test_a_user_agent_that_http_cannot_send_is_refused(tmp_path: Path) -> None:
    said = load(tmp_path, '[polling]\nuser_agent = "alertbot é"\n')
    assert said == ("invalid configuration: polling.user_agent = 'alertbot é': it is sent as an "
                    "HTTP header: use printable ASCII characters only, no line breaks or accents")


def test_a_section_that_is_not_a_table_is_refused_with_an_env_secret(tmp_path: Path) -> None:
    said = load(tmp_path, 'telegram = "123:abc"\n', {"TELEGRAM_BOT_TOKEN": "123:abc"})
    assert said == "invalid configuration: telegram = <redacted>: expected a table of keys, " \
                   "not a string"

