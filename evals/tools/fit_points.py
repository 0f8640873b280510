"""Fit the point scorer and the choice's bars (assistant/answer/weights.json) on the practice-point labels.

    .venv/bin/python evals/tools/fit_points.py            # fit on dev, report dev and held-out
    .venv/bin/python evals/tools/fit_points.py --write    # and write weights.json

Questions: every line with a `points` label (every practice point of its gold example that
answers it, evals/LABELS.md) of gold.jsonl, in_scope_hard.jsonl and everyday.jsonl on the project
corpus, and fixtures_gold.jsonl on the corpus plus the fixture publications (as
evals/growth_eval.py builds it). Dev: gold.jsonl and the dev splits; held out: holdout.jsonl and
every held-out split, never used to fit. For each question the candidates are the composer's own;
a candidate is positive when it is a labelled point.

Fitted: the listwise rank model (which orders a question's points) and the point model (the
probability that a point is one a practitioner needs, over POINT_FEATURES: the scorer's features
and where the passage sits in its example), both logistic with a little L2; then the choice's
bars (answer.choice.Policy) by replaying the composer's own choice on dev. The relevance and
calibration models are kept as they are (the coverage check is calibrated on relevance).
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))

from assistant.answer import choice, scoring  # noqa: E402
from assistant.answer.compose import _BACKGROUND  # noqa: E402
from assistant.api import Assistant, build_index  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.evaluation.quality import load_lines, matches  # noqa: E402
from assistant.question import read_question  # noqa: E402

SEED_SETS = ("gold.jsonl", "holdout.jsonl", "in_scope_hard.jsonl", "everyday.jsonl")
GRID = {"bar": (0.35, 0.4, 0.45, 0.5, 0.55, 0.6), "floor": (0.1, 0.15, 0.2, 0.25, 0.3), "min_points": (3,),
        "secondary_bar": (0.6, 0.7, 0.8), "secondary_ratio": (0.8, 0.9)}


def questions(names):
    for name in names:
        for row in load_lines(ROOT / "evals" / name):
            if row.get("kind") != "out_of_scope" and row.get("points"):
                yield row, "heldout" if name == "holdout.jsonl" or row.get("split") == "heldout" else "dev"


def build(assistant, names):
    """Each labelled question's candidates, features and labels, as the composer computes them."""
    composer = assistant.composer
    items = []
    for row, split in questions(names):
        read = read_question(row["question"])
        context = assistant.context(read.text, row.get("history") or [])
        ranking = assistant.answer_ranking(context.standalone, row.get("filters") or None, boost=context.boost)
        if not ranking.hits:
            continue
        candidates, features = composer.point_features(read.text, context.standalone, ranking,
                                                       composer._candidates(ranking.hits), read.intent)
        if not candidates:
            continue
        labels = np.array([any(matches(p.text, k) for k in row["points"]) for p in candidates], dtype=float)
        items.append({"split": split, "row": row, "candidates": candidates, "features": features, "labels": labels,
                      "hits": ranking.hits, "intent": read.intent, "labels_of": [composer.scorer.labels(p.text) for p in candidates],
                      "stated": frozenset(ranking.query.facets.sentence | ranking.query.facets.needs),
                      "background": bool(_BACKGROUND.search(read.text))})
    return items


def logistic(x, y, l2=0.003, steps=4000, rate=0.5):
    """A logistic regression with a little L2 on standardised features; returns (weights, mean, scale)."""
    mean, scale = x.mean(0), x.std(0) + 1e-9
    mean[0], scale[0] = 0.0, 1.0  # the bias column
    z = (x - mean) / scale
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        w -= rate * (z.T @ (p - y) / len(y) + l2 * w)
    return w, mean, scale


def fit_ranking(items, l2=0.001, steps=4000, rate=0.5):
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
    return dict(zip(scoring.FEATURES, map(float, w)))


def point_rows(item, rank):
    score = item["features"] @ np.array([rank[n] for n in scoring.FEATURES])
    return scoring.point_features(item["candidates"], item["features"], score, item["intent"])


