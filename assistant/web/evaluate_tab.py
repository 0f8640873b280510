"""The Evaluate tab: the offline evaluation (as `assistant eval`) in its own memory-capped process,
one run at a time, on a gold set of the project's or one uploaded, with progress per system and
question, and the same report of record as `summary.md` (headline, every measure, the misses).

The handlers are plain functions that return a dict of what changes on the page, keyed by
component name (`wire` in `web.shared` hands it to Gradio); tests call them without a browser.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

from assistant.config import Settings, project_root
from assistant.errors import AssistantError, BadInputError, SettingsError
from assistant.web.shared import export_folder, wire


# Evaluate tab: its own process, so its memory goes back when it ends.
EVAL_MEMORY_BYTES = 4 * 1024 ** 3  # address space; a run peaks near 2.7 GB of it and 1 GB resident
EVAL_TIMEOUT_S = 900
MAX_UPLOAD_BYTES = 2 * 1024 ** 2  # an uploaded gold set (the app's upload limit too)
_EVALUATION_RUNNING = threading.Lock()
UNITS = {"trust": "labelled files"}  # what each stage of a run counts; every other stage counts questions


def _evals() -> Path:
    return project_root() / "evals"


def gold_files(assistant) -> list[str]:
    """The gold sets in evals/: those gold_sets.json describes first, then any other file that is a valid
    gold set (a set copied into evals/ appears without any registration); never the labelled files the
    trust measures read."""
    from assistant.evaluation import load_gold
    from assistant.evaluation.quality import LABELLED_FILES

    folder = _evals()
    try:
        described = [name for name in json.loads((folder / "gold_sets.json").read_text(encoding="utf-8"))
                     if name != "_comment"]
    except (OSError, ValueError):
        described = []
    others = []
    for path in sorted(folder.glob("*.jsonl")):
        if path.name in described or path.name in LABELLED_FILES:
            continue
        try:
            load_gold(path, assistant.index.units)
        except AssistantError:
            continue
        others.append(path.name)
    return [name for name in described if (folder / name).is_file()] + others


def measures_markdown(gold_name: str) -> str:
    """Before a run: how the set was made, and every measure its gate checks, with what it means."""
    from assistant.evaluation.measures import DEFINITIONS, definition, gate_limits
    from assistant.evaluation.report import gold_note, project_gate

    if not gold_name:
        return ""
    gate = project_gate(gold_name)
    at_least, at_most = gate_limits(gate.thresholds) if gate else ({}, {})
    lines = [f"**{gold_name}**: {gold_note(gold_name)}", "",
             f"Gate: {gate.describe()}." if gate else "Gate: none for this gold set.", ""]
    if at_least or at_most:
        lines += ["| measure | threshold | what it means |", "|---|---|---|"]
        for name in dict.fromkeys([*at_least, *at_most]):  # a measure held between two limits is one row
            limits = ", ".join(f"{sign} {bound[name]}" for sign, bound in (("≥", at_least), ("≤", at_most))
                               if name in bound)
            lines.append(f"| {name} | {limits} | {definition(name)} |")
    ungated = [n for n in DEFINITIONS if n.startswith(("retrieval.", "answers.")) and n not in at_least
               and n not in at_most]
    lines += ["", "Also measured, with no threshold:", ""] + [f"- **{n}**: {DEFINITIONS[n]}" for n in ungated]
    lines += ["", "After a run, every measure in results.json is listed with its value and result, and the report "
                  "names each question missed beside what was retrieved and answered instead."]
    return "\n".join(lines)


def check_upload(assistant, path: str | None) -> dict[str, Any]:
    """An uploaded gold set, checked as `assistant eval --gold` checks it (every bad line named)."""
    from assistant.evaluation import load_gold
    from assistant.evaluation.report import project_gate

    if not path:
        return {"upload_status": ""}
    upload = Path(path)
    try:
        if upload.stat().st_size > MAX_UPLOAD_BYTES:
            raise BadInputError(f"{upload.name} is over {MAX_UPLOAD_BYTES // 1024 ** 2} MB")
        cases = load_gold(upload, assistant.index.units)
    except (AssistantError, OSError) as exc:
        return {"upload_status": f"**{upload.name} cannot be used.** {error_markdown(exc)}\n\n"
                                 "Fix the lines named and upload it again."}
    gate = project_gate(upload.name)
    in_scope = sum(c.in_scope for c in cases)
    return {"upload_status": f"**{upload.name}**: {len(cases)} questions ({in_scope} in scope), all valid. "
                             "*Run evaluation* runs it instead of the gold file above"
                             + (f", held to {gate.describe()}." if gate else ".")}


def error_markdown(exc: Exception, bold: bool = False) -> str:
    """An error for the page: its first line (bold if asked), then each bad line it names as a list item."""
    first, *rest = str(exc).split("\n  ")
    return (f"**{first}**" if bold else first) + ("\n\n" + "\n".join(f"- {line}" for line in rest) if rest else "")


def progress_text(stage: str, done: int, total: int) -> str:
    """What the tab says while a run is going: "ours: question 12 of 97"."""
    unit = UNITS.get(stage, "questions")
    return f"{stage}: {unit[:-1] if unit.endswith('s') else unit} {done} of {total}"


def _evaluation_environment(settings: Settings) -> dict[str, str]:
    """The environment for the evaluation process: this app's settings, spelled as ASSISTANT_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") or k in (
        "ASSISTANT_HOME", "ASSISTANT_CONFIG", "ASSISTANT_LLM_API_KEY")}
    for name, value, _ in settings.public_items():
        if value is not None:
            env[f"ASSISTANT_{name.upper()}"] = str(settings.resolved(name) if isinstance(value, Path) else value)
    env.update({"MALLOC_ARENA_MAX": "2", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1",
                "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"})
    return env


