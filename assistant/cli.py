"""The `assistant` command. Its --help is its manual.

Errors from the library arrive as typed exceptions and leave as one line on stderr with a
non-zero exit; the library itself never prints or exits.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from assistant.cli_conversation import conversation_for, conversation_options, forget_kept, keep_turn
from assistant.errors import AssistantError, BadInputError, StorageError, os_error_line, unexpected_line
from assistant.terminal import EstimateSaid, console, is_terminal, progress_bars, rich_markdown


def _settings(ctx: click.Context, **overrides: Any):
    from assistant.config import load_settings

    return load_settings(**(ctx.obj or {}), **overrides)


class _Group(click.Group):
    """Turns the assistant's typed errors into one friendly line and an exit code."""

    def main(self, args=None, **kwargs):
        # invalid UTF-8 in an argument reaches Python as lone surrogates: refuse it before click echoes it
        from assistant.api import validation

        try:
            validation.arguments(sys.argv[1:] if args is None else list(args))
        except BadInputError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        if kwargs.get("standalone_mode", True) is False:
            return super().main(args=args, **kwargs)
        try:
            result = super().main(args=args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:  # one line, not click's usage block
            command = exc.ctx.command_path if exc.ctx else "assistant"
            click.echo(f"Error: {exc.format_message()} (see `{command} --help`)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AssistantError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:  # permissions, a missing folder, a file in a folder's place, a full device
            click.echo(f"Error: {os_error_line(exc)}", err=True)
            ctx.exit(StorageError.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # one line, never a traceback (ASSISTANT_DEBUG=1 shows it)
            if os.environ.get("ASSISTANT_DEBUG"):
                raise
            click.echo(f"Error: {unexpected_line(exc)}", err=True)
            ctx.exit(70)  # EX_SOFTWARE
        except KeyboardInterrupt:
            click.echo("Interrupted; the previous index (if any) is still in place.", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpus", "corpus_dir", type=click.Path(file_okay=False), envvar=None,
              help="Corpus folder, relative to where you run this (default: ASSISTANT_CORPUS_DIR, else corpus/ in the project folder).")
@click.option("--index", "index_dir", type=click.Path(file_okay=False),
              help="Index folder, relative to where you run this (default: ASSISTANT_INDEX_DIR, else index/ in the project folder).")
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
@click.option("--rebuild", is_flag=True, help="Embed everything again and make the Chroma store afresh.")
@click.option("--if-needed", is_flag=True,
              help="Build only if the corpus, the settings or a piece of the index changed; say so either way.")
@click.option("--check", "check_only", is_flag=True,
              help="Verify every piece of the index against its manifest, name any damage, change nothing.")
@click.option("--wait", type=click.FloatRange(min=0), default=600, show_default=True, metavar="SECONDS",
              help="How long to wait for another `assistant index` building the same index.")
@click.option("--no-wait", is_flag=True, help="Exit at once if another `assistant index` is building the same index.")
@click.pass_context
def index(ctx: click.Context, rebuild: bool, if_needed: bool, check_only: bool, wait: float, no_wait: bool) -> None:
    """Build, update, check or repair the index from the corpus.

    Only documents that changed are parsed again and only passages that changed are
    embedded again. A damaged piece (a file, the Chroma store, the query model) is rebuilt
    from what is intact. A failed or interrupted build leaves the previous index serving,
    and the next run cleans up what it left; Ctrl-C stops a build within a second or two
    (exit status 130).

    \b
    Examples:
      assistant index
      assistant index --check      exit status 1 and one line per damaged piece
    """
    from assistant.api import build_index, check_index

    settings = _settings(ctx)
    if check_only:
        checked = check_index(settings)
        if checked.ok:
            click.echo(f"Index OK: build {checked.build_id}, {checked.counts.get('chunks', 0)} chunks; every piece "
                       "matches the manifest.")
            if checked.stale:
                click.echo(f"Note: {checked.stale}; run `assistant index` to bring it up to date.", err=True)
            return
        for damage in checked.damage:  # a permission problem is not damage, and `assistant index` cannot fix it
            click.echo(f"{'Cannot read' if damage.kind == 'unreadable' else 'Damaged'}: {damage}", err=True)
        click.echo("Check the permissions of the pieces that cannot be read (they may be intact)." if checked.unreadable
                   else "Run `assistant index` to repair it.", err=True)
        ctx.exit(1)
    with progress_bars(label_width=18, leave=True, units={"embed": " chunks", "store": " chunks", "passages": " passages"},
                        default_unit="") as progress:
        report = build_index(settings, progress=progress, rebuild=rebuild, lock_timeout=0 if no_wait else wait,
                             on_wait=lambda message: click.echo(message, err=True))
    for note in report.cleaned:
        click.echo(f"Cleaned up: {note}", err=True)
    for damage in report.repaired:
        click.echo(f"Repaired: {damage}", err=True)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(report.summary())
    if not report.up_to_date and not if_needed:
        click.echo("\n".join(["Documents:", *report.document_table()]))


def _filters(theme, need, sentence, standard, document, kind, region, year, publication_kind) -> dict[str, list[str]]:
    given = {"theme": theme, "need": need, "sentence": sentence, "standard": standard,
             "document": document, "kind": kind, "region": region, "year": year, "publication_kind": publication_kind}
    return {k: list(v) for k, v in given.items() if v}


_FILTER_OPTIONS = [
    click.option("--theme", multiple=True, help="Only this theme (section), e.g. 'Court work'. Repeatable."),
    click.option("--need", multiple=True, help="Only examples with this need, e.g. 'mental health'. Repeatable."),
    click.option("--sentence", multiple=True, help="Only examples with this sentence or requirement, e.g. 'RAR'."),
    click.option("--standard", multiple=True, help="Only examples illustrating this standard, e.g. '2.1 Assessment'."),
    click.option("--document", multiple=True, help="Only this document (id or title)."),
    click.option("--kind", type=click.Choice(["case", "organisational", "section"]), multiple=True,
                 help="Only case examples, organisational examples, or sections."),
    click.option("--region", multiple=True, help="Only publications about this region, e.g. 'North East'."),
    click.option("--year", multiple=True, help="Only publications of this year, e.g. 2025. Repeatable."),
    click.option("--publication-kind", "publication_kind", multiple=True,
                 help="Only this kind of publication: spotlight, guide, youth guide, report, standards, …"),
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
def search(ctx: click.Context, query: str, k: int | None, theme, need, sentence, standard, document, kind, region, year, publication_kind,
           as_json: bool) -> None:
    """Find the examples and sections that best match QUERY.

    \b
    Examples:
      assistant search "ex-forces lad with PTSD who drinks"
      assistant search "keeping her engaged" --need pregnancy -k 3
      assistant search "risk management" --theme "Public protection" --json
    """
    from assistant.api import Assistant, redacted

    assistant = Assistant.load(_settings(ctx))
    hits = assistant.search(query, k=k or assistant.settings.top_k,
                            filters=_filters(theme, need, sentence, standard, document, kind, region, year, publication_kind) or None)
    if assistant.pending_change():
        click.echo(f"Note: {assistant.pending_change()}", err=True)
    if as_json:
        click.echo(json.dumps({"query": redacted(query), "results": [h.to_json() for h in hits]}, ensure_ascii=False,
                              indent=2))
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
@click.argument("question", required=False)
@_with_filters
@click.option("--llm", "llm", default=None, metavar="SPEC",
              help="Answer with an LLM, e.g. openai:qwen2.5 or ollama:llama3.1 (default: ASSISTANT_LLM, else offline).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other tools.")
@click.option("--plain", "plain_output", is_flag=True, help="Plain text, even in a terminal (it is plain when piped).")
@conversation_options
@click.pass_context
def ask(ctx: click.Context, question: str | None, theme, need, sentence, standard, document, kind, region, year,
        publication_kind, llm: str | None, as_json: bool, plain_output: bool, history_file: str | None, continue_: bool,
        forget: bool) -> None:
    """Answer QUESTION from the corpus, citing the examples behind every point.

    Offline by default: each point is a sentence from an inspected case, marked [n]. With
    --llm, a local or OpenAI-compatible model writes the answer and it is checked against
    the sources; if it fails, the offline answer is shown instead. A terminal shows the
    answer formatted; a pipe (or --plain) gets plain text, and --json the stable JSON.
    --history FILE or --continue (the last conversation, kept redacted for an hour in the data
    folder: see conversation_file in `assistant config`) carry a conversation; --forget drops it.

    \b
    Examples:
      assistant ask "my client has ADHD and keeps missing appointments"
      assistant ask --continue "what did the PP do about his housing?"
      assistant ask "how do I handle disclosure to a new partner?" --json
    """
    from assistant.api import Assistant

    settings = _settings(ctx)
    if forget:
        click.echo(forget_kept(settings), err=True)
    if not question:
        return None if forget else ctx.fail("Missing argument 'QUESTION'")
    history = conversation_for(settings, history_file, continue_)
    assistant = Assistant.load(settings)
    filters = _filters(theme, need, sentence, standard, document, kind, region, year, publication_kind) or None
    answer = assistant.ask(question, history=history or None, filters=filters, llm=llm)
    keep_turn(settings, history, answer)
    if assistant.pending_change():
        click.echo(f"Note: {assistant.pending_change()}", err=True)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return
    from assistant.render import filter_notice, markdown, plain

    notes = [filter_notice(assistant.count_matching(filters), filters)] if filters and answer.refused else []
    for warning in [*answer.warnings, *notes]:
        click.echo(f"Note: {warning}", err=True)
    if plain_output or not is_terminal():
        click.echo(plain(answer))
    else:
        console().print(rich_markdown(markdown(answer)))


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


_WAIT_OPTIONS = [
    click.option("--wait", type=click.FloatRange(min=0), default=600, show_default=True, metavar="SECONDS",
                 help="How long to wait for another command changing the corpus (add, remove, index)."),
    click.option("--no-wait", is_flag=True, help="Exit at once, naming it, if another command is changing the corpus."),
]


def _with_wait(func):
    for option in reversed(_WAIT_OPTIONS):
        func = option(func)
    return func


def _note(message: str) -> None:
    click.echo(message, err=True)


def _reindex(settings, wait: float = 600) -> None:
    """Bring the index up to date after the corpus changed: how long it will take, its progress, then the summary."""
    from assistant.api import build_index

    said = EstimateSaid(click.echo)
    with progress_bars(label_width=18, leave=False, units={"embed": " chunks", "passages": " passages", "store": " chunks",
                                                            "parse": " documents"}, default_unit="", plain_every=5) as progress:
        report = build_index(settings, progress=progress, on_estimate=said.announce, lock_timeout=wait, on_wait=_note)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(report.summary())
    outcome = said.outcome()  # how long it took, against the estimate
    if outcome:
        click.echo(outcome)


@main.command()
@click.argument("source", metavar="PATH_OR_URL")
@click.option("--title", default=None, help="Title (default: read from the document).")
@click.option("--year", type=int, default=None, help="Publication year (default: read from the document).")
@click.option("--region", default=None, help="Region, e.g. 'North East' (default: read from the title).")
@click.option("--kind", default=None, help="Publication kind: spotlight, guide, youth guide, report, standards, …")
@click.option("--id", "doc_id", default=None, help="Document id, the prefix of its example ids (default: from the file name).")
@_with_wait
@click.pass_context
def add(ctx: click.Context, source: str, title, year, region, kind, doc_id, wait: float, no_wait: bool) -> None:
    """Add a publication (a file, or an http(s) URL to download) to the corpus and re-index.

    The file goes into corpus/documents/ with a .meta.json holding its title, year, region
    and kind, read from the document where it says them; the options override. Formats:
    .txt, .md, .html, .pdf, .docx. Re-indexing says first how long it will take, shows its
    progress, and ends with how long it took.

    \b
    Examples:
      assistant add ~/Downloads/effective-practice-guide.pdf --kind guide
      assistant add https://example.org/spotlight.html --region "North West" --year 2025
    """
    from assistant.api import add_publication, add_summary

    settings = _settings(ctx)
    with progress_bars(label_width=18, leave=False, units={"download": "B"}, default_unit="") as progress:
        added = add_publication(settings, source, title=title, year=year, region=region, kind=kind, doc_id=doc_id,
                                progress=progress, lock_timeout=0 if no_wait else wait, on_note=_note)
    for line in add_summary(added, settings.resolved("corpus_dir")):
        click.echo(line)
    _reindex(settings, 0 if no_wait else wait)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for other tools.")
@click.option("--verbose", "-v", is_flag=True,
              help="Also show where each document's text went (kept, dropped by reason) and where its metadata was read.")
@click.pass_context
def documents(ctx: click.Context, as_json: bool, verbose: bool) -> None:
    """List the documents in the corpus: counts, year, kind, date added, warnings.

    A document that cannot be read is listed with the reason; "not indexed" means the
    index does not yet match it (run `assistant index`). With --verbose, each document's
    characters kept and dropped (navigation, running headers, cookie banners, …) and where
    its title, year, region and kind were read.

    \b
    Examples:
      assistant documents --json
      assistant documents --verbose
    """
    from assistant.api import corpus_documents

    records = corpus_documents(_settings(ctx))
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    for record in records:
        if record.get("skipped"):
            click.echo(f"{record['file']}\n   not readable: {record['skipped']}")
            continue
        facts = [f"{record['examples']} examples, {record['sections']} sections"]
        facts += [str(record[k]) for k in ("kind", "year", "region") if record.get(k)]
        if record.get("added"):
            facts.append(f"added {record['added'][:10]}")
        if not record["indexed"]:
            facts.append("not indexed")
        click.echo(f"{record['id']}  {record['title']}\n   {record['file']} · {' · '.join(facts)}")
        if verbose:
            from assistant.api import document_details

            for line in document_details(record):
                click.echo(f"   {line}")
        for warning in record["warnings"]:
            click.echo(f"   warning: {warning}")


@main.command()
@click.argument("ident", metavar="ID")
@_with_wait
@click.pass_context
def remove(ctx: click.Context, ident: str, wait: float, no_wait: bool) -> None:
    """Remove a document (by id or file name) and its meta file from the corpus, then re-index.

    Re-indexing says first how long it will take, shows its progress, and ends with how long it took.

    \b
    Example:
      assistant remove ne-2025
    """
    from assistant.api import remove_publication

    settings = _settings(ctx)
    removed = remove_publication(settings, ident, lock_timeout=0 if no_wait else wait, on_note=_note)
    click.echo(f"Removed {removed['id']} ({removed['file']})")
    _reindex(settings, 0 if no_wait else wait)


def _project_file(path: str) -> Path:
    """A path as given when absolute or present from here; else relative to the project folder."""
    from assistant.config import project_root

    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() or candidate.exists() else project_root() / candidate


@main.command(name="eval")
@click.option("--gold", default="evals/gold.jsonl", show_default=True, help="Gold questions (JSON lines).")
@click.option("--systems", default="ours,naive,bm25,dense", show_default=True,
              help="Comma-separated retrieval systems to compare.")
@click.option("--llm", default=None, metavar="SPEC", help="Answer (and judge) with an LLM, e.g. openai:qwen2.5.")
@click.option("--judge-runs", type=click.IntRange(1, 20), default=3, show_default=True,
              help="How many times the LLM judge grades each answer (with --llm).")
@click.option("--out", default="evals/reports/latest", show_default=True,
              help="Folder for results.json, summary.md and report.html.")
@click.option("--compare", "previous", default=None, metavar="PREVIOUS.json",
              help="An earlier results.json: show the change in every metric.")
@click.option("--gate", is_flag=True, help="Exit with status 3 if a measure misses its threshold.")
@click.option("--thresholds", default="evals/thresholds.json", show_default=True,
              help="Thresholds: the gold file's own, else the file's \"default\" gate (or a file holding one gate).")
@click.option("--init-gold", default=None, metavar="FILE", help="Write a commented gold-set template to FILE and stop.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary JSON for other tools.")
@click.pass_context
def evaluate(ctx: click.Context, gold: str, systems: str, llm: str | None, judge_runs: int, out: str,
             previous: str | None, gate: bool, thresholds: str, init_gold: str | None, as_json: bool) -> None:
    """Evaluate retrieval and answers on a gold set, offline and repeatably.

    Compares our retrieval with the naive LangChain pipeline, BM25 alone and dense alone on
    the same questions; measures citations, refusals, facts, answer trust and latency; writes
    JSON, a Markdown summary and an HTML report, each headed PASS or FAIL against the gate.
    The gold file, the systems, the gate and the report folder are checked before anything runs.

    \b
    Examples:
      assistant eval
      assistant eval --init-gold mine.jsonl        then edit it, and:
      assistant eval --gold mine.jsonl --gate
      assistant eval --systems ours,bm25 --compare evals/reports/baseline/results.json
    """
    from assistant.api import Assistant
    from assistant.evaluation import compare_results, gate_failures, plan_evaluation, run_evaluation, write_gold_template
    from assistant.evaluation.report import markdown_summary, prepare_report_folder, public_json, write_reports

    assistant = Assistant.load(_settings(ctx))
    if init_gold:
        path = write_gold_template(Path(init_gold).expanduser(), assistant.examples(), assistant.sections())
        click.echo(f"Wrote a gold-set template to {path}: edit it, then run `assistant eval --gold {path} --gate`.")
        return
    plan = plan_evaluation(assistant, _project_file(gold), systems.split(","), _project_file(thresholds), gate,
                           _project_file(previous) if previous else None)
    prepare_report_folder(_project_file(out))  # a folder that cannot be written is named now, not after the run
    assistant.warm_up()
    with progress_bars(8, False, {"trust": "labelled file"}, "question", plain_lines=True) as progress:
        results = run_evaluation(assistant, plan.gold, plan.systems, llm=llm, judge_runs=judge_runs, gate=plan.gate,
                                 trust=plan.trust, support_labels=_project_file("evals/support_labels.jsonl"),
                                 progress=progress)
    changes = compare_results(results, plan.earlier) if plan.earlier else None
    paths = write_reports(results, _project_file(out), changes)
    failures = gate_failures(results, plan.gate.thresholds) if gate and plan.gate else []
    if as_json:
        click.echo(json.dumps({**public_json(results), **({"changes": changes} if changes else {})}, indent=2))
    else:
        click.echo(markdown_summary(results, changes))
        click.echo(f"Reports: {paths['html']}, {paths['markdown']}, {paths['json']}", err=True)
    if failures:
        click.echo("Gate failed: " + "; ".join(failures), err=True)
        ctx.exit(3)


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

    A term matches whole terms first ("AP"), then terms starting with it ("host" finds
    hostel), then meanings holding it as whole words ("approved premises" finds AP).
    """
    from assistant.api import Assistant

    entries = Assistant.load(_settings(ctx)).glossary
    found = entries.lookup(term) if term else entries.entries
    if term and not found:
        raise click.ClickException(f"'{term}' is not in the glossary; try `assistant glossary` for the full list")
    if as_json:
        click.echo(json.dumps([e.to_json() for e in found], ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("term", "meaning", "kind", "source", box=None, show_edge=False, pad_edge=False,
                  header_style="bold", expand=False)
    for entry in found:
        table.add_row(entry.term, entry.meaning, entry.kind, entry.source)
    # a terminal's width, else $COLUMNS or 80; rows wrap inside their columns
    Console(highlight=False, no_color=not is_terminal()).print(table)


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
    """Start the web app and its HTTP API on this machine (never a public share link).

    The app is at /, the JSON API at /api/ask and /api/search (docs at /api/docs), and
    /healthz reports the index build in use. A new build from `assistant index` is picked up
    while serving: requests already running finish on the old build. An index that cannot be
    used yet is answered 503 with what to run, until `assistant index` has made it usable.

    \b
    Example:
      assistant serve --port 7860
    """
    from assistant.api import validation
    from assistant.server import check_host, serve as serve_app

    settings = _settings(ctx, host=host, port=port)
    validation.auth(os.environ.get("ASSISTANT_AUTH"))  # user:password, both parts non-empty
    check_host(settings.host, os.environ.get("ASSISTANT_AUTH"), no_auth)  # before any loading
    click.echo(f"Starting the app on http://{settings.host}:{settings.port} (Ctrl+C to stop)", err=True)
    serve_app(settings, no_auth=no_auth, say=lambda line: click.echo(f"Warning: {line}", err=True))


from assistant.cli_feedback import feedback  # noqa: E402 (its own module: the CLI's commands by job)

main.add_command(feedback)

if __name__ == "__main__":  # pragma: no cover
    main()
