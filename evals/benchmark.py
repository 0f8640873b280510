"""Speed benchmarks, printed as Markdown for docs/benchmarks.md.

    .venv/bin/python evals/benchmark.py            # all
    .venv/bin/python evals/benchmark.py --quick    # fewer repetitions

Measures, on this machine:
1. warm `Assistant.search` latency (p50/p95) over the gold questions, several rounds, and
   warm `Assistant.ask` in the default extractive mode;
2. `assistant search` in a new process, end to end (process start to JSON printed);
3. a full index build of the corpus into an empty folder (model load, embedding,
   ONNX export and check, Chroma and bm25s), in a new process.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}"


def warm_search(rounds: int) -> tuple[list[float], int]:
    from assistant.api import Assistant
    from assistant.evaluation.gold import load_gold

    assistant = Assistant.load().warm_up()
    questions = [c for c in load_gold(ROOT / "evals" / "gold.jsonl") if c.in_scope]
    assistant.search(questions[0].question)  # first query pays one-off costs
    times = []
    for _ in range(rounds):
        for case in questions:
            started = time.perf_counter()
            assistant.search(case.question, k=5, filters=case.filters or None)
            times.append((time.perf_counter() - started) * 1000)
    return times, len(questions)


def warm_ask(rounds: int) -> tuple[list[float], int]:
    """Warm `Assistant.ask` in the default (extractive) mode over every gold question."""
    from assistant.api import Assistant
    from assistant.evaluation.gold import load_gold

    assistant = Assistant.load().warm_up()
    cases = load_gold(ROOT / "evals" / "gold.jsonl")
    assistant.ask(cases[0].question)
    times = []
    for _ in range(rounds):
        for case in cases:
            started = time.perf_counter()
            assistant.ask(case.question, history=list(case.history) or None, filters=case.filters or None)
            times.append((time.perf_counter() - started) * 1000)
    return times, len(cases)


def new_process_search(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "search", "ex-forces lad with PTSD who drinks", "--json"],
                       check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - started)
    return times


def full_build() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "corpus", Path(tmp) / "corpus")
        env = {**os.environ, "ASSISTANT_CORPUS_DIR": f"{tmp}/corpus", "ASSISTANT_INDEX_DIR": f"{tmp}/index"}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "index"], check=True, capture_output=True, env=env, cwd=ROOT)
        return time.perf_counter() - started


def main() -> int:
    from assistant.evaluation.metrics import percentile

    parser = argparse.ArgumentParser(description="Speed benchmarks")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds, runs = (2, 3) if args.quick else (5, 7)

    warm, n = warm_search(rounds)
    asked, n_ask = warm_ask(rounds)
    cold = new_process_search(runs)
    build = full_build()
    print(f"Machine: {machine()}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n")
    print("| measure | result | target |\n|---|---|---|")
    print(f"| warm `Assistant.search`, {len(warm)} queries ({n} gold questions × {rounds}) | "
          f"p50 {percentile(warm, 50):.1f} ms, p95 {percentile(warm, 95):.1f} ms, max {max(warm):.1f} ms | p50 ≤ 30 ms, p95 ≤ 60 ms |")
    print(f"| warm `Assistant.ask` (extractive), {len(asked)} questions ({n_ask} gold questions × {rounds}) | "
          f"p50 {percentile(asked, 50):.1f} ms, p95 {percentile(asked, 95):.1f} ms, max {max(asked):.1f} ms | p95 ≤ 100 ms |")
    print(f"| `assistant search` in a new process, {runs} runs | median {statistics.median(cold):.2f} s, "
          f"max {max(cold):.2f} s | ≤ 3 s |")
    print(f"| full index build into an empty folder | {build:.1f} s | ≤ 20 s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