def evaluation_job(argv: list[str]) -> None:
    """The evaluation process: `gold systems out`; progress and the results path as JSON lines on stdout."""
    from assistant.api import Assistant
    from assistant.config import load_settings
    from assistant.evaluation import plan_evaluation, run_evaluation
    from assistant.evaluation.report import write_reports

    gold, systems, out = Path(argv[0]), [s for s in argv[1].split(",") if s], Path(argv[2])

    def progress(stage: str, done: int, total: int) -> None:
        print(json.dumps({"stage": stage, "done": done, "total": total}), flush=True)

    try:
        assistant = Assistant.load(load_settings())
        plan = plan_evaluation(assistant, gold, systems, _evals() / "thresholds.json")
        assistant.warm_up()
        results = run_evaluation(assistant, plan.gold, plan.systems, support_labels=_evals() / "support_labels.jsonl",
                                 progress=progress, gate=plan.gate, trust=plan.trust)
        paths = write_reports(results, out)
    except AssistantError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return
    except MemoryError:
        print(json.dumps({"error": "the evaluation ran out of its memory allowance"}), flush=True)
        return
    print(json.dumps({"results": str(paths["json"]), "html": str(paths["html"])}), flush=True)


def evaluate_handler(assistant, gold_name: str, systems: list[str], out: Path,
                     progress: Callable[[str, int, int], None] | None = None,
                     upload: str | None = None) -> dict[str, Any]:
    """Run the evaluation in its own memory-capped process, one run at a time, on the uploaded gold set
    when there is one, else on `gold_name` from evals/.

    Returns {"summary": the report of record as Markdown, "report": the report.html path}.
    """
    from assistant.evaluation import load_gold
    from assistant.evaluation.report import markdown_summary

    if upload:
        gold = Path(upload)
        load_gold(gold, assistant.index.units)  # every bad line named, before the process starts
    elif not gold_name:
        raise SettingsError("choose a gold file, or upload your own")
    else:
        gold = _evals() / Path(gold_name).name
        if not gold.is_file():
            raise BadInputError(f"there is no gold file {gold.name} in evals/")
    if not systems:
        raise BadInputError("choose at least one system to evaluate")
    if not _EVALUATION_RUNNING.acquire(blocking=False):
        raise BadInputError("an evaluation is already running; try again when it has finished")
    try:
        outcome = _run_evaluation_process(assistant.settings, gold, systems, out, progress)
    finally:
        _EVALUATION_RUNNING.release()
    if "error" in outcome:
        raise BadInputError(outcome["error"])
    results = json.loads(Path(outcome["results"]).read_text(encoding="utf-8"))
    return {"summary": markdown_summary(results, title=False), "report": outcome["html"]}


