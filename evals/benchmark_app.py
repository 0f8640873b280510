"""App benchmarks: process start to first page, and concurrent /ask calls through gradio_client.

    .venv/bin/python evals/benchmark_app.py            # 20 concurrent calls
    .venv/bin/python evals/benchmark_app.py --calls 40

Starts `assistant serve` on a free loopback port (the index must be built), times the
process from start until the page answers with the app, then sends the calls at once from
a thread pool (each with its own gradio_client), and prints Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evals"))

from benchmark import machine  # noqa: E402

QUESTIONS = [
    "My client has ADHD and keeps missing appointments",
    "ex-forces lad with PTSD who drinks",
    "she's pregnant and has unpaid work hours to do",
    "how do I handle disclosure to a new partner?",
    "he keeps getting sectioned and won't engage",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    from assistant.evaluation.metrics import percentile

    parser = argparse.ArgumentParser(description="App benchmarks")
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    try:
        while True:
            try:
                if b"Probation Practice Assistant" in urllib.request.urlopen(url, timeout=1).read():
                    break
            except OSError:
                if process.poll() is not None or time.perf_counter() - started > 120:
                    raise SystemExit("the app did not start") from None
                time.sleep(0.05)
        first_page = time.perf_counter() - started

        from gradio_client import Client

        def call(i: int) -> tuple[float, bool]:
            client = Client(url, verbose=False)
            began = time.perf_counter()
            result = client.predict(QUESTIONS[i % len(QUESTIONS)], None, None, api_name="/ask")
            ok = isinstance(result, dict) and result.get("citations") and not result.get("refused")
            return (time.perf_counter() - began) * 1000, bool(ok)

        with ThreadPoolExecutor(max_workers=args.calls) as pool:
            began = time.perf_counter()
            results = list(pool.map(call, range(args.calls)))
            wall = time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(timeout=30)
    times = [t for t, _ in results]
    succeeded = sum(ok for _, ok in results)
    print(f"Machine: {machine()}; {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n")
    print("| measure | result | target |\n|---|---|---|")
    print(f"| `assistant serve`: process start to first page | {first_page:.1f} s | ≤ 10 s |")
    print(f"| {args.calls} concurrent `/ask` calls (gradio_client) | {succeeded}/{args.calls} succeeded; "
          f"p50 {percentile(times, 50):.0f} ms, p95 {percentile(times, 95):.0f} ms; all done in {wall:.1f} s | all succeed |")
    return 0 if succeeded == args.calls else 1


if __name__ == "__main__":
    sys.exit(main())
