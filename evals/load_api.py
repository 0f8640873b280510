"""Load on the HTTP API over loopback: a burst of concurrent clients, a steady soak, a rebuild under load.

    .venv/bin/python evals/load_api.py --clients 50 --requests 1000           # 50 concurrent clients
    .venv/bin/python evals/load_api.py --soak 600 --rate 8                    # a 10-minute soak at 8 requests/s
    .venv/bin/python evals/load_api.py --clients 8 --duration 60 --rebuild 15 # `assistant index` after 15 s

It starts `assistant serve` on a free loopback port with private copies of the corpus and the
index (`--corpus`/`--index`, default the project's), so the real index is never touched; the
run is bounded by a number of requests or seconds. Every request is POST /api/ask with a gold
question; a request fails if it raises, times out, or does not return 200 with the documented
JSON. The server's RSS is read from /proc every second. Prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

from assistant.server import wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals"))

# the stable JSON of /api/ask (fields are only ever added: a request fails if one of these is missing)
ASK_KEYS = {"question", "answer", "refused", "mode", "citations", "warnings", "not_covered", "following_on_from",
            "shape", "lead", "notes", "points"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def questions() -> list[str]:
    with (ROOT / "evals" / "gold.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line)["question"] for line in handle if line.strip()]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Server:
    """`assistant serve` on a private copy of the corpus and index."""

    def __init__(self, corpus: Path, index: Path, work: Path):
        self.corpus, self.index = work / "corpus", work / "index"
        shutil.copytree(corpus, self.corpus)
        shutil.copytree(index, self.index, ignore=shutil.ignore_patterns("readers", ".lock"))
        self.env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(self.corpus), "ASSISTANT_INDEX_DIR": str(self.index),
                    "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (work / "server.log").open("w")
        started = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(self.port)],
                                        cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_until_healthy(self.url, 180, alive=lambda: self.process.poll() is None):
            raise SystemExit(f"the server did not start; see {work / 'server.log'}")
        self.start_seconds = time.perf_counter() - started

    def build_id(self) -> str:
        return httpx.get(f"{self.url}/healthz", timeout=10).json()["build_id"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: list[float] = []
        self.failures: list[str] = []
        self.stamps: list[float] = []

    def add(self, seconds: float, failure: str | None) -> None:
        with self.lock:
            self.times.append(seconds * 1000)
            self.stamps.append(time.monotonic())
            if failure:
                self.failures.append(failure)


def ask_once(client: httpx.Client, url: str, question: str, results: Results) -> None:
    began = time.perf_counter()
    failure = None
    try:
        response = client.post(f"{url}/api/ask", json={"question": question}, timeout=60)
        if response.status_code != 200:
            failure = f"HTTP {response.status_code}: {response.text[:200]}"
        elif not ASK_KEYS <= set(response.json()):
            failure = f"unexpected JSON: {response.text[:200]}"
    except (httpx.HTTPError, ValueError) as exc:
        failure = f"{type(exc).__name__}: {exc}"
    results.add(time.perf_counter() - began, failure)


def burst(url: str, clients: int, requests: int | None, duration: float | None, results: Results,
          stop: threading.Event) -> float:
    """`clients` threads, each with its own connection, asking back to back until the count or time is reached."""
    pool = questions()
    counter = iter(range(10**9))
    count_lock = threading.Lock()
    deadline = time.monotonic() + duration if duration else None

    def worker() -> None:
        with httpx.Client() as client:
            while not stop.is_set():
                with count_lock:
                    n = next(counter)
                if requests is not None and n >= requests:
                    return
                if deadline and time.monotonic() > deadline:
                    return
                ask_once(client, url, pool[n % len(pool)], results)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def soak(url: str, seconds: float, rate: float, results: Results, server_pid: int) -> list[tuple[float, float]]:
    """Requests at a steady `rate` per second for `seconds`; returns (elapsed s, server RSS MB) samples."""
    pool = questions()
    samples: list[tuple[float, float]] = []
    began = time.monotonic()
    sent = 0
    workers: list[threading.Thread] = []
    clients = [httpx.Client() for _ in range(8)]
    next_sample = began
    while True:
        now = time.monotonic()
        if now - began >= seconds:
            break
        if now >= next_sample:
            samples.append((now - began, rss_mb(server_pid)))
            next_sample += 1.0
        due = int((now - began) * rate)
        while sent < due:
            thread = threading.Thread(target=ask_once, args=(clients[sent % 8], url, pool[sent % len(pool)], results))
            thread.start()
            workers.append(thread)
            sent += 1
        workers = [t for t in workers if t.is_alive()]
        time.sleep(0.01)
    for thread in workers:
        thread.join()
    samples.append((time.monotonic() - began, rss_mb(server_pid)))
    for client in clients:
        client.close()
    return samples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def main() -> int:
    from benchmark import machine

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients for the burst")
    parser.add_argument("--requests", type=int, default=None, help="requests in the burst (default 10 per client)")
    parser.add_argument("--duration", type=float, default=None, help="run the burst for this many seconds instead")
    parser.add_argument("--soak", type=float, default=None, metavar="SECONDS", help="a steady soak instead of a burst")
    parser.add_argument("--rate", type=float, default=8.0, help="requests per second during the soak")
    parser.add_argument("--rebuild", type=float, default=None, metavar="SECONDS",
                        help="change the corpus copy and run `assistant index` this many seconds into the burst")
    parser.add_argument("--corpus", default=str(ROOT / "corpus"), help="corpus to copy (default: the project's)")
    parser.add_argument("--index", default=None, help="built index to copy (default: the project's index/)")
    parser.add_argument("--warmup", type=int, default=20, help="requests before measuring")
    args = parser.parse_args()
    index = Path(args.index) if args.index else ROOT / "index"
    if not (index / "manifest.json").exists():
        raise SystemExit(f"no built index at {index}; run `assistant index` first or pass --index")

    work = Path(tempfile.mkdtemp(prefix="ppa-load-"))
    server = Server(Path(args.corpus), index, work)
    try:
        warm = Results()
        burst(server.url, 4, args.warmup, None, warm, threading.Event())
        load = os.getloadavg()
        print(f"Machine: {machine()}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; load average "
              f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}; server started in {server.start_seconds:.1f} s; "
              f"index {json.loads((server.index / 'manifest.json').read_text())['counts']}\n")
        results = Results()
        if args.soak:
            samples = soak(server.url, args.soak, args.rate, results, server.process.pid)
            first = next((mb for t, mb in samples if t >= min(30.0, args.soak / 10)), samples[0][1])
            last, peak = samples[-1][1], max(mb for _, mb in samples)
            print("| measure | result |\n|---|---|")
            print(f"| soak: {args.soak:.0f} s at {args.rate:g} requests/s, {len(results.times)} requests | "
                  f"{len(results.failures)} failed; p50 {percentile(results.times, 50):.0f} ms, "
                  f"p95 {percentile(results.times, 95):.0f} ms, max {max(results.times):.0f} ms |")
            print(f"| server RSS (after {min(30.0, args.soak / 10):.0f} s → end; peak) | {first:.0f} MB → {last:.0f} MB "
                  f"({(last - first) / first * 100:+.1f}%); peak {peak:.0f} MB |")
        else:
            requests = args.requests if args.requests is not None else (None if args.duration else 10 * args.clients)
            stop = threading.Event()
            rebuild: dict = {}
            if args.rebuild is not None:
                def rebuild_later() -> None:
                    time.sleep(args.rebuild)
                    before = server.build_id()
                    doc = server.corpus / "documents" / "hmip-inspection-standards.md"
                    doc.write_text(doc.read_text(encoding="utf-8") + "\n\nA line added during the load test.\n",
                                   encoding="utf-8")
                    began = time.perf_counter()
                    done = subprocess.run([sys.executable, "-m", "assistant", "index"], cwd=ROOT, env=server.env,
                                          capture_output=True, text=True)
                    rebuild["index_s"] = time.perf_counter() - began
                    rebuild["index_ok"] = done.returncode == 0
                    while server.build_id() == before and time.perf_counter() - began < 120:
                        time.sleep(0.1)
                    rebuild["switched_s"] = time.perf_counter() - began
                    rebuild["from"], rebuild["to"] = before, server.build_id()
                    rebuild["requests_before"] = len(results.times)
                threading.Thread(target=rebuild_later, daemon=True).start()
            wall = burst(server.url, args.clients, requests, args.duration, results, stop)
            print("| measure | result |\n|---|---|")
            print(f"| {args.clients} concurrent clients, {len(results.times)} `/api/ask` requests | "
                  f"{len(results.failures)} failed; p50 {percentile(results.times, 50):.0f} ms, "
                  f"p95 {percentile(results.times, 95):.0f} ms, max {max(results.times):.0f} ms; "
                  f"{len(results.times) / wall:.1f} requests/s |")
            if rebuild:
                print(f"| rebuild during the load | `assistant index` {'succeeded' if rebuild.get('index_ok') else 'FAILED'} "
                      f"in {rebuild.get('index_s', 0):.1f} s; the server switched from build {rebuild.get('from')} to "
                      f"{rebuild.get('to')} {rebuild.get('switched_s', 0):.1f} s after it started; "
                      f"{len(results.failures)} failed requests |")
        print(f"| server RSS at the end | {rss_mb(server.process.pid):.0f} MB |")
        for failure in results.failures[:5]:
            print(f"- failure: {failure}")
        return 1 if results.failures else 0
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
