"""Scale benchmark: synthetic 10×/100×/300× corpora in the seed's format, measured end to end.

    .venv/bin/python evals/scale_benchmark.py                      # 1× and 10× (quick)
    .venv/bin/python evals/scale_benchmark.py --factors 1,10,100   # the issue's table
    .venv/bin/python evals/scale_benchmark.py --factors 300 --skip-build-check
    .venv/bin/python evals/scale_benchmark.py --factors 1,100 --chroma-server
    .venv/bin/python evals/scale_benchmark.py --make-corpus 100 --out /tmp/corpus100   # only write a corpus

A corpus of factor N holds the seed's standards summary once and N regional spotlights: the
seed's own and N-1 variants of it. A variant keeps the seed's layout (the same parser reads it)
but differs in its text: another region and other towns, other names and ages for every
person, other numbers, the bullets of each list shuffled, sentences swapped or dropped, and
sentences from a pool of invented ones added. So every chunk differs and is embedded.

For each factor, in fresh temp folders and new processes (so memory is per process):
- full build (`assistant index`): wall time, CPU time, peak RSS of the whole process tree;
- no-change check (`assistant index --if-needed` and a full verifying `assistant index`);
- one-document update (one spotlight edited, `assistant index`);
- warm `Assistant.search` and `Assistant.ask` over the gold questions (p50/p95);
- cold `assistant search` in a new process;
- disk used by the index.
Ratios against the 1× row of the same run are printed beside the absolute times, since the
machine is shared and only a ratio measured in one run compares like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus"
SPOTLIGHT = "effective-practice-spotlight-north-east-2025"
sys.path.insert(0, str(ROOT / "evals"))

# --- the synthetic corpus ---------------------------------------------------------------------

REGIONS = ["Aldmoor", "Brackenridge", "Calderholt", "Dunmere", "Eastwold", "Fellgate", "Greyhaven", "Harrowden",
           "Ivybridge Vale", "Kestrel Coast", "Larchfield", "Marrowdale", "Northwick", "Oakhollow", "Pennrith",
           "Quarry Hills", "Ravensmoor", "Saltmarsh", "Thornbury Downs", "Underfell", "Westmere", "Yarrowby"]
TOWNS = ["Ashcombe", "Birchley", "Coldharbour", "Dunstan", "Elmstead", "Foxhollow", "Glenmoor", "Hartwell",
         "Inchmore", "Jarrowfield", "Kingsmere", "Longridge", "Millbrook", "Netherby", "Otterham", "Pinehurst",
         "Redmarsh", "Stonegate", "Tanfield", "Upton Lea", "Whitcombe", "Yelverton"]
SEED_TOWNS = ["South Tyneside and Gateshead", "Redcar, Middlesbrough and Cleveland", "Northumberland and North Tyneside",
              "County Durham and Darlington", "Stockton and Hartlepool", "Sunderland", "Newcastle", "Cumbria",
              "Tyne & Wear", "Northumberland", "Gateshead", "Darlington", "Durham", "Hartlepool", "Stockton",
              "Middlesbrough", "Redcar", "Cleveland", "Tyneside"]
MALE = ["Aaron", "Ben", "Callum", "Dean", "Ethan", "Frank", "Graham", "Harvey", "Isaac", "Jack", "Kieran", "Liam",
        "Marcus", "Nathan", "Owen", "Patrick", "Ryan", "Scott", "Terry", "Vince", "Wayne", "Zach"]
FEMALE = ["Abbie", "Bethany", "Chloe", "Donna", "Ella", "Fiona", "Gemma", "Hannah", "Imogen", "Jade", "Kirsty",
          "Leanne", "Megan", "Nicola", "Olivia", "Paige", "Rachel", "Sophie", "Tara", "Vanessa", "Wendy", "Zoe"]
# Sentences of our own (invented), added here and there so that passages differ.
FILLERS = [
    "The practitioner kept a clear record of each contact and the reasons for any change of plan.",
    "Appointments were arranged around the person's work and childcare where this was possible.",
    "Supervision notes showed that the plan was reviewed after every significant event.",
    "The team discussed the case in a reflective session and agreed the next steps together.",
    "Letters were written in plain language and read through with the person at the office.",
    "Information from partner agencies was checked before it was relied on in the assessment.",
    "The senior probation officer provided regular oversight and recorded the decisions made.",
    "Contact with the person's family was used to understand the pressures at home.",
    "The plan set out small, achievable goals so that progress could be recognised.",
    "Reminder texts were sent the day before each appointment, which reduced missed contacts.",
    "A joint home visit helped the practitioner understand the living conditions first hand.",
    "The person was encouraged to say what had worked for them in previous orders.",
    "Risk information was shared promptly with the police and children's services.",
    "An interpreter was booked for the first meetings so that the induction was understood.",
    "The practitioner explained the purpose of each requirement and checked understanding.",
    "Progress was celebrated in supervision, which the person said made a difference.",
    "The case was stepped up for closer oversight when new concerns came to light.",
    "A referral to a local mentoring service gave the person support between appointments.",
    "The practitioner used a structured tool to explore thinking and behaviour in sessions.",
    "Travel costs were discussed early, and a bus pass was arranged through the hub.",
    "Safeguarding checks were repeated when the person moved to a new address.",
    "A three-way meeting with the hostel key worker agreed shared expectations.",
    "Feedback from the person was sought at the review and shaped the revised plan.",
    "The practitioner adapted the length of sessions to suit the person's concentration.",
]


def _replace_words(text: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return text
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def _vary_numbers(text: str, rng: random.Random) -> str:
    def change(match: re.Match) -> str:
        value = int(match.group(0).replace(",", ""))
        if 1900 <= value <= 2100 or value < 10:  # years and small counts stay
            return match.group(0)
        return f"{max(10, int(value * rng.uniform(0.6, 1.4))):,}"
    return re.sub(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d])|(?<![\d.,])\d{2,5}(?![\d,])", change, text)


def _vary_paragraph(line: str, rng: random.Random) -> str:
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", line.strip())
    if len(sentences) > 2 and rng.random() < 0.4:
        i = rng.randrange(1, len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    if len(sentences) > 3 and rng.random() < 0.25:
        del sentences[rng.randrange(2, len(sentences))]
    if rng.random() < 0.5:
        sentences.insert(rng.randrange(1, len(sentences) + 1), rng.choice(FILLERS))
    indent = line[: len(line) - len(line.lstrip())]
    return indent + " ".join(sentences)


def spotlight_variant(text: str, persons: dict[str, str], n: int) -> str:
    """Variant `n` of the seed spotlight: the same layout, different words (deterministic per n)."""
    rng = random.Random(f"variant-{n}")
    region = f"{REGIONS[n % len(REGIONS)]} {n}"
    towns = {town: f"{rng.choice(TOWNS)} {rng.choice(['North', 'South', 'East', 'West', 'Central'])}"
             for town in SEED_TOWNS}
    names = {}
    for name, gender in persons.items():
        pool = FEMALE if gender == "female" else MALE
        names[name] = rng.choice(pool)
    text = text.replace("North East", region).replace("north east", region.lower())
    text = _replace_words(text, towns)
    text = _replace_words(text, names)
    text = re.sub(r"\b(\d{2})-year-old", lambda m: f"{rng.randint(18, 68)}-year-old", text)
    lines = text.split("\n")
    out: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        rng.shuffle(bullets)
        out.extend(bullets)
        bullets.clear()

    for line in lines:
        stripped = line.strip()
        if stripped.startswith("•"):
            bullets.append(_vary_paragraph(line, rng) if rng.random() < 0.3 else line)
            continue
        flush()
        is_label = (stripped.startswith("Example of effectiveness") or stripped.endswith("(Back to top)")
                    or stripped.startswith("Outcome") or len(stripped) < 120)
        first_of_example = bool(re.match(r"^[A-Z][a-z]+, a \d{2}-year-old", stripped))
        out.append(line if is_label or first_of_example else _vary_paragraph(line, rng))
    flush()
    return _vary_numbers("\n".join(out), rng)


def seed_persons() -> dict[str, str]:
    """Pseudonym → gender of every person in the seed spotlight (read with the project's parser)."""
    from assistant.ingest import parse_document

    doc = parse_document(SEED / "documents" / f"{SPOTLIGHT}.txt")
    return {e.person.name: e.person.gender for e in doc.examples if e.person and e.person.name}


def make_corpus(target: Path, factor: int) -> Path:
    """Write a corpus of `factor` spotlights (the seed's and factor-1 variants) into `target`."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SEED, target)
    text = (SEED / "documents" / f"{SPOTLIGHT}.txt").read_text(encoding="utf-8")
    meta = json.loads((SEED / "documents" / f"{SPOTLIGHT}.meta.json").read_text(encoding="utf-8"))
    persons = seed_persons()
    for n in range(1, factor):
        name = f"synthetic-spotlight-{n:03d}"
        variant = spotlight_variant(text, persons, n)
        (target / "documents" / f"{name}.txt").write_text(variant, encoding="utf-8")
        region = f"{REGIONS[n % len(REGIONS)]} {n}"
        (target / "documents" / f"{name}.meta.json").write_text(json.dumps({
            **meta, "id": f"syn-{n:03d}", "region": region,
            "title": f"Effective Practice Spotlight: The Probation Service – {region} region (synthetic)",
            "url": f"https://example.org/synthetic-spotlight-{n:03d}",
        }, indent=2), encoding="utf-8")
    return target


# --- measuring --------------------------------------------------------------------------------


class TreeMemory:
    """Samples the summed RSS of a process and its descendants; `.peak` is the largest sum seen, in bytes."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.peak, self.root_peak = pid, interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _children(self) -> dict[int, list[int]]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                    children.setdefault(int(fields[1]), []).append(int(entry))
                except (OSError, IndexError, ValueError):
                    continue
        return children

    def _rss(self, pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            tree = self._children()
            todo, total = [self.pid], 0
            while todo:
                pid = todo.pop()
                rss = self._rss(pid)
                total += rss
                if pid == self.pid:
                    self.root_peak = max(self.root_peak, rss)
                todo.extend(tree.get(pid, []))
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_command(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run `assistant ARGS` in a new process: wall and CPU seconds, peak tree RSS (MB), output."""
    started = time.perf_counter()
    before = os.times()
    process = subprocess.Popen([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = TreeMemory(process.pid)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    peak = memory.stop()
    after = os.times()
    if process.returncode != 0:
        raise SystemExit(f"`assistant {' '.join(args)}` failed:\n{err[-3000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall": wall, "cpu": cpu, "rss_mb": peak / 2**20, "root_rss_mb": memory.root_peak / 2**20,
            "stdout": out, "stderr": err}


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def warm_latencies(env: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """Warm search and ask latencies, measured in a child process with the benchmark's settings."""
    code = f"""
import json, sys, time
from pathlib import Path
from assistant.api import Assistant
from assistant.evaluation import load_gold
cases = load_gold(Path({str(ROOT / 'evals' / 'gold.jsonl')!r}))
a = Assistant.load().warm_up()
a.search(cases[0].question); a.ask(cases[0].question)
search, ask = [], []
for _ in range({rounds}):
    for case in cases:
        if case.in_scope:
            t = time.perf_counter(); a.search(case.question, k=5, filters=case.filters or None)
            search.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter(); a.ask(case.question, history=list(case.history) or None, filters=case.filters or None)
        ask.append((time.perf_counter() - t) * 1000)
print(json.dumps({{"search": search, "ask": ask}}))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"warm latencies failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def edit_one_document(corpus: Path) -> None:
    """Change one spotlight a little: one example gains a sentence (as an editor would)."""
    documents = sorted((corpus / "documents").glob("*.txt"))
    path = documents[len(documents) // 2]
    text = path.read_text(encoding="utf-8")
    marker = "Outcome:"
    at = text.index(marker)
    path.write_text(text[:at] + "A weekly check-in call was added after the review.\n\n" + text[at:], encoding="utf-8")


def percentile(values: list[float], q: float) -> float:
    from assistant.evaluation.metrics import percentile as pct

    return pct(values, q)


def measure(factor: int, work: Path, rounds: int, chroma: tuple[str, int] | None, full_check: bool,
            trace: bool = False) -> dict:
    corpus = make_corpus(work / f"corpus-{factor}", factor)
    index = work / f"index-{factor}"
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(index),
           "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
    if chroma:
        env.update({"ASSISTANT_CHROMA_HOST": chroma[0], "ASSISTANT_CHROMA_PORT": str(chroma[1])})
    row: dict = {"factor": factor, "documents": len(list((corpus / "documents").glob("*.txt"))) + 1}
    build = run_command(["index"], env)
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    row.update(examples=manifest["counts"]["examples"], chunks=manifest["counts"]["chunks"],
               build_s=build["wall"], build_cpu_s=build["cpu"], build_rss_mb=build["rss_mb"],
               build_root_rss_mb=build["root_rss_mb"])
    row["quick_check_s"] = run_command(["index", "--if-needed"], env)["wall"]
    if full_check:
        row["full_check_s"] = run_command(["index", "--check"], env)["wall"]
    edit_one_document(corpus)
    update = run_command(["index"], env)
    row.update(update_s=update["wall"], update_rss_mb=update["rss_mb"],
               update_line=update["stdout"].strip().splitlines()[0])
    row["nochange_s"] = run_command(["index"], env)["wall"]
    cold = [run_command(["search", "ex-forces lad with PTSD who drinks", "--json"], env)["wall"] for _ in range(3)]
    row["cold_search_s"] = statistics.median(cold)
    latencies = warm_latencies(env, rounds)
    for name in ("search", "ask"):
        row[f"{name}_p50"] = percentile(latencies[name], 50)
        row[f"{name}_p95"] = percentile(latencies[name], 95)
        row[f"{name}_n"] = len(latencies[name])
    row["disk_mb"] = disk_mb(index)
    if trace:
        row["trace"] = trace_chroma_calls(env)
    return row


TRACE = """
import json, sys
import chromadb.api.models.Collection as module
from assistant.api import Assistant
from assistant.config import load_settings
from assistant.index import build_index, read_manifest

largest = {"get": 0, "add": 0, "delete": 0, "query n_results": 0}
def traced(name, key):
    original = getattr(module.Collection, name)
    def wrapper(self, *args, **kwargs):
        ids = kwargs.get("ids")
        size = kwargs.get("n_results", 0) if name == "query" else (len(ids) if ids is not None else 0)
        largest[key] = max(largest[key], size)
        return original(self, *args, **kwargs)
    setattr(module.Collection, name, wrapper)
for name, key in (("get", "get"), ("add", "add"), ("delete", "delete"), ("query", "query n_results")):
    traced(name, key)

settings = load_settings()
documents = sorted((settings.resolved("corpus_dir") / "documents").glob("*.txt"))
doc = documents[len(documents) // 3]
doc.write_text(doc.read_text(encoding="utf-8").replace("Outcome:", "A fortnightly review was agreed.\\n\\nOutcome:", 1),
               encoding="utf-8")
report = build_index(settings)
assistant = Assistant(settings).warm_up()
searched = [len(assistant.search(q, k=5)) for q in sys.argv[1:]]
asked = [len(assistant.ask(q).citations) for q in sys.argv[1:]]
print(json.dumps({"largest": largest, "chunks": read_manifest(settings.resolved("index_dir"))["counts"]["chunks"],
                  "update": report.summary(), "searched": searched, "asked": asked}))
"""


def trace_chroma_calls(env: dict[str, str]) -> dict:
    """A one-document update, searches and asks in one process, recording the largest Chroma call."""
    asked = ["ex-forces lad with PTSD who drinks", "she's pregnant and has unpaid work hours to do",
             "how do I handle disclosure to a new partner?"]
    result = subprocess.run([sys.executable, "-c", TRACE, *asked], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"tracing failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


INTERLEAVED = """
import json, sys, time
from pathlib import Path
from assistant.api import Assistant
from assistant.config import load_settings
from assistant.evaluation import load_gold

small = Assistant(load_settings(corpus_dir=sys.argv[1], index_dir=sys.argv[2])).warm_up()
large = Assistant(load_settings(corpus_dir=sys.argv[3], index_dir=sys.argv[4])).warm_up()
cases = load_gold(Path(sys.argv[5]))
rounds = int(sys.argv[6])
times = {"small search": [], "large search": [], "small ask": [], "large ask": []}
for assistant in (small, large):
    assistant.search(cases[0].question); assistant.ask(cases[0].question)
for r in range(rounds):
    for i, case in enumerate(cases):
        order = [("small", small), ("large", large)] if (i + r) % 2 == 0 else [("large", large), ("small", small)]
        for name, assistant in order:
            if case.in_scope:
                t = time.perf_counter(); assistant.search(case.question, k=5, filters=case.filters or None)
                times[name + " search"].append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            assistant.ask(case.question, history=list(case.history) or None, filters=case.filters or None)
            times[name + " ask"].append((time.perf_counter() - t) * 1000)
print(json.dumps(times))
"""


def interleaved(work: Path, small: int, large: int, rounds: int, label: str = "embedded Chroma",
                env: dict[str, str] | None = None) -> None:
    """Warm search and ask on two corpus sizes in one process, question by question, alternating:
    both feel the same load, so the ratio compares like with like on a shared machine."""
    args = [str(work / f"corpus-{small}"), str(work / f"index-{small}"), str(work / f"corpus-{large}"),
            str(work / f"index-{large}"), str(ROOT / "evals" / "gold.jsonl"), str(rounds)]
    result = subprocess.run([sys.executable, "-c", INTERLEAVED, *args], cwd=ROOT, capture_output=True, text=True,
                            env=env)
    if result.returncode != 0:
        raise SystemExit(f"interleaved run failed:\n{result.stderr[-3000:]}")
    times = json.loads(result.stdout.strip().splitlines()[-1])
    load = os.getloadavg()
    print(f"\nInterleaved in one process, {label} ({small}× and {large}×, alternating question by question, "
          f"{rounds} rounds; load average now {load[0]:.2f}):\n")
    print(f"| measure | {small}× p50 / p95 | {large}× p50 / p95 | ratio p50 / p95 |\n|---|---|---|---|")
    for what in ("search", "ask"):
        a, b = times[f"small {what}"], times[f"large {what}"]
        pa, pb = (percentile(a, 50), percentile(a, 95)), (percentile(b, 50), percentile(b, 95))
        print(f"| warm `Assistant.{what}` ({len(a)} calls each) | {pa[0]:.1f} / {pa[1]:.1f} ms | {pb[0]:.1f} / {pb[1]:.1f} ms "
              f"| ×{pb[0] / pa[0]:.2f} / ×{pb[1] / pa[1]:.2f} |")


def start_chroma_server(work: Path, port: int | None = None) -> tuple[subprocess.Popen, int]:
    import socket
    import urllib.request

    if port is None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    log = (work / "chroma-server.log").open("w")
    process = subprocess.Popen([str(chroma), "run", "--path", str(work / "chroma-server"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return process, port
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the Chroma server did not start")


def print_table(rows: list[dict], label: str) -> None:
    base = rows[0] if rows and rows[0]["factor"] == 1 else None

    def ratio(row: dict, key: str) -> str:
        if not base or row is base or not base.get(key):
            return ""
        return f" (×{row[key] / base[key]:.2f})"

    print(f"\n{label}\n")
    print("| corpus | docs / examples / chunks | full build (CPU) | peak RSS build | one-document update "
          "| no change: `--if-needed` / `index` | warm search p50 / p95 | warm ask p50 / p95 | cold `search` | disk |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['factor']}× | {row['documents']} / {row['examples']} / {row['chunks']} "
              f"| {row['build_s']:.0f} s ({row['build_cpu_s']:.0f} s CPU) | {row['build_rss_mb']:.0f} MB "
              f"| {row['update_s']:.1f} s | {row['quick_check_s']:.2f} s / {row['nochange_s']:.2f} s "
              f"| {row['search_p50']:.1f} / {row['search_p95']:.1f} ms{ratio(row, 'search_p95')} "
              f"| {row['ask_p50']:.1f} / {row['ask_p95']:.1f} ms{ratio(row, 'ask_p95')} "
              f"| {row['cold_search_s']:.2f} s | {row['disk_mb']:.0f} MB |")
    print()
    for row in rows:
        print(f"- {row['factor']}×: build process alone peaked at {row['build_root_rss_mb']:.0f} MB (the rest of the "
              f"peak is the model-export child); update: {row['update_line'].rstrip('.')}; warm samples: {row['search_n']} searches, "
              f"{row['ask_n']} asks" + (f"; `index --check` {row['full_check_s']:.1f} s" if 'full_check_s' in row else ""))
        if "trace" in row:
            trace = row["trace"]
            print(f"  - traced in one process: {trace['update']} Searches returned {trace['searched']} hits, asks cited "
                  f"{trace['asked']} sources. Largest Chroma calls: " +
                  ", ".join(f"{k} {v:,}" for k, v in trace["largest"].items()) + f" (the index has {trace['chunks']:,} chunks)")


def main() -> int:
    from benchmark import machine

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--factors", default="1,10", help="comma-separated corpus sizes, e.g. 1,10,100")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the gold questions for warm latencies")
    parser.add_argument("--chroma-server", action="store_true", help="also measure against a local Chroma server")
    parser.add_argument("--skip-build-check", action="store_true", help="skip the timed `index --check`")
    parser.add_argument("--trace", action="store_true",
                        help="also run an update, searches and asks in one process recording the largest Chroma call")
    parser.add_argument("--work", default=None, help="folder for corpora and indexes (default: a temp folder)")
    parser.add_argument("--make-corpus", type=int, default=None, metavar="N", help="only write an N× corpus to --out")
    parser.add_argument("--out", default=None, help="with --make-corpus: where to write it")
    parser.add_argument("--interleaved", default=None, metavar="SMALL,LARGE",
                        help="also time warm search and ask on two of the factors in one process, alternating")
    args = parser.parse_args()
    if args.make_corpus:
        target = Path(args.out or f"corpus-{args.make_corpus}x")
        make_corpus(target, args.make_corpus)
        print(f"Wrote a {args.make_corpus}× corpus to {target}")
        return 0
    factors = [int(f) for f in args.factors.split(",") if f.strip()]
    if args.interleaved and not factors:  # `--factors "" --work DIR`: only the interleaved run, on corpora built before
        small, large = (int(x) for x in args.interleaved.split(","))
        work = Path(args.work)
        interleaved(work, small, large, args.rounds)
        if args.chroma_server:
            manifest = json.loads((work / "server" / f"index-{large}" / "manifest.json").read_text(encoding="utf-8"))
            server, port = start_chroma_server(work, manifest["chroma"]["port"])
            try:
                env = {**os.environ, "ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": str(port)}
                interleaved(work / "server", small, large, args.rounds, "Chroma server", env)
            finally:
                server.terminate()
                server.wait(timeout=30)
        return 0
    work = Path(args.work or tempfile.mkdtemp(prefix="ppa-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    print(f"Machine: {machine()}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"load average at start {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    try:
        rows = [measure(f, work, args.rounds, None, not args.skip_build_check, args.trace) for f in factors]
        print_table(rows, "Embedded Chroma (the default)")
        if args.interleaved:
            small, large = (int(x) for x in args.interleaved.split(","))
            interleaved(work, small, large, args.rounds)
        if args.chroma_server:
            server, port = start_chroma_server(work)
            try:
                rows = [measure(f, work / "server", args.rounds, ("127.0.0.1", port), False) for f in factors]
                print_table(rows, "Chroma server (`chroma run`, loopback)")
                if args.interleaved:
                    small, large = (int(x) for x in args.interleaved.split(","))
                    env = {**os.environ, "ASSISTANT_CHROMA_HOST": "127.0.0.1", "ASSISTANT_CHROMA_PORT": str(port)}
                    interleaved(work / "server", small, large, args.rounds, "Chroma server", env)
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    print(f"\nLoad average at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} "
          f"({datetime.now(timezone.utc):%H:%M} UTC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
