"""The Evaluate tab: the offline evaluation (as `assistant eval`) in its own memory-capped process,
one run at a time, with every measure explained."""

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

from assistant.config import Settings
from assistant.errors import AssistantError, BadInputError, SettingsError
from assistant.web.shared import export_folder


# Evaluate tab: its own process, so its memory goes back when it ends.
EVAL_MEMORY_BYTES = 4 * 1024 ** 3  # address space; a run peaks near 2.7 GB of it and 1 GB resident
EVAL_TIMEOUT_S = 900
_EVALUATION_RUNNING = threading.Lock()


def gold_files(assistant) -> list[str]:
    from assistant.config import project_root

    folder = project_root() / "evals"
    # the gold sets evals/gold_sets.json describes; the other labelled files (adjacent questions,
    # conversations, facets…) are measured with the gold set, not offered as gold sets themselves
    try:
        described = [name for name in json.loads((folder / "gold_sets.json").read_text(encoding="utf-8")) if name != "_comment"]
    except (OSError, ValueError):
        described = []
    return sorted(name for name in described if (folder / name).is_file())


def measures_markdown(gold_name: str) -> str:
    """What every measure means and its threshold for this gold set, before any run."""
    from assistant.evaluation.metrics import RETRIEVAL_METRICS
    from assistant.evaluation.report import ANSWER_METRICS, MEASURES, gold_note, thresholds_for

    thresholds = thresholds_for(gold_name) if gold_name else {}
    ours = thresholds.get("retrieval", {}).get("ours", {})
    answers = thresholds.get("answers", {})
    lines = [f"**{gold_name}**: {gold_note(gold_name)}" if gold_name else "", "",
             "| measure | what it means | threshold (ours) |", "|---|---|---|"]
    for metric in (*RETRIEVAL_METRICS, *ANSWER_METRICS):
        minimum = ours.get(metric, answers.get(metric))
        lines.append(f"| {metric} | {MEASURES[metric]} | {'≥ ' + str(minimum) if minimum is not None else '—'} |")
    return "\n".join(lines)


def results_markdown(results: dict[str, Any]) -> str:
    """A run's results for the tab: whether each measure with a threshold passes, then the systems."""
    from assistant.evaluation.metrics import RETRIEVAL_METRICS
    from assistant.evaluation.report import gold_note, measure_rows, shown_value, verdict

    details = results["details"]
    rows = measure_rows(results)
    checked = [r for r in rows if r["threshold"] is not None]
    failed = [r for r in checked if not r["passes"]]
    overall = (f"**All {len(checked)} measures with a threshold pass.**" if not failed else
               f"**{len(failed)} of {len(checked)} measures are below their threshold:** "
               + ", ".join(r["measure"] for r in failed) + ".")
    lines = [f"### {details['gold']}: {results['n_questions']} in-scope questions ({details['n_cases']} in all), "
             f"{details['seconds']} s", "", gold_note(details["gold"]), "", overall, "",
             "| measure | value | threshold | result |", "|---|---|---|---|"]
    lines += [f"| {r['measure']} | {shown_value(r['value'])} | ≥ {r['threshold']} | {verdict(r)} |" for r in checked]
    lines += ["", "| system | " + " | ".join(RETRIEVAL_METRICS) + " |", "|---" * (len(RETRIEVAL_METRICS) + 1) + "|"]
    for system, metrics in results["systems"].items():
        lines.append(f"| {system} | " + " | ".join(f"{metrics[m]:.3f}" for m in RETRIEVAL_METRICS) + " |")
    lines += ["", "Every measure is defined in the table above the button and in the report."]
    return "\n".join(lines)


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
    from assistant.config import load_settings, project_root
    from assistant.evaluation.run import run_evaluation
    from assistant.evaluation.report import write_reports

    gold, systems, out = Path(argv[0]), [s for s in argv[1].split(",") if s], Path(argv[2])

    def progress(stage: str, done: int, total: int) -> None:
        print(json.dumps({"stage": stage, "done": done, "total": total}), flush=True)

    try:
        assistant = Assistant.load(load_settings()).warm_up()
        results = run_evaluation(assistant, gold, systems, support_labels=project_root() / "evals" /
                                 "support_labels.jsonl", progress=progress)
        paths = write_reports(results, out)
    except AssistantError as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return
    except MemoryError:
        print(json.dumps({"error": "the evaluation ran out of its memory allowance"}), flush=True)
        return
    print(json.dumps({"results": str(paths["json"]), "html": str(paths["html"])}), flush=True)


def evaluate_handler(assistant, gold_name: str, systems: list[str], out: Path,
                     progress: Callable[[str, int, int], None] | None = None) -> tuple[str, str]:
    """Run the evaluation in its own memory-capped process, one run at a time.

    Returns (Markdown: each measure against its threshold, and the systems; report.html path).
    """
    from assistant.config import project_root

    if not gold_name:
        raise SettingsError("choose a gold file")
    gold = project_root() / "evals" / Path(gold_name).name
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
    return results_markdown(results), outcome["html"]


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
    """Run the offline evaluation (the same as `assistant eval`), with every measure explained."""
    from assistant.evaluation.baselines import SYSTEMS

    gr.Markdown("Run the offline evaluation on a gold set and read the report: the same as `assistant eval` on the "
                "command line, with the same four systems by default. It runs in a separate process, one run at a "
                "time, and takes about half a minute per gold set.")
    files = gold_files(assistant)
    gold_choice = gr.Dropdown(files, value=files[0] if files else None, label="Gold file", elem_id="eval-gold")
    system_choice = gr.CheckboxGroup(list(SYSTEMS), value=list(SYSTEMS), label="Systems", elem_id="eval-systems",
                                     info="ours: this assistant; naive: the LangChain tutorial pipeline; bm25: "
                                          "keywords only; dense: embeddings only")
    measures = gr.Markdown(measures_markdown(files[0]) if files else "", elem_id="eval-measures")
    eval_button = gr.Button("Run evaluation", elem_id="eval-run", variant="primary")
    eval_summary = gr.Markdown(elem_id="eval-summary")
    eval_report = gr.File(label="HTML report", elem_id="eval-report", interactive=False)
    gold_choice.change(measures_markdown, [gold_choice], [measures], api_visibility="private")

    def on_evaluate(gold_name, systems, progress=gr.Progress()):
        out = export_folder("eval-report-")
        progress(0, desc="starting the evaluation")
        try:
            return evaluate_handler(assistant, gold_name, systems, out,
                                    progress=lambda stage, done, total: progress(done / total, desc=stage))
        except AssistantError as exc:
            return f"**{exc}**", None

    eval_button.click(on_evaluate, [gold_choice, system_choice], [eval_summary, eval_report],
                      api_visibility="private", concurrency_limit=1)
