"""The embedding precision: int8 against fp32, for speed and for retrieval quality.

    .venv/bin/python evals/benchmark_precision.py

Builds the real corpus twice in temp folders (ASSISTANT_EMBED_PRECISION=int8 and fp32, each
exporting its own model), then prints, for each: the CPU time per chunk to embed every chunk
(one text per call on one thread, as the build does), how close its chunk vectors are to the
fp32 ones, and hit@1 / MRR@10 of our retrieval and of dense retrieval alone on the gold and
held-out questions. Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals"))


def main() -> int:
    import numpy as np

    from assistant.index import embed
    from assistant.api import Assistant
    from assistant.config import load_settings
    from assistant.evaluation.run import evaluate_retrieval
    from assistant.evaluation.gold import load_gold
    from benchmark import machine

    work = Path(tempfile.mkdtemp(prefix="ppa-precision-"))
    rows = {}
    vectors = {}
    try:
        for precision in ("fp32", "int8"):
            index = work / f"index-{precision}"
            env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(ROOT / "corpus"), "ASSISTANT_INDEX_DIR": str(index),
                   "ASSISTANT_EMBED_PRECISION": precision}
            subprocess.run([sys.executable, "-m", "assistant", "index"], cwd=ROOT, env=env, check=True,
                           capture_output=True)
            settings = load_settings(corpus_dir=ROOT / "corpus", index_dir=index, embed_precision=precision)
            assistant = Assistant(settings).warm_up()
            texts = assistant.index.chunk_ids
            build = index / "builds" / assistant.index.build_id
            vectors[precision] = np.load(build / "vectors.npy")
            from assistant.index import make_chunks

            chunk_texts = [c.text for c in make_chunks(list(assistant.index.units.values()))]
            model = embed.OnnxEmbedder(index / assistant.index.manifest["embedding"]["onnx"], threads=1)
            model.warm_up()
            before = os.times()
            model.embed_many(chunk_texts, workers=1)
            after = os.times()
            cpu_ms = ((after.user - before.user) + (after.system - before.system)) / len(chunk_texts) * 1000
            quality = {}
            for gold in ("gold.jsonl", "holdout.jsonl"):
                cases = load_gold(ROOT / "evals" / gold, assistant.index.units)
                results = evaluate_retrieval(assistant, cases, ["ours", "dense"])
                quality[gold] = {name: (results["systems"][name]["hit@1"], results["systems"][name]["mrr@10"])
                                 for name in ("ours", "dense")}
            rows[precision] = {"cpu_ms": cpu_ms, "chunks": len(texts), "quality": quality,
                               "min_cosine": assistant.index.manifest["embedding"]["onnx_min_cosine"]}
            assistant.index.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    agreement = (vectors["fp32"] * vectors["int8"]).sum(axis=1)
    load = os.getloadavg()
    print(f"Machine: {machine()}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; load average {load[0]:.2f}\n")
    print("| precision | CPU per chunk (embed) | model vs sentence-transformers (min cosine, check samples) "
          "| gold: ours hit@1 / MRR@10 | gold: dense alone | held-out: ours | held-out: dense alone |")
    print("|---|---|---|---|---|---|---|")
    for precision, row in rows.items():
        q = row["quality"]

        def pair(gold: str, name: str) -> str:
            return f"{q[gold][name][0]:.3f} / {q[gold][name][1]:.3f}"

        print(f"| {precision} | {row['cpu_ms']:.1f} ms | {row['min_cosine']:.4f} | {pair('gold.jsonl', 'ours')} "
              f"| {pair('gold.jsonl', 'dense')} | {pair('holdout.jsonl', 'ours')} | {pair('holdout.jsonl', 'dense')} |")
    print(f"\nint8 chunk vectors against fp32 ({len(agreement)} chunks): cosine min {agreement.min():.4f}, "
          f"median {np.median(agreement):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
