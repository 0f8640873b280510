"""Evaluation reports: JSON, a Markdown summary, and a self-contained HTML report with plots.

The HTML embeds its plots as PNG data, so it opens anywhere, offline, as one file.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import RETRIEVAL_METRICS

ANSWER_METRICS = ("citation_validity", "citation_recall", "citation_precision", "gold_citation_rate",
                  "fact_presence", "refusal_precision", "refusal_recall", "in_scope_refused", "mean_words")

# What each measure means, in plain words, for evaluators who did not write the system.
MEASURES = {
    "hit@1": "The share of questions whose first result is a right example (a gold example or an accepted "
             "alternate).",
    "hit@3": "The share of questions with a right example among the first three results.",
    "hit@5": "The share of questions with a right example among the first five results.",
    "recall@5": "Of all the gold examples for a question, the share found in the first five results "
                "(alternates do not count), averaged over questions.",
    "mrr@10": "Mean reciprocal rank: a question scores 1 when the first right example is first, 1/2 when it is "
              "second, 1/3 when third, and 0 when it is not in the top ten; averaged over questions.",
    "ndcg@10": "How good the order of the top ten is: gold examples count 1 and alternates 0.5, each counting "
               "less the lower it appears; 1.0 is the best possible order.",
    "citation_validity": "The share of answers whose every [n] names a listed source, whose every quoted point "
                         "is word for word in that source, and whose every listed source is cited.",
    "citation_recall": "The share of an answer's statements that the sources they cite support, checked "
                       "automatically (shared content words or close meaning); averaged over answers.",
    "citation_precision": "The share of citations that support the statement they are attached to, rather "
                          "than being added needlessly; averaged over answers.",
    "gold_citation_rate": "The share of in-scope questions whose answer cites a right example.",
    "fact_presence": "The share of questions with an expected fact (a number, a name) whose answer contains it.",
    "refusal_precision": "Of the answers that were refusals, the share whose question really was out of scope.",
    "refusal_recall": "Of the out-of-scope questions, the share that were refused rather than answered.",
    "in_scope_refused": "How many in-scope questions were refused although the corpus answers them (best 0).",
    "mean_words": "The average length of an answer in words, for reading time; not a quality measure.",
}
NOT_RECORDED = ("How this gold set was made is not recorded: say whether it was written alongside the system "
                "or held out, in evals/gold_sets.json.")


def public_json(results: dict[str, Any]) -> dict[str, Any]:
    """The stable `assistant eval --json` shape."""
    return {key: results[key] for key in ("n_questions", "systems", "answers", "latency_ms")}


def _project_evals() -> Path:
    from assistant.config import project_root

    return project_root() / "evals"


def gold_note(gold_name: str, folder: Path | None = None) -> str:
    """How the gold set was made (written alongside the system, or held out), from evals/gold_sets.json."""
    path = (folder or _project_evals()) / "gold_sets.json"
    try:
        sets = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return NOT_RECORDED
    about = sets.get(Path(gold_name).name) if isinstance(sets, dict) else None
    if not isinstance(about, dict) or not about.get("made"):
        return NOT_RECORDED
    return f"This gold set was {about['made']}. {about.get('note', '')}".strip()


def thresholds_for(gold_name: str, path: Path | None = None) -> dict[str, Any]:
    """The thresholds for this gold file from evals/thresholds.json ({} when there are none)."""
    from assistant.errors import BadInputError
    from assistant.evaluation.gate import load_thresholds

    path = path or _project_evals() / "thresholds.json"
    if not path.is_file():
        return {}
    try:
        found = load_thresholds(path).get(Path(gold_name).name)
    except BadInputError:
        return {}
    return found if isinstance(found, dict) else {}


def measure_rows(results: dict[str, Any], gold_name: str | None = None,
                 thresholds: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every measure with its value, its threshold (None when it has none) and whether it passes.

    A measure passes when it is at least its threshold, as `assistant eval --gate` judges it.
    """
    if thresholds is None:
        thresholds = thresholds_for(gold_name or results["details"]["gold"])
    rows = []
    for system, metrics in results["systems"].items():
        minimums = thresholds.get("retrieval", {}).get(system, {})
        for metric in RETRIEVAL_METRICS:
            rows.append(_row(f"{metric} ({system})", metric, metrics.get(metric), minimums.get(metric)))
    for metric in ANSWER_METRICS:
        if metric in results["answers"]:
            rows.append(_row(metric, metric, results["answers"][metric], thresholds.get("answers", {}).get(metric)))
    return rows


def _row(name: str, metric: str, value: Any, minimum: float | None) -> dict[str, Any]:
    passes = None if minimum is None else (isinstance(value, (int, float)) and value >= minimum)
    return {"measure": name, "metric": metric, "value": value, "threshold": minimum, "passes": passes,
            "meaning": MEASURES.get(metric, "")}


def verdict(row: dict[str, Any]) -> str:
    """"passes", "below the threshold" or "no threshold", for a row of `measure_rows`."""
    if row["passes"] is None:
        return "no threshold"
    return "passes" if row["passes"] else "below the threshold"


