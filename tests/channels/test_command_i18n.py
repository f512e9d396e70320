"""The languages of chat replies: how one is chosen, the English and Spanish catalogs kept
key for key, and the Spanish for every error and description the subscriptions library
writes (provoked for real, through the real SubscriptionService and SQLite store)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels import i18n_subs
from bot.channels.i18n import EN, ES, MENU, pick_lang
from bot.store import Store, open_store
from subscriptions.query import QueryError
from subscriptions.service import ServiceError
from tests.channels.commands_kit import NOW, make_commands
from tests.fakebot.tghtml import parse_html

CHAT = "1001"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = open_store(f"sqlite:///{tmp_path}/i18n.db")
    await s.migrate()
    yield s
    await s.close()


@pytest.mark.parametrize(("stored", "user", "lang"), [
    (None, "es", "es"), (None, "es-MX", "es"), (None, "ES_us", "es"), (None, "en-GB", "en"),
    (None, "pt-BR", "en"), (None, None, "en"), ("es", "en", "es"), ("en", "es", "en"),
    ("fr", "es", "es"),
])
def test_pick_lang(stored: str | None, user: str | None, lang: str) -> None:
    assert pick_lang(stored, user) == lang


def test_catalogs_match_key_for_key_and_placeholder_for_placeholder() -> None:
    assert EN.keys() == ES.keys()
    fields = re.compile(r"\{(\w+)\}")
    for key in EN:
        assert set(fields.findall(EN[key])) == set(fields.findall(ES[key])), key
        for text in (EN[key], ES[key]):
            parse_html(text.replace("{", "").replace("}", "") or "x")  # valid markup
    assert [c for c, _ in MENU["en"]] == [c for c, _ in MENU["es"]]


BAD_QUERIES = [
    '"immigration detainer', '""', '"ice"hold', 'ice"hold', "(a OR b)", "- x", "at:home",
    "-in:California", "in:", "OR detainer", "detainer OR", "a OR -b", "a OR in:Kern", "!!!",
    'in:"Los Angles"', "in:Xqzzyville", "from:cbp", "from:icee", "x " * 200, "a " * 25,
    "-football", "",
]


@pytest.mark.parametrize("query", BAD_QUERIES, ids=range(len(BAD_QUERIES)))
async def test_every_query_error_has_spanish(store: Store, query: str) -> None:
    _, service, _ = make_commands(store)
    with pytest.raises(QueryError) as caught:
        service.parse(query)
    assert i18n_subs.known(caught.value.message), caught.value.message
    if caught.value.hint:
        assert i18n_subs.known(caught.value.hint, is_hint=True), caught.value.hint


async def test_every_service_error_has_spanish(store: Store) -> None:
    _, service, _ = make_commands(store)
    said = []
    for call in (lambda: service.unsubscribe("telegram", CHAT, "1"),
                 lambda: service.set_paused("telegram", CHAT, True)):
        with pytest.raises(ServiceError) as caught:
            await call()
        said.append(str(caught.value))
    for q in ("a", "b", "c"):
        await service.subscribe("telegram", CHAT, q, now=NOW)
    for which in ("9", "x", " "):
        with pytest.raises(ServiceError) as caught:
            await service.unsubscribe("telegram", CHAT, which)
        said.append(str(caught.value))
    with pytest.raises(ServiceError) as caught:
        await service.subscribe("telegram", CHAT, "d", now=NOW)
    said.append(str(caught.value))
    assert all(i18n_subs.known(s) for s in said), said


@pytest.mark.parametrize(("english", "spanish"), [
    ("everything · in California", "todo · en California"),
    ('"ICE or CBP" or detainer (also matching: ICE hold) · not football · from ICE or DHS',
     '"ICE or CBP" o detainer (también: ICE hold) · sin football · de ICE o DHS'),
])
def test_descriptions_in_spanish(english: str, spanish: str) -> None:
    assert i18n_subs.description("es", english) == spanish
    assert i18n_subs.description("en", english) == english
