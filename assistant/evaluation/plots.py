"""The HTML report's plots as base64 PNGs: retrieval metrics per system, hit@1 per theme, answer latency."""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from typing import Any


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def plots(results: dict[str, Any]) -> dict[str, str]:
    """Base64 PNGs: metrics per system, hit@1 per theme, latency distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = {}
    systems = list(results["systems"])
    metrics = ["hit@1", "hit@3", "mrr@10", "ndcg@10"]
    figure, axis = plt.subplots(figsize=(7, 3.4))
    width = 0.8 / max(1, len(systems))
    for i, system in enumerate(systems):
        values = [results["systems"][system][m] for m in metrics]
        axis.bar([x + i * width for x in range(len(metrics))], values, width, label=system)
    axis.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(metrics))], metrics)
    axis.set_ylim(0, 1.05)
    axis.set_title("Retrieval metrics per system")
    axis.legend(loc="lower right", fontsize=8)
    images["Retrieval metrics per system"] = _png(figure)
    plt.close(figure)

    per_theme: dict[str, list[float]] = defaultdict(list)
    themes = results["details"]["themes"]
    for row in results["details"]["per_question"].get("ours", []):
        per_theme[themes.get(row["id"], "unknown")].append(row["hit@1"])
    names = sorted(per_theme)
    figure, axis = plt.subplots(figsize=(7, 0.3 * len(names) + 1))
    axis.barh(names, [sum(per_theme[n]) / len(per_theme[n]) for n in names], color="#2b6cb0")
    axis.set_xlim(0, 1.05)
    axis.set_title("ours: hit@1 per theme")
    axis.tick_params(axis="y", labelsize=8)
    images["Hit@1 per theme"] = _png(figure)
    plt.close(figure)

    samples = results["details"]["latency_samples_ms"]
    figure, axis = plt.subplots(figsize=(7, 3))
    for stage in ("total", "retrieve", "compose", "llm"):
        if samples.get(stage):
            axis.hist(samples[stage], bins=30, alpha=0.6, label=stage)
    axis.set_xlabel("milliseconds")
    axis.set_title("Answer latency per stage")
    axis.legend(fontsize=8)
    images["Latency distribution"] = _png(figure)
    plt.close(figure)
    return images