def shown_value(value: Any) -> str:
    """A measure's value for display: three decimals, or the answer measure's own wording."""
    return f"{value:.3f}" if isinstance(value, float) else _answer_value(value)


def markdown_summary(results: dict[str, Any], changes: dict[str, Any] | None = None) -> str:
    details = results["details"]
    lines = [f"# Evaluation: {details['gold']}", "", gold_note(details["gold"]), "",
             f"{results['n_questions']} in-scope questions ({details['n_cases']} in all), answers in "
             f"{details['mode']} mode; {details['machine']}; {details['date']}; {details['seconds']} s.", "",
             "## Retrieval", "", "| system | " + " | ".join(RETRIEVAL_METRICS) + " |",
             "|---" * (len(RETRIEVAL_METRICS) + 1) + "|"]
    for system, metrics in results["systems"].items():
        row = [f"{metrics[m]:.3f}" + _delta(changes, "systems", system, m) for m in RETRIEVAL_METRICS]
        lines.append(f"| {system} | " + " | ".join(row) + " |")
    lines += ["", "## Answers", "", "| measure | value |", "|---|---|"]
    answers = results["answers"]
    for metric in ANSWER_METRICS:
        if metric in answers:
            lines.append(f"| {metric} | {_answer_value(answers[metric])}{_delta(changes, 'answers', None, metric)} |")
    support = answers.get("support_check")
    if support:
        lines += ["", f"Support check ({support['method']}): agrees with {support['agree']} of {support['n']} "
                      f"hand labels ({support['agreement']:.0%}); {support['false_supported']} judged supported "
                      f"wrongly, {support['missed_support']} support missed."]
    judge = answers.get("judge")
    if judge:
        lines += ["", f"LLM judge ({judge['model']}, {len(judge['runs'])} runs): faithfulness "
                      f"{judge['faithfulness']['mean']} ± {judge['faithfulness']['stdev']}, helpfulness "
                      f"{judge['helpfulness']['mean']} ± {judge['helpfulness']['stdev']}."]
    lines += ["", "## Latency (ms)", "", "| stage | p50 | p95 |", "|---|---|---|"]
    for system, value in results["latency_ms"]["retrieval"].items():
        lines.append(f"| retrieval: {system} | {value['p50']} | {value['p95']} |")
    for stage, value in results["latency_ms"]["answer"].items():
        lines.append(f"| answer: {stage} | {value['p50']} | {value['p95']} |")
    checked = [row for row in measure_rows(results) if row["threshold"] is not None]
    if checked:
        lines += ["", "## Against the thresholds (evals/thresholds.json)", "",
                  "| measure | value | threshold | result |", "|---|---|---|---|"]
        lines += [f"| {r['measure']} | {shown_value(r['value'])} | ≥ {r['threshold']} | {verdict(r)} |" for r in checked]
    failures = failed_questions(results)
    lines += ["", f"## Questions ours did not answer with a gold example first ({len(failures)})", ""]
    for row in failures:
        lines.append(f"- **{row['id']}** {row['question']} — gold {', '.join(row['gold'])}; got {', '.join(row['ranked'][:3])}")
    lines += ["", "## What the measures mean", ""]
    lines += [f"- **{metric}**: {MEASURES[metric]}" for metric in (*RETRIEVAL_METRICS, *ANSWER_METRICS)]
    return "\n".join(lines) + "\n"


def _answer_value(value: Any) -> str:
    """An answer measure for display; None means no question in the set applies to it."""
    return "n/a (no such questions)" if value is None else str(value)


def _delta(changes: dict[str, Any] | None, part: str, system: str | None, metric: str) -> str:
    if not changes:
        return ""
    table = changes.get(part, {})
    value = (table.get(system, {}) if system else table).get(metric)
    if value is None:
        return ""
    return f" ({value:+.3f})"


