"""The `assistant` command. Its --help is its manual.

Errors from the library arrive as typed exceptions and leave as one line on stderr with a
non-zero exit; the library itself never prints or exits.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from assistant.errors import AssistantError


def _settings(ctx: click.Context, **overrides: Any):
    from assistant.config import load_settings

    return load_settings(**(ctx.obj or {}), **overrides)


class _Group(click.Group):
    """Turns the assistant's typed errors into one friendly line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AssistantError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted; the previous index (if any) is still in place.", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False), envvar=None,
              help="Corpus folder (default: corpus/, or ASSISTANT_CORPUS_DIR).")
@click.option("--index", "index_dir", type=click.Path(file_okay=False),
              help="Index folder (default: index/, or ASSISTANT_INDEX_DIR).")
@click.version_option(package_name="probation-practice-assistant", prog_name="assistant")
@click.pass_context
def main(ctx: click.Context, corpus_dir: str | None, index_dir: str | None) -> None:
    """Probation Practice Assistant: find inspected effective practice for a case.

    Answers come from HM Inspectorate of Probation's published effective practice. This is
    not official guidance: decisions rest with you, your SPO and policy.

    \b
    Start with:
      assistant index                      build the index from corpus/
      assistant search "client with ADHD keeps missing appointments"
      assistant serve                      open the web app on 127.0.0.1
    """
    ctx.obj = {"corpus_dir": corpus_dir, "index_dir": index_dir}


@main.command()
@click.option("--rebuild", is_flag=True, help="Embed everything again, even unchanged passages.")
@click.option("--if-needed", is_flag=True, help="Quietly do nothing when the index is up to date.")
@click.pass_context
def index(ctx: click.Context, rebuild: bool, if_needed: bool) -> None:
    """Build or update the index from the corpus.

    Only passages that changed are embedded again; a failed build leaves the previous index
    serving.

    \b
    Example:
      assistant index
    """
    from tqdm import tqdm

    from assistant.index import build_index

    settings = _settings(ctx)
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:>18}", unit=" chunks" if stage == "embed" else "",
                                     leave=True, file=sys.stderr, disable=None)
        bar.total = total
        bar.n = done
        bar.refresh()

    report = build_index(settings, progress=progress, rebuild=rebuild)
    for bar in bars.values():
        bar.close()
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if not (if_needed and report.up_to_date):
        click.echo(report.summary())


def _filters(theme, need, sentence, standard, document, kind) -> dict[str, list[str]]:
    given = {"theme": theme, "need": need, "sentence": sentence, "standard": standard,
             "document": document, "kind": kind}
    return {k: list(v) for k, v in given.items() if v}


_FILTER_OPTIONS = [
    click.option("--theme", multiple=True, help="Only this theme (section), e.g. 'Court work'. Repeatable."),
    click.option("--need", multiple=True, help="Only examples with this need, e.g. 'mental health'. Repeatable."),
    click.option("--sentence", multiple=True, help="Only examples with this sentence or requirement, e.g. 'RAR'."),
    click.option("--standard", multiple=True, help="Only examples illustrating this standard, e.g. '2.1 Assessment'."),
    click.option("--document", multiple=True, help="Only this document (id or title)."),
    click.option("--kind", type=click.Choice(["case", "organisational", "section"]), multiple=True,
                 help="Only case examples, organisational examples, or sections."),
]


def _with_filters(func):
    for option in reversed(_FILTER_OPTIONS):
        func = option(func)
    return func


