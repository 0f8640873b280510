"""How long a build will take, said before its slow part starts, and the clock that times each build.

Embedding is most of a build, and its cost follows the text embedded: the characters of each
text, up to the ~1,500 the model reads (256 tokens). Chunks and passages alike cost the same per
such character (measured on a 10× corpus, two busy cores: 9,800 and 10,000 a second; counting
tokens instead agrees no better and costs seconds). So an estimate counts the characters still to
embed and divides by the rate the previous build measured (recorded in its manifest under
"timings"), or, when there is none, by a rate measured now on a few of the texts to embed.
Adding chunks to the store (and deleting them) takes the previous build's time per chunk stored,
and the rest of the build (copying the store, the keyword index, the passages' bookkeeping,
writing) its time per chunk of the build.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from assistant.types import Progress

MODEL_LOAD_S = 0.5  # loading the ONNX model: once for the chunks, once for the passages
FALLBACK_STORE_S_PER_CHUNK = 0.001  # adding a chunk to the store or deleting one (10× corpus, two cores)
FALLBACK_OTHER_S_PER_CHUNK = 0.0015  # the rest, per chunk of the build: copying the store, the keyword index,
# the passages' bookkeeping, writing
FIXED_S = 0.5  # switch, stamp and clean-up
CHARS_PER_TEXT = 1_500  # the characters of a text that count: about what the model reads of it (256 tokens)
MIN_CHARS_TO_MEASURE = 100_000  # a build embedding less (about 100 chunks) keeps the rate it was given
SAMPLE_TEXTS = 16  # chunks embedded to measure the rate when no previous build recorded one


@dataclass(frozen=True)
class Work:
    """What a build has left to do once it has read the corpus."""

    chunks: int  # chunks to embed
    passages: int  # passages (and headings) to embed
    reused: int  # chunks whose vectors are reused
    characters: int  # characters to embed (`characters`)
    stored: int  # chunks to add to the store or delete from it
    total: int  # chunks in the build


@dataclass(frozen=True)
class Estimate:
    """About how long a build will take from its plan on, and why."""

    work: Work
    per_second: float  # characters embedded per second
    rate_from: str  # "the last build's rate" or "measured just now"
    seconds: float

    def describe(self) -> str:
        """One line for a person: what will be embedded, and about how long the rest of the build takes."""
        work = self.work
        reused = f"{work.reused:,} chunk{'s' if work.reused != 1 else ''} reused"
        if not work.characters:
            return f"Re-indexing: nothing new to embed ({reused}); about {duration(self.seconds)}."
        return (f"Re-indexing: {work.chunks:,} chunk{'s' if work.chunks != 1 else ''} and {work.passages:,} "
                f"passage{'s' if work.passages != 1 else ''} to embed ({reused}); about {duration(self.seconds)} "
                f"at {self.per_second:,.0f} characters/s ({self.rate_from}).")


def duration(seconds: float) -> str:
    """"4 s", "40 s", "3 min": as near as an estimate can say."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"


def characters(texts: Iterable[str]) -> int:
    """The embedding work of `texts`: their characters, each text's first CHARS_PER_TEXT."""
    return sum(min(len(text), CHARS_PER_TEXT) for text in texts)


def recorded_rate(manifest: Mapping[str, Any] | None) -> float | None:
    """Characters embedded per second in the build `manifest` describes, if it recorded them."""
    return _recorded(manifest, "characters_per_second")


def _recorded(manifest: Mapping[str, Any] | None, name: str) -> float | None:
    value = ((manifest or {}).get("timings") or {}).get(name)
    return float(value) if isinstance(value, (int, float)) and value >= 0 else None


def estimate(work: Work, rate: float, rate_from: str, previous: Mapping[str, Any] | None) -> Estimate:
    """The estimate for `work`: its characters at `rate` a second, its store changes and the rest of the
    build at the previous build's times per chunk."""
    store = _recorded(previous, "store_s_per_chunk")
    other = _recorded(previous, "other_s_per_chunk")
    seconds = (work.characters / rate if work.characters else 0.0) + MODEL_LOAD_S * ((work.chunks > 0) + (work.passages > 0))
    seconds += (FALLBACK_STORE_S_PER_CHUNK if store is None else store) * work.stored
    seconds += (FALLBACK_OTHER_S_PER_CHUNK if other is None else other) * work.total + FIXED_S
    return Estimate(work, rate, rate_from, seconds)


class StageClock:
    """A progress callback that passes every call on and times each stage, from its first report to its last."""

    def __init__(self, report: Progress):
        self.report = report
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.totals: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self.first.setdefault(stage, now)
        self.last[stage] = now
        self.totals[stage] = total
        self.report(stage, done, total)

    def seconds(self, stage: str) -> float:
        return self.last.get(stage, 0.0) - self.first.get(stage, 0.0)

    def timings(self, since: float, embedded: int, chunks: int, rate_before: float | None) -> dict[str, Any]:
        """What the manifest records for the next build's estimate: the embedding rate, from the `embedded`
        characters (or `rate_before`, when too few were embedded to measure it), the store's time per chunk
        added or deleted, and the time per chunk of the rest of the build since `since` (the plan)."""
        embedding = self.seconds("embed") + self.seconds("passages")
        rate = embedded / embedding if embedded >= MIN_CHARS_TO_MEASURE and embedding > 0 else rate_before
        stored, storing = self.totals.get("store", 0), self.seconds("store")
        other = max(0.0, time.perf_counter() - since - embedding - storing)
        return {"characters_per_second": round(rate, 1) if rate else None, "embedded_characters": embedded,
                "store_s_per_chunk": round(storing / stored, 6) if stored >= 100 else None,
                "other_s_per_chunk": round(other / chunks, 6) if chunks else None}