def _run_evaluation_process(settings: Settings, gold: Path, systems: list[str], out: Path,
                            progress: Callable[[str, int, int], None] | None) -> dict[str, Any]:
    # the shell sets the memory cap and then becomes Python (no preexec_fn: the server has threads)
    command = ["/bin/sh", "-c", f'ulimit -v {EVAL_MEMORY_BYTES // 1024} && exec "$0" "$@"', sys.executable, "-c",
               "import sys; from assistant.web.evaluate_tab import evaluation_job; evaluation_job(sys.argv[1:])",
               str(gold), ",".join(systems), str(out)]
    outcome: dict[str, Any] = {}
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as stderr:  # a file: a full pipe would block the child
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                   env=_evaluation_environment(settings))
        timer = threading.Timer(EVAL_TIMEOUT_S, process.kill)
        timer.start()
        try:
            for line in process.stdout:
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "stage" in message and progress:
                    progress(message["stage"], message["done"], message["total"])
                elif "stage" not in message:
                    outcome = message
            process.wait()
        finally:
            timer.cancel()
        stderr.seek(0)
        errors = stderr.read()
    if not outcome:
        if re.search(r"MemoryError|bad_alloc|Cannot allocate memory|out of memory", errors) or \
                process.returncode in (-9, 137):
            return {"error": f"the evaluation stopped: it ran out of its memory or time allowance "
                             f"({EVAL_MEMORY_BYTES // 1024 ** 3} GiB, {EVAL_TIMEOUT_S // 60} minutes)"}
        last = errors.strip().splitlines()[-1] if errors.strip() else f"exit status {process.returncode}"
        return {"error": f"the evaluation failed ({last})"}
    return outcome


def evaluate_tab(gr, assistant) -> None:
    """Run the offline evaluation (the same as `assistant eval`) on a project gold set or your own."""
    from assistant.evaluation.baselines import SYSTEMS

    gr.Markdown("Run the offline evaluation on a gold set and read the report: the same as `assistant eval` on the "
                "command line, with the same four systems by default. It runs in a separate process, one run at a "
                "time, and takes about half a minute for the project's gold set. To use your own questions, upload "
                "a JSONL gold set (`assistant eval --init-gold mine.jsonl` writes a commented template).")
    files = gold_files(assistant)
    components = {
        "gold": gr.Dropdown(files, value=files[0] if files else None, label="Gold file", elem_id="eval-gold"),
        "upload": gr.File(label="…or upload your own gold set (JSONL)", file_types=[".jsonl"], type="filepath",
                          elem_id="eval-upload"),
        "upload_status": gr.Markdown(elem_id="eval-upload-status"),
        "systems": gr.CheckboxGroup(list(SYSTEMS), value=list(SYSTEMS), label="Systems", elem_id="eval-systems",
                                    info="ours: this assistant; naive: the LangChain tutorial pipeline; bm25: "
                                         "keywords only; dense: embeddings only"),
        "measures": gr.Markdown(measures_markdown(files[0]) if files else "", elem_id="eval-measures"),
        "run": gr.Button("Run evaluation", elem_id="eval-run", variant="primary"),
        "summary": gr.Markdown(elem_id="eval-summary"),
        "report": gr.File(label="HTML report", elem_id="eval-report", interactive=False),
    }
    private = {"api_visibility": "private"}
    components["gold"].change(lambda name: measures_markdown(name), [components["gold"]], [components["measures"]],
                              **private)
    components["upload"].change(lambda path: wire(gr, components, check_upload(assistant, path)),
                                [components["upload"]], [components["upload_status"]], **private)

    def on_evaluate(gold_name, systems, upload, progress=gr.Progress()):
        out = export_folder("eval-report-")
        progress(0, desc="starting the evaluation")
        try:
            changes = evaluate_handler(
                assistant, gold_name, systems, out, upload=upload,
                progress=lambda stage, done, total: progress(done / total if total else 1,
                                                             desc=progress_text(stage, done, total)))
        except AssistantError as exc:
            changes = {"summary": error_markdown(exc, bold=True), "report": None}
        return wire(gr, components, changes)

    components["run"].click(on_evaluate, [components["gold"], components["systems"], components["upload"]],
                            [components["summary"], components["report"]], concurrency_limit=1, **private)
