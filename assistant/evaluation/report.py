"""The report of record, three ways: results.json, a Markdown summary (also the Evaluate tab's) and a
self-contained HTML report with plots.

Each opens with a PASS or FAIL headline naming the measures that fail, then lists every measure of
results.json under its thresholds.json name with its definition, threshold and result
(`assistant.evaluation.measures`), then the questions missed beside what was retrieved and
answered instead (`assistant.evaluation.misses`). The HTML embeds its plots as PNG data, so it
opens anywhere, offline, as one file.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

from assistant.errors import BadInputError
from assistant.evaluation.gate import Gate, choose_gate
from assistant.evaluation.measures import SECTIONS, Measure, headline, measures
from assistant.evaluation.metrics import RETRIEVAL_METRICS
from assistant.evaluation.misses import COLUMNS, MissTable, miss_tables, table_for

NOT_RECORDED = ("How this gold set was made is not recorded: say whether it was written alongside the system "
                "or held out, in evals/gold_sets.json.")
SECTION_TITLES = {"retrieval": "Retrieval", "answers": "Answers", "trust": "Answers a practitioner can trust"}


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


def project_gate(gold_name: str) -> Gate | None:
    """The gate evals/thresholds.json gives this gold set (its own, or the default), or None."""
    path = _project_evals() / "thresholds.json"
    if not path.is_file():
        return None
    try:
        return choose_gate(path, gold_name, shown_as="evals/thresholds.json")
    except BadInputError:
        return None


def gate_of(results: dict[str, Any]) -> Gate | None:
    """The gate the run was held to (recorded with it), or the project's for its gold set."""
    recorded = results["details"].get("gate")
    return Gate.from_json(recorded) if recorded else project_gate(results["details"]["gold"])


def run_measures(results: dict[str, Any]) -> tuple[list[Measure], Gate | None]:
    gate = gate_of(results)
    return measures(results, gate.thresholds if gate else None), gate


def _delta(changes: dict[str, Any] | None, name: str) -> str:
    """The change against an earlier run (`compare_results`), for a measure's name: " (+0.012)" or ""."""
    if not changes:
        return ""
    section, _, key = name.partition(".")
    if section == "retrieval":
        system, _, key = key.partition(".")
        value = changes.get("systems", {}).get(system, {}).get(key)
    else:
        value = changes.get(section, {}).get(key)
    return f" ({value:+.3f})" if isinstance(value, (int, float)) else ""


def _anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _run_line(results: dict[str, Any]) -> str:
    details = results["details"]
    return (f"{results['n_questions']} in-scope questions ({details['n_cases']} in all), answers in {details['mode']} "
            f"mode; {details['machine']}; {details['date']}; {details['seconds']} s.")


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# --- Markdown: summary.md and the Evaluate tab ----------------------------------------------------


