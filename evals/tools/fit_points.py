"""Fit the point scorer (assistant/answer/weights.json: rank, calibration, relevance) on the hand-labelled key passages.

    .venv/bin/python evals/tools/fit_points.py            # fit on dev, report dev and held-out
    .venv/bin/python evals/tools/fit_points.py --bars     # also try point bars

Dev questions: evals/gold.jsonl and the dev split of evals/in_scope_hard.jsonl. Held out:
evals/holdout.jsonl and the held-out split of in_scope_hard. For each question the candidates are
the composer's own (the passages of the best units retrieval finds, with the features the composer
computes); a candidate is positive when it is a labelled key passage. A logistic regression with
a little L2 is fitted by gradient descent, then the composer's own point choice is replayed with
the fitted weights to report point precision, key passage present and key passage first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.answer import choice, scoring  # noqa: E402
from assistant.evaluation.quality import load_lines, matches
from assistant.question.intent import read_intent


def questions():
    evals = ROOT / "evals"
    for name, split in (("gold.jsonl", "dev"), ("holdout.jsonl", "heldout"), ("in_scope_hard.jsonl", None)):
        for row in load_lines(evals / name):
            if row.get("kind") != "out_of_scope" and row.get("key_passages"):
                yield row, split or row.get("split", "dev")


def build(assistant):
    composer = assistant.composer
    items = []
    for row, split in questions():
        question = row["question"]
        context = assistant.context(question, row.get("history") or [])
        ranking = assistant.answer_ranking(context.standalone, row.get("filters") or None, boost=context.boost)
        if not ranking.hits:
            continue
        intent = read_intent(question)
        candidates, features = composer.point_features(question, context.standalone, ranking,
                                                       composer._candidates(ranking.hits), intent)
        labels = np.array([any(matches(p.text, k) for k in row["key_passages"]) for p in candidates], dtype=float)
        items.append({"split": split, "row": row, "candidates": candidates, "features": features, "labels": labels,
                      "hits": ranking.hits, "intent": intent})
    return items


def fit_ranking(items, l2=0.001, steps=5000, rate=0.5):
    """Listwise: for each question, a softmax over its candidates; the labelled points share the target."""
    labelled = [i for i in items if i["labels"].any()]
    w = np.zeros(labelled[0]["features"].shape[1])
    for _ in range(steps):
        gradient = l2 * w
        for item in labelled:
            score = item["features"] @ w
            share = np.exp(score - score.max())
            share /= share.sum()
            gradient += item["features"].T @ (share - item["labels"] / item["labels"].sum()) / len(labelled)
        w -= rate * gradient
    return dict(zip(scoring.FEATURES, w))


def logistic(x, y, l2, steps, rate):
    """Weights of a logistic regression with a little L2, by gradient descent."""
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= rate * (x.T @ (p - y) / len(y) + l2 * w)
    return w


def fit_relevance(items, l2=0.001, steps=4000, rate=1.0):
    """Pointwise: a logistic model of "this point is labelled", each candidate on its own."""
    x = np.vstack([i["features"] for i in items])
    y = np.concatenate([i["labels"] for i in items])
    return dict(zip(scoring.FEATURES, logistic(x, y, l2, steps, rate)))


def calibration_rows(item, rank_weights):
    score = item["features"] @ np.array([rank_weights[n] for n in scoring.FEATURES])
    return scoring.calibration_features(score, np.argsort(-score, kind="stable"), item["candidates"])


def fit_calibration(items, rank_weights, l2=0.001, steps=5000, rate=0.5):
    """A logistic model of "this point is labelled" over the calibration features."""
    x = np.vstack([calibration_rows(i, rank_weights) for i in items])
    y = np.concatenate([i["labels"] for i in items])
    return dict(zip(scoring.CALIBRATION_FEATURES, logistic(x, y, l2, steps, rate)))


def replay(items, weights, bar, secondary_bar):
    """The composer's point choice with these weights and bars: precision, present, first, points per answer."""
    relevant = shown = present = first = 0
    saved = choice.POINT_BAR, choice.SECONDARY_BAR
    choice.POINT_BAR, choice.SECONDARY_BAR = bar, secondary_bar
    try:
        for item in items:
            scored = scoring.ranked(item["candidates"], item["features"], weights, item["hits"])
            chosen = choice.choose_points(scored, item["hits"], item["intent"])
            keys = item["row"]["key_passages"]
            flags = [any(matches(s.passage.text, k) for k in keys) for s in chosen.points]
            relevant += sum(flags)
            shown += len(flags)
            present += any(flags)
            first += bool(flags and flags[0])
    finally:
        choice.POINT_BAR, choice.SECONDARY_BAR = saved
    n = len(items)
    return {"point_precision": round(relevant / max(shown, 1), 3), "key_present": round(present / n, 3),
            "key_first": round(first / n, 3), "points": round(shown / n, 2), "n": n}


def printed(name, weights):
    return f"{name} = {{" + ", ".join(f'"{k}": {v:.2f}' for k, v in weights.items()) + "}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", action="store_true", help="try a grid of point bars")
    args = parser.parse_args()
    assistant = Assistant.load().warm_up()
    items = build(assistant)
    dev = [i for i in items if i["split"] == "dev"]
    held = [i for i in items if i["split"] != "dev"]
    rank_weights = fit_ranking(dev)
    fitted = scoring.Weights(rank_weights, fit_relevance(dev), fit_calibration(dev, rank_weights))
    print(printed("rank", fitted.rank))
    print(printed("calibration", fitted.calibration))
    print(printed("relevance", fitted.relevance), "(set coverage.BEST_PASSAGE again after changing it)")
    for label, weights in (("fitted", fitted), ("in weights.json", scoring.fitted())):
        print(label, "dev", replay(dev, weights, choice.POINT_BAR, choice.SECONDARY_BAR),
              "held out", replay(held, weights, choice.POINT_BAR, choice.SECONDARY_BAR))
    if args.bars:
        for bar in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7):
            for secondary in (bar, bar + 0.1):
                print(f"bar {bar:.2f} secondary {secondary:.2f}", "dev", replay(dev, fitted, bar, secondary),
                      "held out", replay(held, fitted, bar, secondary))


if __name__ == "__main__":
    main()
