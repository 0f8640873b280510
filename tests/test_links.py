"""Links to the sources: whole-word text fragments that resolve on the saved seed page; http(s) only."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import replace

import pytest

from assistant.links import is_web_url, source_link, text_fragment, with_source_links
from assistant.ingest import load_corpus
from conftest import ROOT

SEED = ROOT / "corpus" / "documents" / "effective-practice-spotlight-north-east-2025.txt"


@pytest.fixture(scope="module")
def seed_units():
    [seed] = [d for d in load_corpus(ROOT / "corpus") if d.id == "ne-2025"]
    return seed.examples + seed.sections


def resolves(fragment: str, page_text: str) -> bool:
    """A text directive matches as the browser matches it: case-insensitively, on word boundaries,
    textStart then (optionally) textEnd after it."""
    parts = [urllib.parse.unquote(p) for p in fragment.split(",")]
    text = " ".join(page_text.split()).lower()

    def at_word(term: str, start: int = 0) -> int:
        found = re.compile(rf"(?<!\w){re.escape(' '.join(term.split()).lower())}(?!\w)").search(text, start)
        return found.end() if found else -1

    end = at_word(parts[0])
    return end >= 0 and (len(parts) == 1 or at_word(parts[1], end) >= 0)


def test_every_seed_link_resolves_on_the_saved_page(seed_units):
    """A link cut mid-word ("…and insig") matched nothing; every link now matches its heading."""
    page = SEED.read_text(encoding="utf-8")
    for unit in seed_units:
        link = source_link(unit)
        assert link.startswith("https://hmiprobation.justiceinspectorates.gov.uk/")
        fragment = link.split("#:~:text=", 1)[1]
        assert resolves(fragment, page), (unit.title, fragment)


def test_the_link_is_built_from_the_whole_heading_whatever_fragment_is_stored(seed_units):
    """The stored address of a long heading was cut mid-word ("…and insig"); the link is rebuilt from the heading."""
    long = next(u for u in seed_units if u.title.endswith("promoting engagement and insight"))
    cut = replace(long, url=long.url.split("#", 1)[0] + "#:~:text=Tailored%20maturity%20intervention%20and%20insig")
    assert urllib.parse.unquote(source_link(cut)).endswith("#:~:text=" + long.title)
    assert resolves(source_link(cut).split("#:~:text=", 1)[1], SEED.read_text(encoding="utf-8"))
    assert not resolves("Tailored%20maturity%20intervention%20and%20insig", SEED.read_text(encoding="utf-8"))


def test_a_long_heading_becomes_a_start_and_end_range_of_whole_words():
    heading = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    start, end = text_fragment(heading).split(",")
    assert urllib.parse.unquote(start) == "One two three four five six"
    assert urllib.parse.unquote(end) == "eleven twelve thirteen fourteen"
    assert "%2D" in text_fragment("multi-agency working") and "," not in text_fragment("a, b")[1:-1].replace("%2C", "")


@pytest.mark.parametrize("url, ok", [
    ("https://hmiprobation.justiceinspectorates.gov.uk/x", True), ("http://example.org", True),
    ("javascript:alert(1)", False), ("JAVASCRIPT:alert(1)", False), (" javascript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False), ("file:///etc/passwd", False), ("https://", False),
    ("", False), (None, False), ("https://exa\nmple.org", False), ("//example.org", False),
])
def test_only_http_addresses_are_links(url, ok):
    assert is_web_url(url) is ok


def test_markdown_links_are_rewritten_once_and_hostile_ones_dropped(seed_units):
    unit = seed_units[0]
    hostile = replace(seed_units[1], url="javascript:alert(1)")
    text = f"[Read it]({unit.url}) and [Danger]({hostile.url}) and again [Read it]({unit.url})"
    rewritten = with_source_links(text, [unit, unit, hostile])
    assert rewritten.count(source_link(unit)) == 2 and "javascript:" not in rewritten
    assert "Danger" in rewritten and "#:~:text=" in rewritten and rewritten.count("#:~:text=") == 2
