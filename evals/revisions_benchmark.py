"""Two revisions of the code on one N× corpus, measured side by side in one run.

    .venv/bin/python evals/revisions_benchmark.py fbc2855 eba254d --factor 100
    .venv/bin/python evals/revisions_benchmark.py HEAD~3 HEAD --factor 10 --rounds 4

Made for a change meant to leave behaviour and speed alone (issue 18's move into one package per
stage): on a shared machine a figure from another day says little, so both revisions run here, now.

Each revision is checked out with `git worktree` into the work folder and run with this
checkout's virtual environment, its own code first on the path. Both get their own copy of one
synthetic corpus (`scale_benchmark.make_corpus`) and build their own index in a new process:
wall and CPU time and peak memory of the process tree. The cache of exported query models (which
came with the move) is switched off, so that both builds export the model, as the older code did. Then a one-document update and a no-change
run, the revisions alternating (A B B A ...). Warm `Assistant.search` and `Assistant.ask` over the gold questions
are measured in rounds of one process per revision, in the order A B B A A B ..., so that both
feel the same load; cold `assistant search` alternates the same way. Ratios B/A are printed beside
the absolute figures, with the spread between rounds, which is the noise to read them against.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals"))

from scale_benchmark import TreeMemory, disk_mb, edit_one_document, make_corpus  # noqa: E402

# Only the API both sides share: Assistant.load/warm_up/search/ask, and the gold file read as JSON.
WARM = """
import json, sys, time
from assistant.api import Assistant
cases = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip() and not line.startswith("#")]
a = Assistant.load().warm_up()
a.search(cases[0]["question"]); a.ask(cases[0]["question"])
search, ask = [], []
for case in cases:
    filters = case.get("filters") or None
    if case.get("kind") != "out_of_scope":
        t = time.perf_counter(); a.search(case["question"], k=5, filters=filters)
        search.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter(); a.ask(case["question"], history=case.get("history") or None, filters=filters)
    ask.append((time.perf_counter() - t) * 1000)
print(json.dumps({"search": search, "ask": ask}))
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    at = (len(ordered) - 1) * q / 100
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