def markdown_summary(results: dict[str, Any], changes: dict[str, Any] | None = None, title: bool = True) -> str:
    """The report as Markdown: headline, every measure, support check, latency, then the questions missed."""
    details = results["details"]
    rows, gate = run_measures(results)
    _, verdict = headline(rows)
    lines = ([f"# Evaluation: {details['gold']}", ""] if title else []) + [
        f"**{verdict}**", "", f"Gate: {gate.describe()}." if gate else "Gate: none (no thresholds for this gold set).",
        "", gold_note(details["gold"]), "", _run_line(results), "",
        "## Retrieval by system", "", "| system | " + " | ".join(RETRIEVAL_METRICS) + " |",
        "|---" * (len(RETRIEVAL_METRICS) + 1) + "|"]
    for system, metrics in results["systems"].items():
        cells = [f"{metrics[m]:.3f}{_delta(changes, f'retrieval.{system}.{m}')}" if m in metrics else "—"
                 for m in RETRIEVAL_METRICS]
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    for section in SECTIONS:
        chosen = [m for m in rows if m.section == section]
        if not chosen:
            continue
        lines += ["", f"## {SECTION_TITLES[section]}: every measure", "",
                  "| measure | value | threshold | result | what it means |", "|---|---|---|---|---|"]
        lines += [f"| {m.name} | {m.shown}{_delta(changes, m.name)} | {m.threshold or '—'} | {m.verdict} | "
                  f"{_md_cell(m.meaning)} |" for m in chosen]
    lines += _support_and_judge(results["answers"])
    lines += ["", "## Latency (ms)", "", "| stage | p50 | p95 |", "|---|---|---|"]
    for system, value in results["latency_ms"]["retrieval"].items():
        lines.append(f"| retrieval: {system} | {value['p50']} | {value['p95']} |")
    for stage, value in results["latency_ms"]["answer"].items():
        lines.append(f"| answer: {stage} | {value['p50']} | {value['p95']} |")
    for table in miss_tables(results):
        lines += ["", f"## {table.title} ({len(table.misses)})", ""]
        if table.misses:
            lines += ["| " + " | ".join(COLUMNS) + " |", "|---" * len(COLUMNS) + "|"]
            lines += ["| " + " | ".join(_md_cell(c) for c in miss.cells()) + " |" for miss in table.misses]
    return "\n".join(lines) + "\n"


def _support_and_judge(answers: dict[str, Any]) -> list[str]:
    lines = []
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
    return lines


# --- HTML --------------------------------------------------------------------------------------------

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1a202c;line-height:1.45}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #cbd5e0;padding:4px 8px;text-align:left;font-size:14px;vertical-align:top}
.scroll{overflow-x:auto}figure{margin:1.5em 0}img{max-width:100%}
.pass{color:#22543d}.fail{color:#9b2c2c;font-weight:600}.gold-note{background:#f7fafc;padding:.6em 1em;border-left:4px solid #2b6cb0}
#headline{font-size:1.15em;padding:.7em 1em;border-radius:6px}#headline.pass{background:#f0fff4;border:2px solid #38a169}
#headline.fail{background:#fff5f5;border:2px solid #c53030}#headline.none{background:#f7fafc;border:2px solid #a0aec0}
tr:target{background:#fefcbf}td.meaning{font-size:13px;color:#2d3748;max-width:28em}#headline a,code{overflow-wrap:anywhere}"""


def _headline_html(rows: list[Measure]) -> str:
    """The PASS or FAIL line; each failing measure links to its row."""
    passed, verdict = headline(rows)
    failed = [m for m in rows if m.passes is False]
    if not failed:
        word, _, rest = verdict.partition(":")
        state = "none" if passed is None else "pass"
        return f'<div id="headline" class="{state}"><strong>{word}</strong>:{html.escape(rest)}</div>'
    gated = sum(m.passes is not None for m in rows)
    links = "".join(f'<li><a href="#m-{_anchor(m.name)}">{html.escape(m.failure())}</a></li>' for m in failed)
    return (f'<div id="headline" class="fail"><strong>FAIL</strong>: {len(failed)} of {gated} gated measures miss '
            f"their thresholds:<ul>{links}</ul></div>")


def _measure_row(m: Measure, changes: dict[str, Any] | None, tables: dict[str, MissTable]) -> str:
    """A measure's row; a failing one links to the table of the questions behind it."""
    state = "pass" if m.passes else "fail" if m.passes is False else ""
    table = tables.get(table_for(m.name))
    misses = (f' — <a href="#misses-{table.key}">{len(table.misses)} missed</a>' if table and table.misses
              and m.passes is False else "")
    return (f'<tr id="m-{_anchor(m.name)}"><th>{html.escape(m.name)}</th>'
            f"<td>{html.escape(m.shown + _delta(changes, m.name))}</td><td>{html.escape(m.threshold or '—')}</td>"
            f'<td class="{state}">{html.escape(m.verdict)}{misses}</td><td class="meaning">{html.escape(m.meaning)}</td></tr>')


def _misses_html(table: MissTable) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in miss.cells()) + "</tr>" for miss in table.misses)
    content = f'<div class="scroll"><table><tr>{head}</tr>{body}</table></div>' if table.misses else "<p>None.</p>"
    return f'<h3 id="misses-{table.key}">{html.escape(table.title)} ({len(table.misses)})</h3>{content}'


