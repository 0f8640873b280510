"""Output for people at a terminal: progress bars on stderr, rich Markdown in a terminal (the CLI's face)."""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager


@contextmanager
def progress_bars(label_width: int, leave: bool, units: dict[str, str] | None = None, default_unit: str = "it",
                  plain_lines: bool = False):
    """A progress(stage, done, total) callback drawing one bar per stage on stderr; the bars close on exit.

    With `plain_lines`, when stderr is not a terminal (a log, a pipe), each stage writes a line instead
    at each quarter of its work: "ours: 49 of 97 questions".
    """
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}
    lines = plain_lines and not sys.stderr.isatty()
    said: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        unit = (units or {}).get(stage, default_unit)
        if lines:
            quarter = 4 * done // total if total else 4
            if done == 0 or quarter > said.get(stage, 0):
                said[stage] = quarter
                print(f"{stage}: {done} of {total} {unit}{'s' if total != 1 else ''}", file=sys.stderr, flush=True)
            return
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
