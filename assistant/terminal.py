"""Output for people at a terminal: progress bars on stderr, rich Markdown in a terminal (the CLI's face)."""

from __future__ import annotations

import re
import sys
import time
from contextlib import contextmanager


@contextmanager
def progress_bars(label_width: int, leave: bool, units: dict[str, str] | None = None, default_unit: str = "it",
                  plain_every: float | None = None, plain_lines: bool = False):
    """A progress(stage, done, total) callback drawing one bar per stage on stderr; the bars close on exit.

    Bars are drawn only in a terminal. When stderr is not a terminal (a log, a pipe): with `plain_every`
    (seconds), plain lines for each stage of more than one step at its start, every `plain_every`
    seconds with about how long it has left, and at its end; with `plain_lines`, a line at each
    quarter of a stage's work ("ours: 49 of 97 questions").
    """
    if plain_every is not None and not sys.stderr.isatty():
        yield _plain_progress(plain_every, units or {}, default_unit)
        return
    if plain_lines and not sys.stderr.isatty():
        yield _quarter_lines(units or {}, default_unit)
        return
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        unit = (units or {}).get(stage, default_unit)
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:>{label_width}}", leave=leave, file=sys.stderr,
                                     unit=unit, disable=None)
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield progress
    finally:
        for bar in bars.values():
            bar.close()


def _quarter_lines(units: dict[str, str], default_unit: str):
    said: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        unit = units.get(stage, default_unit)
        quarter = 4 * done // total if total else 4
        if done == 0 or quarter > said.get(stage, 0):
            said[stage] = quarter
            print(f"{stage}: {done} of {total} {unit}{'s' if total != 1 else ''}", file=sys.stderr, flush=True)

    return progress


def _plain_progress(every: float, units: dict[str, str], default_unit: str):
    started: dict[str, float] = {}
    said: dict[str, float] = {}
    ended: set[str] = set()

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        start = started.setdefault(stage, now)
        if total <= 1 or stage in ended or (stage in said and done < total and now - said[stage] < every):
            return
        said[stage] = now
        left = ""
        if 0 < done < total:
            left = f", about {seconds_words((now - start) / done * (total - done))} left"
        if done >= total:
            ended.add(stage)
        print(f"  {stage}: {done:,} of {total:,}{units.get(stage, default_unit)}{left}", file=sys.stderr, flush=True)

    return progress


def seconds_words(seconds: float) -> str:
    """"4 s", "3 min": as near as an estimate can say."""
    return f"{max(1, round(seconds))} s" if seconds < 60 else f"{round(seconds / 60)} min"


class EstimateSaid:
    """Says a build's estimate when it comes (`announce`, the build's `on_estimate`), then how it turned out."""

    def __init__(self, echo):
        self.echo = echo
        self.at: float | None = None
        self.seconds = 0.0

    def announce(self, estimate) -> None:
        self.echo(estimate.describe())
        self.at, self.seconds = time.monotonic(), estimate.seconds

    def outcome(self) -> str | None:
        """"Re-indexing took 41 s (estimated 38 s).", once an estimate was said."""
        if self.at is None:
            return None
        return f"Re-indexing took {seconds_words(time.monotonic() - self.at)} (estimated {seconds_words(self.seconds)})."


def is_terminal() -> bool:
    return sys.stdout.isatty()


def console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def rich_markdown(text: str):
    """rich Markdown; links show their address, since not every terminal makes them clickable.

    Each line stays a line, as in the app's chat (Markdown would join "**Sources**" and "[1] …").
    """
    from rich.markdown import Markdown

    return Markdown(re.sub(r"(?<![\n ])\n(?!\n)", "  \n", text), hyperlinks=False)