@main.command()
@click.argument("query")
@click.option("-k", "--top", "k", type=click.IntRange(1, 100), default=None, help="How many results (default 5).")
@_with_filters
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other tools.")
@click.pass_context
def search(ctx: click.Context, query: str, k: int | None, theme, need, sentence, standard, document, kind,
           as_json: bool) -> None:
    """Find the examples and sections that best match QUERY.

    \b
    Examples:
      assistant search "ex-forces lad with PTSD who drinks"
      assistant search "keeping her engaged" --need pregnancy -k 3
      assistant search "risk management" --theme "Public protection" --json
    """
    from assistant.api import Assistant

    assistant = Assistant.load(_settings(ctx))
    hits = assistant.search(query, k=k or assistant.settings.top_k,
                            filters=_filters(theme, need, sentence, standard, document, kind) or None)
    if as_json:
        click.echo(json.dumps({"query": query, "results": [h.to_json() for h in hits]}, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("No examples match those filters; remove a filter or broaden the question.")
    for hit in hits:
        unit = hit.unit
        person = getattr(unit, "person_summary", lambda: "")()
        click.echo(f"{hit.rank}. {unit.title}  [{hit.kind} · {unit.section}]  score {hit.score:.2f}")
        if person:
            click.echo(f"   {person}")
        click.echo(f"   id: {unit.id}")
        click.echo(f"   why: {'; '.join(hit.matched)}")
        click.echo(f"   {unit.url}")


@main.command()
@click.argument("question")
@_with_filters
@click.option("--llm", "llm", default=None, metavar="SPEC",
              help="Answer with an LLM, e.g. openai:qwen2.5 or ollama:llama3.1 (default: ASSISTANT_LLM, else offline).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other tools.")
@click.pass_context
def ask(ctx: click.Context, question: str, theme, need, sentence, standard, document, kind, llm: str | None,
        as_json: bool) -> None:
    """Answer QUESTION from the corpus, citing the examples behind every point.

    Offline by default: each point is a sentence from an inspected case, marked [n]. With
    --llm, a local or OpenAI-compatible model writes the answer and it is checked against
    the sources; if it fails, the offline answer is shown instead.

    \b
    Examples:
      assistant ask "my client has ADHD and keeps missing appointments"
      assistant ask "how do I handle disclosure to a new partner?" --json
    """
    from assistant.api import Assistant

    assistant = Assistant.load(_settings(ctx))
    answer = assistant.ask(question, filters=_filters(theme, need, sentence, standard, document, kind) or None,
                           llm=llm)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return
    for warning in answer.warnings:
        click.echo(f"Note: {warning}", err=True)
    click.echo(answer.answer)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other tools.")
@click.pass_context
def examples(ctx: click.Context, as_json: bool) -> None:
    """List every example in the index.

    \b
    Example:
      assistant examples --json
    """
    from assistant.api import Assistant

    items = Assistant.load(_settings(ctx)).examples()
    if as_json:
        click.echo(json.dumps([e.to_json() for e in items], ensure_ascii=False, indent=2))
        return
    for example in items:
        who = example.person_summary() or example.kind
        click.echo(f"{example.id}\n   {example.title}  [{example.section}]  {who}")


@main.command()
@click.argument("term", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other tools.")
@click.pass_context
def glossary(ctx: click.Context, term: str | None, as_json: bool) -> None:
    """Show the glossary, or the entries for TERM.

    \b
    Examples:
      assistant glossary AP
      assistant glossary hostel
    """
    from assistant.api import Assistant

    entries = Assistant.load(_settings(ctx)).glossary
    found = entries.lookup(term) if term else entries.entries
    if term and not found:
        raise click.ClickException(f"'{term}' is not in the glossary; try `assistant glossary` for the full list")
    if as_json:
        click.echo(json.dumps([e.to_json() for e in found], ensure_ascii=False, indent=2))
        return
    for entry in found:
        click.echo(f"{entry.term:<16} {entry.meaning}  ({entry.kind}; {entry.source})")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other tools.")
@click.pass_context
def config(ctx: click.Context, as_json: bool) -> None:
    """Show the settings in effect and where each came from.

    Precedence: defaults < assistant.toml < ASSISTANT_* environment variables < flags.
    """
    from assistant.config import config_file_path, llm_api_key

    settings = _settings(ctx)
    items = settings.public_items()
    if as_json:
        click.echo(json.dumps({name: {"value": str(value) if value is not None else None, "source": source}
                               for name, value, source in items}, indent=2))
        return
    click.echo(f"config file: {config_file_path()}")
    for name, value, source in items:
        click.echo(f"{name:<16} {value!s:<40} ({source})")
    click.echo(f"{'llm_api_key':<16} {'set' if llm_api_key() else 'not set':<40} (environment ASSISTANT_LLM_API_KEY only)")


@main.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 7860).")
@click.option("--no-auth", is_flag=True, help="Allow a non-loopback --host without ASSISTANT_AUTH (trusted networks only).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, no_auth: bool) -> None:
    """Start the web app on this machine (never a public share link).

    \b
    Example:
      assistant serve --port 7860
    """
    import os

    from assistant.api import Assistant
    from assistant.ui import check_host, serve as serve_app

    settings = _settings(ctx, host=host, port=port)
    check_host(settings.host, os.environ.get("ASSISTANT_AUTH"), no_auth)  # before any loading
    click.echo(f"Starting the app on http://{settings.host}:{settings.port} (Ctrl+C to stop)", err=True)
    serve_app(Assistant.load(settings).warm_up(), settings, no_auth=no_auth)


if __name__ == "__main__":  # pragma: no cover
    main()
