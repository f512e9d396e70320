"""Rendering alerts as Telegram HTML: escaping, links, translation, splitting, merging.

Every part is checked by a small validator written here (strict: only what we mean to emit),
and by the fake Bot API server's parser too.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.render import (
    CALLBACK_MAX,
    LABELS,
    AlertView,
    escape,
    render_merged,
    render_merged_parts,
    render_telegram,
    split_html,
)
from tests.fakebot.tghtml import parse_html  # the fake Bot API server's parser: a 2nd opinion

TAG = re.compile(r'<(/?)([a-z-]+)((?: [a-z-]+="[^"<>]*")*)>')
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
ALLOWED = {"b", "i", "u", "s", "a", "code", "pre", "blockquote"}


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible(part: str) -> str:
    """The text Telegram would show; AssertionError for anything it would refuse."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(part):
        if part[i] == "<":
            m = TAG.match(part, i)
            assert m and m.group(2) in ALLOWED, f"bad tag at {i}: {part[i:i + 30]!r}"
            slash, name, attrs = m.groups()
            if slash:
                assert not attrs and stack and stack[-1] == name, f"unbalanced </{name}> at {i}"
                stack.pop()
            else:
                assert name != "a" or attrs.startswith(' href="'), "a link without href"
                assert "&" not in ENTITY.sub("", attrs), f"bare & in {attrs!r}"
                stack.append(name)
            i = m.end()
        elif part[i] == "&":
            m = ENTITY.match(part, i)
            assert m, f"bad entity at {i}: {part[i:i + 12]!r}"
            out.append(html.unescape(m.group(0)))
            i = m.end()
        else:
            assert part[i] != ">", f"bare > at {i}"
            out.append(part[i])
            i += 1
    assert not stack, f"unclosed {stack}"
    return "".join(out)


def check(parts: list[str], limit: int = 4096) -> str:
    """Every part valid, non-blank and within the limit; returns the text they show together."""
    shown = []
    for part in parts:
        text = visible(part).strip()
        assert text and units(text) <= limit, (units(text), part[:80])
        assert parse_html(part)[0].strip() == text
        shown.append(text)
    return "\n".join(shown)


def squash(text: str) -> str:
    return "".join(text.split())


def view(**over: object) -> AlertView:
    base = AlertView(
        kind="new", title="ICE lodges detainer with Ventura County",
        summary="ICE lodged a detainer with the Ventura County Jail on Feb. 10.",
        notes=(), url="https://www.ice.gov/news/releases/ventura-detainer",
        source_name="ICE breaking news", agency="ice",
        published=datetime(2026, 2, 11, 14, 5, tzinfo=UTC),
        reasons=('"detainer" in title', "Ventura County ⊂ California"), story_id="s-0123456789ab")
    return replace(base, **over)  # type: ignore[arg-type]