def fit_point(items, rank):
    x = np.vstack([point_rows(i, rank) for i in items])
    y = np.concatenate([i["labels"] for i in items])
    w, mean, scale = logistic(x, y)
    names = scoring.POINT_FEATURES
    return {"weights": dict(zip(names, map(float, w))), "mean": dict(zip(names, map(float, mean))),
            "scale": dict(zip(names, map(float, scale)))}


def replay(items, weights, policy):
    """The composer's own choice with these weights and bars: pooled precision, mean recall, median points."""
    shown = relevant = 0
    recalls, counts = [], []
    for item in items:
        scored = scoring.ranked(item["candidates"], item["features"], weights, item["hits"], item["intent"])
        labels_of = dict(zip((id(p) for p in item["candidates"]), item["labels_of"]))
        for s in scored:
            s.labels = labels_of[id(s.passage)]
        chosen = choice.choose_points(scored, item["hits"], item["intent"], policy, item["stated"], item["background"])
        keys = item["row"]["points"]
        texts = [s.passage.text for s in chosen.points]
        flags = [any(matches(t, k) for k in keys) for t in texts]
        shown += len(flags)
        relevant += sum(flags)
        recalls.append(sum(any(matches(t, k) for t in texts) for k in keys) / len(keys))
        if not (item["intent"].fact or item["intent"].definition):
            counts.append(len(flags))
    return {"precision": round(relevant / max(shown, 1), 3), "recall": round(statistics.fmean(recalls), 3),
            "median_points": statistics.median(counts) if counts else None, "n": len(items)}


def search_policy(dev, weights):
    """The bars that give the best balance of precision and recall on dev (their minimum, then their sum),
    among those that show a scenario question 3-5 points (the median)."""
    best = None
    for values in itertools.product(*GRID.values()):
        policy = choice.Policy(**dict(zip(GRID, values)))
        if policy.floor > policy.bar:
            continue
        got = replay(dev, weights, policy)
        in_range = got["median_points"] is not None and 3 <= got["median_points"] <= 5
        key = (in_range, min(got["precision"], got["recall"]), got["precision"] + got["recall"])
        if best is None or key > best[0]:
            best = (key, policy, got)
    return best[1], best[2]


def _assistant(corpus: Path, work: Path) -> Assistant:
    settings = load_settings(corpus_dir=corpus, index_dir=work / "index")
    build_index(settings)
    return Assistant(settings).warm_up()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the fitted models and bars to weights.json")
    args = parser.parse_args()
    import growth_eval

    work = Path(tempfile.mkdtemp(prefix="fit-points-"))
    try:
        shutil.copytree(ROOT / "corpus", work / "seed" / "corpus")
        items = build(_assistant(work / "seed" / "corpus", work / "seed"), SEED_SETS)
        bigger = growth_eval.make_corpus(work / "big" / "corpus", growth_eval.fixture_publications())
        items += build(_assistant(bigger, work / "big"), ("fixtures_gold.jsonl",))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    dev = [i for i in items if i["split"] == "dev"]
    held = [i for i in items if i["split"] != "dev"]
    current = scoring.fitted()
    rank = fit_ranking(dev)
    fitted = replace(current, rank=rank, point=fit_point(dev, rank))
    policy, on_dev = search_policy(dev, fitted)
    fitted = replace(fitted, policy={k: getattr(policy, k) for k in choice.Policy.__dataclass_fields__})
    print("policy", fitted.policy)
    for label, weights, bars in (("fitted", fitted, policy),
                                 ("in weights.json", current, choice.Policy.from_json(current.policy))):
        print(f"{label:16} dev {replay(dev, weights, bars)}  held out {replay(held, weights, bars)}")
    if args.write:
        path = scoring.WEIGHTS_FILE
        data = json.loads(path.read_text(encoding="utf-8"))
        data.update(fitted.to_json())
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print("wrote", path)


if __name__ == "__main__":
    main()
