"""The request vocabulary's phrase syntax: gaps and word endings that a run of hyphens cannot stall."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.question.falsify import falsify_kind
from assistant.question.phrases import alternation, whole

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # a process per question
@pytest.mark.parametrize("question", [
    "keep " + "-" * 60 + " what do I do about his drinking?",
    "Can you make up a " + "-" * 60 + " note?",
    "what I will tell the court\n" + "-" * 60 + "\nhe has done well",
    "tell " + "- " * 60 + "x",
    "before " + "-/" * 40 + "x",
])
def test_a_run_of_hyphens_is_read_at_once(question):
    """A pasted separator once made the phrase gaps split the run every possible way: 22 hyphens after
    "keep" took 4.4 s, each 2 more three times as long. Run apart, so a regression fails, not hangs."""
    code = f"from assistant.question.falsify import falsify_kind; falsify_kind({question!r})"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=30)


def test_gaps_and_endings_still_match_as_written():
    rx = whole(alternation(["leave ... out of", "backdat*", "write*"]))
    assert rx.search("can you leave his arrest last week out of the psr")
    assert rx.search("backdating it") and rx.search("she wrote") is None and rx.search("writing it up")
    assert falsify_kind("Can you backdate a contact for Tuesday so it's on nDelius before the audit?") is not None