def texts(messages: list) -> list[str]:
    return [m.text for m in messages]


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a < b", "a &lt; b"), ("AT&T", "AT&amp;T"), ("</b>", "&lt;/b&gt;"),
    ("&amp;", "&amp;amp;"), ('say "hi"', 'say "hi"'), ("nul\x00bell\x07", "nulbell"),
    ("a\r\nb\rc", "a\nb\nc"), ("lone \ud800 surrogate", "lone \ufffd surrogate"),
])
def test_escape(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


@pytest.mark.parametrize("title", [
    "a < b", "AT&T & ICE", "</b> closes nothing", "&amp; literally", "<script>x</script>",
    "5 > 3", "&#x27; and &nbsp;", "<a href='https://evil'>click</a>", "emoji 🇺🇸 👩‍👩‍👧",
])
def test_feed_text_comes_out_as_text(title: str) -> None:
    shown = check(texts(render_telegram(view(title=title, summary=title, notes=(title,)))))
    assert shown.count(title) == 3


@pytest.mark.parametrize(("url", "linked"), [
    ('https://example.gov/a"b?x=1&y=2', True), ("https://example.gov/it's<here>", True),
    ("http://example.gov/", True), ("javascript:alert(1)", False),
    ("https://exa mple.gov/", False), ("ftp://example.gov/file", False),
    ("/relative/path", False), ("", False),
])
def test_links_are_attribute_escaped_or_shown_as_text(url: str, linked: bool) -> None:
    (part,) = texts(render_telegram(view(url=url)))
    hrefs = [html.unescape(h) for h in re.findall(r'<a href="([^"]*)">', part)]
    assert hrefs == ([url] if linked else [])
    shown = check([part])
    assert ("Read the release" in shown) is bool(url)  # no URL, no link line
    assert linked or url in shown  # a URL we will not link is still shown, as text


def test_alert_says_what_why_and_where() -> None:
    v = view(kind="development", notes=("Adds: the jail released him on Feb. 9.",),
             story_title="Sanctuary California", response_note="California responded 5 h later")
    (msg,) = render_telegram(v)
    shown = check([msg.text])
    for text in ("Development", "ICE", "ICE breaking news", "2026-02-11 14:05 UTC", v.title,
                 v.summary, v.notes[0], "Story: Sanctuary California", v.response_note,
                 'Why you got this: "detainer" in title; Ventura County ⊂ California'):
        assert text in shown
    assert msg.buttons == (("Mute story", "mute:s-0123456789ab"),
                           ("More like this", "more:s-0123456789ab"),
                           ("Unsubscribe", "menu:unsub"))
    for story_id in ("s-" + "x" * 80, None):  # callback data over 64 bytes, or no story
        assert render_telegram(view(story_id=story_id))[0].buttons == (("Unsubscribe",
                                                                        "menu:unsub"),)


def test_spanish_labels_and_buttons_but_the_summary_stays_in_its_language() -> None:
    (msg,) = render_telegram(view(kind="revision", story_title="Detenciones"), lang="es")
    shown = check([msg.text])
    for text in ("Revisado", "Por qué lo recibes", "Leer el comunicado", "Historia: Detenciones",
                 "ICE lodged a detainer"):
        assert text in shown
    assert [b[0] for b in msg.buttons] == ["Silenciar historia", "Más como esto",
                                           "Cancelar suscripción"]
    assert set(LABELS["es"]) == set(LABELS["en"])


@pytest.mark.parametrize(("lang", "word"), [("es-419", "Nuevo"), ("ES", "Nuevo"), ("fr", "New"),
                                            ("", "New")])
def test_language_fallback(lang: str, word: str) -> None:
    assert word in check(texts(render_telegram(view(), lang=lang)))


def long_body(n: int = 10_000) -> str:
    sentence = "ICE & DHS said <detainers> rose 😀👍🏽 in </b> Ventura County. "
    paras = []
    while sum(map(len, paras)) < n:
        paras.append(sentence * 7 + "\n" + sentence * 3)
    return "\n\n".join(paras)[:n]


def test_ten_thousand_characters_with_emoji_split_into_valid_parts() -> None:
    v = view(summary=long_body(), notes=("Adds: " + long_body(2_000),))
    messages = render_telegram(v)
    assert len(messages) >= 3
    shown = check(texts(messages))
    whole = visible(render_telegram(v, limit=10**9)[0].text)
    assert squash(shown) == squash(whole)  # nothing lost or repeated but separators
    assert [bool(m.buttons) for m in messages] == [False] * (len(messages) - 1) + [True]


def test_size_is_counted_in_utf16_units() -> None:
    body = "😀" * 3000  # 3,000 characters but 6,000 UTF-16 units
    parts = split_html(body)
    assert len(parts) == 2 and "".join(parts) == body
    assert all(units(p) <= 4096 for p in parts)
    with pytest.raises(ValueError, match="limit"):
        split_html("x", 1)  # a limit must hold any character


@pytest.mark.parametrize(("source", "limit", "parts"), [
    ("First one. Second.\n\nThird para here.", 30, ["First one. Second.", "Third para here."]),
    ("aaaa bbbb.\ncccc dddd eeee", 20, ["aaaa bbbb.", "cccc dddd eeee"]),
    ("One two three. Four five six seven", 20, ["One two three.", "Four five six seven"]),
    ("one two three four", 10, ["one two", "three four"]),
    ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
    ("&amp;" * 7, 3, ["&amp;" * 3, "&amp;" * 3, "&amp;"]),
    ("<b>bold words here</b>", 10, ["<b>bold words</b>", "<b>here</b>"]),
    ('<a href="https://x.gov/?a=1&amp;b=2">link text</a>', 5,
     ['<a href="https://x.gov/?a=1&amp;b=2">link</a>', '<a href="https://x.gov/?a=1&amp;b=2">text</a>']),
    ("short <i>and</i> fine", 4096, ["short <i>and</i> fine"]),
    ("a < b & c > d", 4096, ["a &lt; b &amp; c &gt; d"]),
    ("<b>never closed", 4096, ["<b>never closed</b>"]),
    ("closes nothing</b>", 4096, ["closes nothing"]),
    ("<blink>x</blink>", 4096, ["&lt;blink&gt;x&lt;/blink&gt;"]),
    ("   \n\n  ", 4096, []),
])
def test_split_html(source: str, limit: int, parts: list[str]) -> None:
    assert split_html(source, limit) == parts
    check(parts, limit)


def test_a_tag_open_at_a_split_is_closed_and_reopened() -> None:
    parts = split_html("<b>" + "word " * 2000 + "</b>", 100)
    assert len(parts) > 50
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)
    check(parts, 100)


