"""How long a build will take, said before its slow part starts, and the clock that times each build.

Embedding is most of a build, and its cost follows the text embedded: the characters of each
text, up to the ~1,500 the model reads (256 tokens). Chunks and passages alike cost the same per
such character (measured on a 10× corpus, two busy cores: 9,800 and 10,000 a second; counting
tokens instead agrees no better and costs seconds). So an estimate counts the characters still to
embed and divides by the rate the previous build measured (recorded in its manifest under
"timings"), or, when there is none, by a rate measured now on a few of the texts to embed. The rest of the build (storing, the keyword index, the passages'
bookkeeping, writing) takes the previous build's time per chunk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from assistant.types import Progress

MODEL_LOAD_S = 0.5  # loading the ONNX model: once for the chunks, once for the passages
FALLBACK_OTHER_S_PER_CHUNK = 0.0015  # store, keyword index, the passages' bookkeeping, write (10× corpus, two cores)
FIXED_S = 0.5  # switch, stamp and clean-up
CHARS_PER_TEXT = 1_500  # the characters of a text that count: about what the model reads of it (256 tokens)
MIN_CHARS_TO_MEASURE = 100_000  # a build embedding less (about 100 chunks) keeps the rate it was given
SAMPLE_TEXTS = 16  # chunks embedded to measure the rate when no previous build recorded one


@dataclass(frozen=True)
class Estimate:
    """What a build has left to do once it has read the corpus, and about how long it will take."""

    chunks: int  # chunks to embed
    passages: int  # passages (and headings) to embed
    reused: int  # chunks whose vectors are reused
    characters: int  # characters to embed (each text's first CHARS_PER_TEXT)
    per_second: float  # characters embedded per second
    rate_from: str  # "the last build's rate" or "measured just now"
    seconds: float

    def describe(self) -> str:
        """One line for a person: what will be embedded, and about how long the rest of the build takes."""
        reused = f"{self.reused:,} chunk{'s' if self.reused != 1 else ''} reused"
        if not self.characters:
            return f"Re-indexing: nothing new to embed ({reused}); about {duration(self.seconds)}."
        return (f"Re-indexing: {self.chunks:,} chunk{'s' if self.chunks != 1 else ''} and {self.passages:,} "
                f"passage{'s' if self.passages != 1 else ''} to embed ({reused}); about {duration(self.seconds)} "
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
    rate = ((manifest or {}).get("timings") or {}).get("characters_per_second")
    return float(rate) if isinstance(rate, (int, float)) and rate > 0 else None


def estimate(chunks: int, passages: int, reused: int, work: int, rate: float, rate_from: str, total_chunks: int,
             previous: Mapping[str, Any] | None) -> Estimate:
    """The estimate for a build embedding `work` characters at `rate` a second, then storing and writing
    `total_chunks` at the previous build's time per chunk for everything but the embedding."""
    per_chunk = ((previous or {}).get("timings") or {}).get("other_s_per_chunk")
    per_chunk = per_chunk if isinstance(per_chunk, (int, float)) and per_chunk >= 0 else FALLBACK_OTHER_S_PER_CHUNK
    seconds = (work / rate if work else 0.0) + MODEL_LOAD_S * ((chunks > 0) + (passages > 0))
    seconds += per_chunk * total_chunks + FIXED_S
    return Estimate(chunks, passages, reused, work, rate, rate_from, seconds)


class StageClock:
    """A progress callback that passes every call on and times each stage, from its first report to its last."""

    def __init__(self, report: Progress):
        self.report = report
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self.first.setdefault(stage, now)
        self.last[stage] = now
        self.report(stage, done, total)

    def seconds(self, stage: str) -> float:
        return self.last.get(stage, 0.0) - self.first.get(stage, 0.0)

    def timings(self, since: float, embedded: int, chunks: int, rate_before: float | None) -> dict[str, Any]:
        """What the manifest records for the next build's estimate: the embedding rate, from the `embedded`
        characters (or `rate_before`, when too few were embedded to measure it), and the time per chunk of
        the rest of the build since `since` (the plan)."""
        embedding = self.seconds("embed") + self.seconds("passages")
        rate = embedded / embedding if embedded >= MIN_CHARS_TO_MEASURE and embedding > 0 else rate_before
        other = max(0.0, time.perf_counter() - since - embedding)
        return {"characters_per_second": round(rate, 1) if rate else None, "embedded_characters": embedded,
                "other_s_per_chunk": round(other / chunks, 6) if chunks else None}
