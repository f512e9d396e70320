"""bot.ingest.article: the body text of release pages (tests/fixtures/dhs, written for tests)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ingest.article import extract_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dhs"
DETAINERS = FIXTURES / "release-2026-02-11-detainers-33179.html"
GRANTS = FIXTURES / "release-2026-02-10-cybersecurity-grants.html"
CHROME = [
    "Here’s how you know",  # gov banner
    "Skip to main content",
    "Border Security",  # header mega-menu and footer menu
    "Share on Facebook",  # sidebar
    "More Press Releases",
    "No FEAR Act",  # identifier footer
    "Privacy Policy",
    "Visit USA.gov",
    "Return to top",
]


def test_release_text_has_the_key_facts_and_no_chrome() -> None:
    text = extract_text(DETAINERS.read_bytes(), url="https://www.dhs.gov/news/2026/02/11/x")
    assert text is not None
    for fact in ("33,179", "4,561", "Ventura County Jail", "Jorge Lopez Santos", "866-DHS-2-ICE"):
        assert fact in text
    for chrome in CHROME:
        assert chrome not in text
    assert "###" not in text  # the end-of-release mark is layout
    assert "\n\n" in text  # paragraphs stay apart
    assert text.index("WASHINGTON") < text.index("Ventura County Jail") < text.index("866-DHS")


def test_unrelated_release() -> None:
    text = extract_text(GRANTS.read_text(encoding="utf-8"))
    assert text is not None and "multi-factor authentication" in text
    assert "33,179" not in text and "Share on X" not in text


@pytest.mark.parametrize("failure", [None, "", ValueError("lxml choked")])
def test_fallback_reads_main_paragraphs_when_trafilatura_gives_up(
    monkeypatch: pytest.MonkeyPatch, failure: object
) -> None:
    # trafilatura copes with every page we could write, so make it fail the ways it can.
    def extract(*args: object, **kwargs: object) -> object:
        if isinstance(failure, Exception):
            raise failure
        return failure

    monkeypatch.setattr(trafilatura, "extract", extract)
    page = (
        "<html><body><nav><a href='/'>Home</a><a href='/topics'>Topics</a></nav><main>"
        "<p>ICE arrested a man in the lobby of the Ventura County Jail.</p>"
        "<blockquote><p>The jail had declined the detainer.</p></blockquote>"
        "<ul><li>Tip line: 866-DHS-2-ICE</li></ul><p>###</p></main>"
        "<footer>Privacy Policy</footer></body></html>"
    )
    assert extract_text(page) == (
        "ICE arrested a man in the lobby of the Ventura County Jail.\n\n"
        "The jail had declined the detainer.\n\nTip line: 866-DHS-2-ICE"
    )


def test_release_without_trafilatura_still_has_key_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    text = extract_text(DETAINERS.read_bytes())
    assert text is not None and "Jorge Lopez Santos" in text and "33,179" in text
    assert not any(chrome in text for chrome in CHROME)


@pytest.mark.parametrize(
    "page",
    [
        b"",
        "",
        "   \n",
        "<html><body></body></html>",
        "<html><body><nav>Home</nav></body></html>",
        "<p>Hi</p>",
        b"\x00\x00\x00",
    ],
)
def test_nothing_sensible_is_none(page: bytes | str) -> None:
    assert extract_text(page) is None


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000))
def test_garbage_bytes_never_raise(body: bytes) -> None:
    result = extract_text(body)
    assert result is None or isinstance(result, str)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<main>",
                "<article>",
                "<table><tr><td>",
                "word ",
                "\x00",
                "<!--",
                "<![CDATA[",
                "&#0;",
                "<?xml ?>",
            ]
        ),
        max_size=60,
    ).map("".join)
)
def test_markup_soup_never_raises(text: str) -> None:
    result = extract_text(text)
    assert result is None or isinstance(result, str)