@pytest.mark.parametrize(("word", "limit"), [("👩‍👩‍👧", 11), ("👍🏽", 6), ("e\u0301", 9), ("❤️", 9)])
def test_a_word_longer_than_the_limit_keeps_its_characters_whole(word: str, limit: int) -> None:
    parts = split_html(word * 50, limit)
    assert "".join(parts) == word * 50
    assert all(p.startswith(word) for p in parts)
    check(parts, limit)


def alerts(n: int) -> list[AlertView]:
    return [view(title=f"Release {i}: detainers & <releases> in county {i}",
                 url=f"https://www.ice.gov/news/{i}", kind=("new", "development")[i % 2],
                 notes=(f"Adds: a figure of {i * 1000} releases, up from {i * 900} last year.",
                        "second note, not shown"))
            for i in range(1, n + 1)]


def test_a_burst_of_twelve_is_one_numbered_message() -> None:
    (msg,) = render_merged(alerts(12))
    shown = check([msg.text])
    assert shown.startswith("📰 12 alerts")
    for i, v in enumerate(alerts(12), 1):
        assert f"\n{i}. " in shown and v.title in shown and v.notes[0] in shown
        assert f'<a href="{v.url}">' in msg.text
    assert "second note" not in shown
    assert msg.buttons == (("Unsubscribe", "menu:unsub"),)
    assert render_merged([]) == []
    assert render_merged([view()]) == render_telegram(view())  # one alert is rendered whole


def test_a_merged_message_splits_only_when_it_must() -> None:
    big = [replace(v, notes=(long_body(),), title=long_body(300)) for v in alerts(40)]
    messages = render_merged(big, lang="es")
    assert len(messages) > 1 and visible(messages[0].text).startswith("📰 40 alertas")
    check(texts(messages))
    assert [m.buttons for m in messages[:-1]] == [()] * (len(messages) - 1)
    assert messages[-1].buttons == (("Cancelar suscripción", "menu:unsub"),)


any_text = st.text(max_size=300)


@settings(max_examples=200, deadline=None)
@given(title=any_text, summary=st.text(max_size=3000), notes=st.lists(any_text, max_size=4),
       url=st.one_of(any_text, st.just("https://x.gov/a?b=1&c=\"2\"")), source=any_text,
       reasons=st.lists(any_text, max_size=3), story=st.none() | any_text,
       story_id=st.none() | st.text(max_size=70), kind=st.sampled_from(["new", "revision", "x"]),
       lang=st.sampled_from(["en", "es", "zz"]), limit=st.sampled_from([40, 300, 4096]))