def failed_questions(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = results["details"]["per_question"].get("ours", [])
    return [r for r in rows if r["hit@1"] < 1]


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def plots(results: dict[str, Any]) -> dict[str, str]:
    """Base64 PNGs: metrics per system, hit@1 per theme, latency distribution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = {}
    systems = list(results["systems"])
    metrics = ["hit@1", "hit@3", "mrr@10", "ndcg@10"]
    figure, axis = plt.subplots(figsize=(7, 3.4))
    width = 0.8 / max(1, len(systems))
    for i, system in enumerate(systems):
        values = [results["systems"][system][m] for m in metrics]
        axis.bar([x + i * width for x in range(len(metrics))], values, width, label=system)
    axis.set_xticks([x + width * (len(systems) - 1) / 2 for x in range(len(metrics))], metrics)
    axis.set_ylim(0, 1.05)
    axis.set_title("Retrieval metrics per system")
    axis.legend(loc="lower right", fontsize=8)
    images["Retrieval metrics per system"] = _png(figure)
    plt.close(figure)

    per_theme: dict[str, list[float]] = defaultdict(list)
    themes = results["details"]["themes"]
    for row in results["details"]["per_question"].get("ours", []):
        per_theme[themes.get(row["id"], "unknown")].append(row["hit@1"])
    names = sorted(per_theme)
    figure, axis = plt.subplots(figsize=(7, 0.3 * len(names) + 1))
    axis.barh(names, [sum(per_theme[n]) / len(per_theme[n]) for n in names], color="#2b6cb0")
    axis.set_xlim(0, 1.05)
    axis.set_title("ours: hit@1 per theme")
    axis.tick_params(axis="y", labelsize=8)
    images["Hit@1 per theme"] = _png(figure)
    plt.close(figure)

    samples = results["details"]["latency_samples_ms"]
    figure, axis = plt.subplots(figsize=(7, 3))
    for stage in ("total", "retrieve", "compose", "llm"):
        if samples.get(stage):
            axis.hist(samples[stage], bins=30, alpha=0.6, label=stage)
    axis.set_xlabel("milliseconds")
    axis.set_title("Answer latency per stage")
    axis.legend(fontsize=8)
    images["Latency distribution"] = _png(figure)
    plt.close(figure)
    return images


def html_report(results: dict[str, Any], changes: dict[str, Any] | None = None) -> str:
    """One self-contained HTML page: summary tables, plots, and a table of failures."""
    details = results["details"]
    rows = "".join(
        f"<tr><td>{html.escape(r['id'])}</td><td>{html.escape(r['question'])}</td>"
        f"<td>{html.escape(', '.join(r['gold']))}</td><td>{html.escape(', '.join(r['ranked'][:3]))}</td></tr>"
        for r in failed_questions(results))
    figures = "".join(
        f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{data}"><figcaption>'
        f"{html.escape(title)}</figcaption></figure>" for title, data in plots(results).items())
    retrieval = "".join(
        f"<tr><th>{html.escape(s)}</th>" + "".join(f"<td>{m[k]:.3f}{_delta(changes, 'systems', s, k)}</td>"
                                                   for k in RETRIEVAL_METRICS) + "</tr>"
        for s, m in results["systems"].items())
    answers = "".join(
        f"<tr><th>{k}</th><td>{_answer_value(results['answers'][k])}"
        f"{_delta(changes, 'answers', None, k)}</td></tr>" for k in ANSWER_METRICS if k in results["answers"])
    checked = [row for row in measure_rows(results) if row["threshold"] is not None]
    gate = "".join(
        f"<tr><th>{html.escape(r['measure'])}</th><td>{html.escape(shown_value(r['value']))}</td>"
        f"<td>≥ {r['threshold']}</td><td class=\"{'pass' if r['passes'] else 'fail'}\">{verdict(r)}</td></tr>"
        for r in checked)
    gate_table = (f"<h2>Against the thresholds</h2><p>From evals/thresholds.json, as <code>assistant eval --gate</code> "
                  f"applies them.</p><table><tr><th>measure</th><th>value</th><th>threshold</th><th>result</th></tr>"
                  f"{gate}</table>") if checked else ""
    meanings = "".join(f"<dt>{html.escape(m)}</dt><dd>{html.escape(MEASURES[m])}</dd>"
                       for m in (*RETRIEVAL_METRICS, *ANSWER_METRICS))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation report: {html.escape(details['gold'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#1a202c;line-height:1.45}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #cbd5e0;padding:4px 8px;text-align:left;font-size:14px}}
figure{{margin:1.5em 0}}img{{max-width:100%}}dt{{font-weight:600;margin-top:.6em}}dd{{margin-left:1.2em}}
.pass{{color:#22543d}}.fail{{color:#9b2c2c;font-weight:600}}.gold-note{{background:#f7fafc;padding:.6em 1em;border-left:4px solid #2b6cb0}}</style></head>
<body><h1>Evaluation report: {html.escape(details['gold'])}</h1>
<p class="gold-note">{html.escape(gold_note(details['gold']))}</p>
<p>{results['n_questions']} in-scope questions; answers in {html.escape(details['mode'])} mode;
{html.escape(details['machine'])}; {html.escape(details['date'])}; {details['seconds']} s.</p>
<h2>Retrieval</h2><table><tr><th>system</th>{''.join(f'<th>{m}</th>' for m in RETRIEVAL_METRICS)}</tr>{retrieval}</table>
<h2>Answers</h2><table>{answers}</table>
{gate_table}
<h2>Plots</h2>{figures}
<h2>Questions not answered with a gold example first</h2>
<table><tr><th>id</th><th>question</th><th>gold</th><th>retrieved instead</th></tr>{rows}</table>
<h2>What the measures mean</h2><dl>{meanings}</dl>
</body></html>"""


def write_reports(results: dict[str, Any], out: Path, changes: dict[str, Any] | None = None) -> dict[str, Path]:
    """results.json, summary.md and report.html in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "markdown": out / "summary.md", "html": out / "report.html"}
    saved = dict(results)
    if changes:
        saved["changes"] = changes
    paths["json"].write_text(json.dumps(saved, indent=2, ensure_ascii=False), encoding="utf-8")
    paths["markdown"].write_text(markdown_summary(results, changes), encoding="utf-8")
    paths["html"].write_text(html_report(results, changes), encoding="utf-8")
    return paths
