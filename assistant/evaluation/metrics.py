"""Retrieval metrics as plain functions over ranked id lists, checked on hand-computed toy cases."""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from assistant.evaluation.gold import GoldCase


RETRIEVAL_METRICS = ("hit@1", "hit@3", "hit@5", "recall@5", "mrr@10", "ndcg@10")


def hit_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """1.0 if any relevant id is in the top k, else 0.0."""
    wanted = set(relevant)
    return 1.0 if any(r in wanted for r in ranked[:k]) else 0.0


def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """The share of gold ids found in the top k."""
    wanted = set(gold)
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str], k: int = 10) -> float:
    """1/rank of the first relevant id within the top k, else 0."""
    wanted = set(relevant)
    for position, item in enumerate(ranked[:k], start=1):
        if item in wanted:
            return 1.0 / position
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gains: dict[str, float], k: int = 10) -> float:
    """Normalised discounted cumulative gain with graded gains (log2 discount)."""
    dcg = sum(gains.get(item, 0.0) / math.log2(i + 2) for i, item in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def retrieval_scores(ranked: Sequence[str], case: GoldCase) -> dict[str, float]:
    gains = {a: 0.5 for a in case.alternates} | {g: 1.0 for g in case.gold}
    return {
        "hit@1": hit_at_k(ranked, case.relevant, 1),
        "hit@3": hit_at_k(ranked, case.relevant, 3),
        "hit@5": hit_at_k(ranked, case.relevant, 5),
        "recall@5": recall_at_k(ranked, case.gold, 5),
        "mrr@10": reciprocal_rank(ranked, case.relevant, 10),
        "ndcg@10": ndcg_at_k(ranked, gains, 10),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(milliseconds: Sequence[float]) -> dict[str, float]:
    """p50 and p95, rounded to hundredths of a millisecond."""
    return {"p50": round(percentile(milliseconds, 50), 2), "p95": round(percentile(milliseconds, 95), 2)}
