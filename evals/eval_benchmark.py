"""How long `assistant eval` takes on the gold set, end to end, printed as Markdown for docs/benchmarks.md.

    .venv/bin/python evals/eval_benchmark.py                      # this checkout, 3 runs
    .venv/bin/python evals/eval_benchmark.py --code /tmp/before   # another version of the code (git archive)

Each run is `python -m assistant eval --json` in a new process (all four systems, the answers,
the support check and the trust measures, and the three reports), timed from process start to
exit, with its CPU time (user + system, the process and its children) and the load average
before and after. The index is built first, into a temp folder, by the code measured (not
timed); the naive baseline's chunk vectors (kept under the index folder by code that keeps them)
are made by the first run, so the first run is "cold" and the others "warm". On a shared machine
CPU time is the steadier figure: the run is mostly one thread, so on quiet cores the wall time is
close to it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
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
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}"


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the process and its children, the finished process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 3):  # 3: the gate failed, which does not change the time
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, cpu, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose `assistant` package is measured")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    code = args.code.resolve()
    work = Path(tempfile.mkdtemp(prefix="eval-benchmark-"))
    env = {**os.environ, "PYTHONPATH": str(code), "ASSISTANT_HOME": str(code),
           "ASSISTANT_CORPUS_DIR": str(code / "corpus"), "ASSISTANT_INDEX_DIR": str(work / "index"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
           "ASSISTANT_MODEL_CACHE": str(ROOT / ".cache" / "models")}
    python = sys.executable
    try:
        timed([python, "-m", "assistant", "index"], env, code)
        rows = []
        for run in range(1, args.runs + 1):
            start_load = load()
            wall, cpu, done = timed([python, "-m", "assistant", "eval", "--json", "--out", str(work / f"out{run}")],
                                    env, code)
            results = json.loads((work / f"out{run}" / "results.json").read_text(encoding="utf-8"))
            rows.append((run, wall, cpu, results["details"]["seconds"], start_load, load(),
                         results["systems"]["ours"]["hit@1"], results["systems"].get("naive", {}).get("hit@1")))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Machine: {machine()}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; code: {code}\n")
    print("| run | wall (process) | CPU (user + system) | evaluation alone | load before | load after | ours hit@1 | naive hit@1 |")
    print("|---|---|---|---|---|---|---|---|")
    for run, wall, cpu, seconds, before, after, ours, naive in rows:
        naive_cell = f"{naive:.3f}" if naive is not None else "—"
        print(f"| {run} ({'cold' if run == 1 else 'warm'}) | {wall:.1f} s | {cpu:.1f} s | {seconds} s | {before} | "
              f"{after} | {ours:.3f} | {naive_cell} |")


if __name__ == "__main__":
    main()