def html_report(results: dict[str, Any], changes: dict[str, Any] | None = None) -> str:
    """One self-contained HTML page: headline, every measure, plots, and the questions missed."""
    from assistant.evaluation.plots import plots

    details = results["details"]
    rows, gate = run_measures(results)
    tables = {t.key: t for t in miss_tables(results)}
    retrieval = "".join(
        f"<tr><th>{html.escape(s)}</th>" + "".join(
            f"<td>{m[k]:.3f}{_delta(changes, f'retrieval.{s}.{k}')}</td>" if k in m else "<td>—</td>"
            for k in RETRIEVAL_METRICS) + "</tr>" for s, m in results["systems"].items())
    sections = "".join(
        f"<h2>{SECTION_TITLES[s]}: every measure</h2><div class=\"scroll\"><table id=\"measures-{s}\"><tr><th>measure"
        f"</th><th>value</th><th>threshold</th><th>result</th><th>what it means</th></tr>"
        + "".join(_measure_row(m, changes, tables) for m in rows if m.section == s) + "</table></div>"
        for s in SECTIONS if any(m.section == s for m in rows))
    extra = "".join(f"<p>{html.escape(line)}</p>" for line in _support_and_judge(results["answers"]) if line)
    latency = "".join(f"<tr><th>retrieval: {html.escape(s)}</th><td>{v['p50']}</td><td>{v['p95']}</td></tr>"
                      for s, v in results["latency_ms"]["retrieval"].items())
    latency += "".join(f"<tr><th>answer: {html.escape(s)}</th><td>{v['p50']}</td><td>{v['p95']}</td></tr>"
                       for s, v in results["latency_ms"]["answer"].items())
    figures = "".join(
        f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{data}"><figcaption>'
        f"{html.escape(title)}</figcaption></figure>" for title, data in plots(results).items())
    gate_line = f"Gate: {gate.describe()}." if gate else "Gate: none (no thresholds for this gold set)."
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation report: {html.escape(details['gold'])}</title><style>{STYLE}</style></head>
<body><h1>Evaluation report: {html.escape(details['gold'])}</h1>
{_headline_html(rows)}
<p>{html.escape(gate_line)} Measures are named as in thresholds.json; in results.json, retrieval.&lt;system&gt;.&lt;measure&gt;
is under systems.</p>
<p class="gold-note">{html.escape(gold_note(details['gold']))}</p>
<p>{html.escape(_run_line(results))}</p>
<h2>Retrieval by system</h2><div class="scroll"><table><tr><th>system</th>{''.join(f'<th>{m}</th>' for m in RETRIEVAL_METRICS)}</tr>{retrieval}</table></div>
{sections}{extra}
<h2>Latency (ms)</h2><table><tr><th>stage</th><th>p50</th><th>p95</th></tr>{latency}</table>
<h2>Plots</h2>{figures}
<h2>Questions missed, and what came instead</h2>
{''.join(_misses_html(t) for t in tables.values())}
</body></html>"""


def prepare_report_folder(out: Path) -> Path:
    """Make `out` and check that reports can be written there, before a run of minutes rather than after it.

    Raises the OSError that writing the reports would have raised (a file where the folder should be,
    no permission, a full or read-only device), so that it is reported the same way, and nothing is lost.
    """
    out.mkdir(parents=True, exist_ok=True)
    probe = out / f".write-check-{os.getpid()}"
    try:
        probe.write_bytes(b"")
    finally:
        probe.unlink(missing_ok=True)
    return out


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