class Revision:
    def __init__(self, rev: str, work: Path, corpus: Path, label: str):
        self.rev, self.label = rev, label
        self.sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                                  check=True).stdout.strip()
        self.tree = work / f"tree-{label}"
        subprocess.run(["git", "worktree", "add", "--detach", "-f", str(self.tree), self.sha], cwd=ROOT,
                       capture_output=True, check=True)
        self.corpus = work / f"corpus-{label}"
        shutil.copytree(corpus, self.corpus)
        self.index = work / f"index-{label}"
        self.env = {**os.environ, "PYTHONPATH": str(self.tree), "ASSISTANT_CORPUS_DIR": str(self.corpus),
                    "ASSISTANT_INDEX_DIR": str(self.index), "GRADIO_ANALYTICS_ENABLED": "False",
                    "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                    "ASSISTANT_MODEL_CACHE": "off"}
        check = self.python("-c", "import assistant, sys; print(assistant.__file__)")
        if not check["stdout"].strip().startswith(str(self.tree)):
            raise SystemExit(f"{rev}: `import assistant` found {check['stdout'].strip()}, not the worktree's code")

    def python(self, *args: str) -> dict:
        """Run this revision's code in a new process: wall and CPU seconds, peak tree RSS (MB), output."""
        started, before = time.perf_counter(), os.times()
        process = subprocess.Popen([sys.executable, *args], cwd=self.tree, env=self.env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        memory = TreeMemory(process.pid)
        out, err = process.communicate()
        wall, peak, after = time.perf_counter() - started, memory.stop(), os.times()
        if process.returncode != 0:
            raise SystemExit(f"{self.label} ({self.sha}): `python {' '.join(args)[:80]}` failed:\n{err[-3000:]}")
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        return {"wall": wall, "cpu": cpu, "rss_mb": peak / 2**20, "stdout": out}

    def assistant(self, *args: str) -> dict:
        return self.python("-m", "assistant", *args)

    def remove(self) -> None:
        subprocess.run(["git", "worktree", "remove", "--force", str(self.tree)], cwd=ROOT, capture_output=True)


def spread(values: list[float]) -> str:
    return f"{min(values):.1f}–{max(values):.1f}" if len(values) > 1 else f"{values[0]:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the revision to compare against (e.g. the commit before a change)")
    parser.add_argument("after", help="the revision to measure")
    parser.add_argument("--factor", type=int, default=100, help="corpus size, in seed spotlights (default 100)")
    parser.add_argument("--rounds", type=int, default=4, help="warm rounds per revision over the gold questions")
    parser.add_argument("--updates", type=int, default=3, help="one-document updates per revision (alternating)")
    parser.add_argument("--work", default=None, help="folder for trees, corpora and indexes (default: a temp folder)")
    args = parser.parse_args()

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="ppa-revisions-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"Writing a {args.factor}× corpus in {work} ...", flush=True)
    corpus = make_corpus(work / "corpus", args.factor)
    gold = str(ROOT / "evals" / "gold.jsonl")
    sides = [Revision(args.before, work, corpus, "A"), Revision(args.after, work, corpus, "B")]
    rows: dict[str, dict] = {side.label: {} for side in sides}
    try:
        for side in sides:
            print(f"{side.label} = {side.rev} ({side.sha}): full build ...", flush=True)
            build = side.assistant("index")
            manifest = json.loads((side.index / "manifest.json").read_text(encoding="utf-8"))
            rows[side.label].update(build=build, chunks=manifest["counts"]["chunks"], disk=disk_mb(side.index))
        order = [sides[i % 2] if (i // 2) % 2 == 0 else sides[1 - i % 2] for i in range(2 * args.rounds)]
        updates = {side.label: [] for side in sides}
        for side in order[:2 * args.updates]:
            edit_one_document(side.corpus)
            updates[side.label].append(side.assistant("index")["wall"])
            rows[side.label]["nochange"] = side.assistant("index")
        warm = {side.label: {"search": [], "ask": [], "rounds": []} for side in sides}
        cold = {side.label: [] for side in sides}
        for n, side in enumerate(order, 1):
            print(f"warm round {n}/{len(order)}: {side.label}", flush=True)
            times = json.loads(side.python("-c", WARM, gold)["stdout"].strip().splitlines()[-1])
            warm[side.label]["search"] += times["search"]
            warm[side.label]["ask"] += times["ask"]
            warm[side.label]["rounds"].append({k: (percentile(v, 50), percentile(v, 95)) for k, v in times.items()})
            cold[side.label].append(side.assistant("search", "ex-forces lad with PTSD who drinks", "--json")["wall"])
    finally:
        for side in sides:
            side.remove()

    a, b = rows["A"], rows["B"]
    load = os.getloadavg()
    print(f"\n{args.factor}× corpus, {a['chunks']} / {b['chunks']} chunks; A = {args.before} ({sides[0].sha}), "
          f"B = {args.after} ({sides[1].sha}); {args.rounds} warm rounds each, order {''.join(s.label for s in order)}; "
          f"load average at the end {load[0]:.2f}\n")
    print("| measure | A | B | B / A |\n|---|---|---|---|")

    def line(name: str, x: float, y: float, unit: str, digits: int = 1) -> None:
        print(f"| {name} | {x:.{digits}f} {unit} | {y:.{digits}f} {unit} | ×{y / x:.2f} |")

    line("full build, wall", a["build"]["wall"], b["build"]["wall"], "s", 0)
    line("full build, CPU", a["build"]["cpu"], b["build"]["cpu"], "s", 0)
    line("full build, peak RSS of the tree", a["build"]["rss_mb"], b["build"]["rss_mb"], "MB", 0)
    line(f"one-document update (median of {args.updates})", statistics.median(updates["A"]),
         statistics.median(updates["B"]), "s")
    line("no-change `index`", a["nochange"]["wall"], b["nochange"]["wall"], "s", 2)
    line("cold `assistant search` (median)", statistics.median(cold["A"]), statistics.median(cold["B"]), "s", 2)
    line("index on disk", a["disk"], b["disk"], "MB", 0)
    for what in ("search", "ask"):
        for q in (50, 95):
            line(f"warm `{what}` p{q} ({len(warm['A'][what])} calls each)", percentile(warm["A"][what], q),
                 percentile(warm["B"][what], q), "ms")
    print("\nNoise: the spread of each round's own figure (ms), one process per round:\n")
    print("| measure | A rounds | B rounds |\n|---|---|---|")
    for what in ("search", "ask"):
        for i, q in enumerate((50, 95)):
            print(f"| warm `{what}` p{q} | {spread([r[what][i] for r in warm['A']['rounds']])} "
                  f"| {spread([r[what][i] for r in warm['B']['rounds']])} |")
    print(f"| cold `assistant search` (s) | {spread(cold['A'])} | {spread(cold['B'])} |")
    print(f"| one-document update (s) | {spread(updates['A'])} | {spread(updates['B'])} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