def test_any_feed_text_renders_to_valid_parts_that_fit(
    title: str, summary: str, notes: list[str], url: str, source: str, reasons: list[str],
    story: str | None, story_id: str | None, kind: str, lang: str, limit: int,
) -> None:
    v = AlertView(kind, title, summary, tuple(notes), url, source, source[:5], None,
                  tuple(reasons), story_title=story, response_note=story, story_id=story_id)
    for messages in (render_telegram(v, lang=lang, limit=limit),
                     render_merged([v, v], lang=lang, limit=limit)):
        assert messages
        check(texts(messages), limit)
        assert all(not m.buttons for m in messages[:-1])
        assert all(len(data.encode()) <= CALLBACK_MAX for _, data in messages[-1].buttons)


fragment = st.tuples(st.sampled_from(["", "b", "i", "a"]), st.text(max_size=200))


@settings(max_examples=200, deadline=None)
@given(fragments=st.lists(fragment, max_size=20), limit=st.integers(2, 500))
def test_split_keeps_any_markup_valid_and_loses_only_whitespace(
    fragments: list[tuple[str, str]], limit: int,
) -> None:
    def wrap(tag: str, text: str) -> str:
        opening = '<a href="https://x.gov/?q=&quot;1&quot;">' if tag == "a" else f"<{tag}>"
        return f"{opening}{escape(text)}</{tag}>" if tag else escape(text)

    source = "".join(wrap(tag, text) for tag, text in fragments)
    parts = split_html(source, limit)
    assert squash(check(parts, limit)) == squash(visible(source))


def test_a_digest_lists_a_storys_updates_together_under_its_title() -> None:
    detainers = "DHS & ICE call on California to honour 33,179 detainers"
    a1 = view(title="ICE: 33,179 detainers", story_id="s-a", story_title=detainers,
              url="https://www.ice.gov/a1")
    b1 = view(title="Raid in Oxnard", story_id="s-b", story_title=None,
              url="https://www.ice.gov/b1")
    a2 = view(title="Governor disputes the figure", story_id="s-a", story_title=detainers,
              url="https://www.ice.gov/a2", kind="development")
    lone = view(title="A lone release", story_id=None, url="https://www.ice.gov/c1")
    (msg,) = render_merged([a1, b1, a2, lone], lang="en", digest=True)
    shown = check([msg.text])
    assert shown.startswith("📰 Your digest: 4 alerts")
    order = [shown.index(t) for t in ("DHS & ICE call on California", "1. ", "ICE: 33,179",
                                      "2. ", "Governor disputes", "3. ", "Raid in Oxnard",
                                      "4. ", "A lone release")]
    assert order == sorted(order)  # the story's updates together, under its title, numbered
    assert "· 2 updates" in shown and shown.count("📌") == 1
    es = check([m.text for m in render_merged([a1, a2], lang="es")])
    assert "· 2 novedades" in es


def test_merged_parts_say_which_alerts_each_part_completes() -> None:
    many = [view(title=f"Update {i} " + "of the detainer story " * 8, story_id=f"s-{i % 3}",
                 story_title=f"Story {i % 3}", url=f"https://www.ice.gov/{i}")
            for i in range(60)]
    parts = render_merged_parts(many, limit=1500)
    assert len(parts) > 3
    done = [i for _, completed in parts for i in completed]
    assert sorted(done) == list(range(60))  # each alert completed by exactly one part
    for message, completed in parts:
        for i in completed:
            assert f'href="https://www.ice.gov/{i}"' in message.text


def test_a_chat_message_drops_bidi_overrides_stored_before_normalisation_did() -> None:
    view = AlertView(kind="new", title="invoice_\u202egnp.exe", summary="a\u2066b\u2069",
                     notes=("c\u202ad",), url="https://www.ice.gov/x", source_name="ICE",
                     agency="ice", published=None, reasons=())
    [message] = render_telegram(view)
    assert "invoice_gnp.exe" in message.text and "ab" in message.text and "cd" in message.text
    assert not any(c in message.text for c in "\u202a\u202e\u2066\u2069")
