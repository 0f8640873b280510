"""`assistant feedback`: the ratings given in the app, exported or turned into gold cases to confirm.

A part of the `assistant` command (`assistant.cli` adds this group), in its own module so that each
module of the command line keeps to one job.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from assistant.errors import BadInputError


def _settings(ctx: click.Context):
    from assistant.config import load_settings

    return load_settings(**(ctx.find_root().obj or {}))


def _project_file(path: str) -> Path:
    """A path as given when absolute or present from here; else relative to the project folder."""
    from assistant.config import project_root

    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() or candidate.exists() else project_root() / candidate


@click.group()
def feedback() -> None:
    """Export the ratings given in the app, or turn poor answers into gold cases to confirm."""


@feedback.command(name="export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to a file instead of stdout.")
@click.pass_context
def feedback_export(ctx: click.Context, fmt: str, out: str | None) -> None:
    """Every rating with its question, answer, citations and settings.

    \b
    Example:
      assistant feedback export --format csv --out feedback.csv
    """
    from assistant.feedback import FeedbackStore

    text = FeedbackStore(_settings(ctx).resolved("feedback_db")).export(fmt)
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise BadInputError(f"cannot write {out} ({exc.strerror}); choose another file with --out") from None
        click.echo(f"Wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


@feedback.command(name="to-gold")
@click.option("--out", type=click.Path(dir_okay=False), default="evals/candidates.jsonl", show_default=True)
@click.pass_context
def feedback_to_gold(ctx: click.Context, out: str) -> None:
    """Answers marked not helpful, as candidate gold cases for an evaluator to confirm.

    Each candidate has empty "gold" ids and a "review" note (what was cited, the reasons,
    the comment). Fill in the right example ids, delete "review", and move the line into
    evals/gold.jsonl; the schema check refuses a case without gold ids.
    """
    from assistant.feedback import FeedbackStore

    candidates = FeedbackStore(_settings(ctx).resolved("feedback_db")).to_gold()
    target = _project_file(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in candidates), encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot write {target} ({exc.strerror}); choose another file with --out") from None
    click.echo(f"Wrote {len(candidates)} candidate gold case(s) to {target}")
