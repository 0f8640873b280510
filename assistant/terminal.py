"""Output for people at a terminal: progress bars on stderr, rich Markdown in a terminal (the CLI's face)."""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager


@contextmanager
def progress_bars(label_width: int, leave: bool, units: dict[str, str] | None = None, default_unit: str = "it"):
    """A progress(stage, done, total) callback drawing one bar per stage on stderr; the bars close on exit."""
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:>{label_width}}", leave=leave, file=sys.stderr,
                                     unit=(units or {}).get(stage, default_unit), disable=None)
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
