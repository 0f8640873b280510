"""How long a build will take, said before its slow part starts, and the clock that times each build.

Embedding is most of a build, and its cost follows the number of tokens embedded (chunks and
passages alike: about 1,800 and 2,000 tokens a second on a 10× corpus, two busy cores). So an
estimate counts the tokens still to embed and divides by the rate the previous build measured
(recorded in its manifest under "timings"), or, when there is none, by a rate measured now on a
sample of the texts to embed. The rest of the build (storing, the keyword index, the passages'
bookkeeping, writing) takes the previous build's time per chunk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping

from assistant.types import Progress

MODEL_LOAD_S = 0.5  # loading the ONNX model: once for the chunks, once for the passages
FALLBACK_OTHER_S_PER_CHUNK = 0.0015  # store, keyword index, the passages' bookkeeping, write (10× corpus, two cores)
FIXED_S = 0.5  # switch, stamp and clean-up
MIN_TOKENS_TO_MEASURE = 20_000  # a build embedding fewer tokens (about 130 chunks) keeps the rate it was given
SAMPLE_TEXTS = 16  # chunks embedded to measure the rate when no previous build recorded one


@dataclass(frozen=True)
class Estimate:
    """What a build has left to do once it has read the corpus, and about how long it will take."""

    chunks: int  # chunks to embed
    passages: int  # passages (and headings) to embed
    reused: int  # chunks whose vectors are reused
    tokens: int  # tokens to embed
    tokens_per_second: float
    rate_from: str  # "the last build's rate" or "measured just now"
    seconds: float

    def describe(self) -> str:
        """One line for a person: what will be embedded, and about how long the rest of the build takes."""
        reused = f"{self.reused:,} chunk{'s' if self.reused != 1 else ''} reused"
        if not self.tokens:
            return f"Re-indexing: nothing new to embed ({reused}); about {duration(self.seconds)}."
        return (f"Re-indexing: {self.chunks:,} chunk{'s' if self.chunks != 1 else ''} and {self.passages:,} "
                f"passage{'s' if self.passages != 1 else ''} to embed ({reused}); about {duration(self.seconds)} "
                f"at {self.tokens_per_second:,.0f} tokens/s ({self.rate_from}).")


def duration(seconds: float) -> str:
    """"4 s", "40 s", "3 min": as near as an estimate can say."""
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"


def recorded_rate(manifest: Mapping[str, Any] | None) -> float | None:
    """Tokens embedded per second in the build `manifest` describes, if it recorded them."""
    rate = ((manifest or {}).get("timings") or {}).get("tokens_per_second")
    return float(rate) if isinstance(rate, (int, float)) and rate > 0 else None


def estimate(chunks: int, passages: int, reused: int, tokens: int, rate: float, rate_from: str, total_chunks: int,
             previous: Mapping[str, Any] | None) -> Estimate:
    """The estimate for a build embedding `tokens` at `rate` tokens/s, then storing and writing `total_chunks`
    at the previous build's time per chunk for everything but the embedding."""
    per_chunk = ((previous or {}).get("timings") or {}).get("other_s_per_chunk")
    per_chunk = per_chunk if isinstance(per_chunk, (int, float)) and per_chunk >= 0 else FALLBACK_OTHER_S_PER_CHUNK
    seconds = (tokens / rate if tokens else 0.0) + MODEL_LOAD_S * ((chunks > 0) + (passages > 0))
    seconds += per_chunk * total_chunks + FIXED_S
    return Estimate(chunks, passages, reused, tokens, rate, rate_from, seconds)


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

    def timings(self, since: float, embedded_tokens: int, chunks: int, rate_before: float | None) -> dict[str, Any]:
        """What the manifest records for the next build's estimate: the embedding rate (or `rate_before`, when too
        little was embedded to measure it), and the time per chunk of the rest since `since` (the plan)."""
        embedding = self.seconds("embed") + self.seconds("passages")
        rate = embedded_tokens / embedding if embedded_tokens >= MIN_TOKENS_TO_MEASURE and embedding > 0 else rate_before
        other = max(0.0, time.perf_counter() - since - embedding)
        return {"tokens_per_second": round(rate, 1) if rate else None, "embedded_tokens": embedded_tokens,
                "other_s_per_chunk": round(other / chunks, 6) if chunks else None}
