"""Evaluation: a gold set, retrieval metrics, and the systems compared side by side.

Gold data is ID-based (`evals/gold.jsonl`, one JSON object a line). Metrics are plain
functions checked on hand-computed toy cases. Systems:

- ``ours``: the assistant's hybrid retrieval (expansion, facets, filters, follow-ups);
- ``naive``: the LangChain tutorial pipeline (RecursiveCharacterTextSplitter 1000/200, the
  same embedding model, Chroma similarity search), judged by which unit each chunk overlaps;
- ``bm25``: keyword search alone over our units (no expansion, no facets);
- ``dense``: Chroma similarity alone over our units (no expansion, no facets).

Relevance: a hit counts when it is a gold id or an acceptable alternate. recall@5 counts gold
ids only. nDCG@10 gives gold ids gain 1 and alternates gain 0.5.
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from assistant.answer_quality import point_scores, summarise_points, trust_report, trust_summary
from assistant.compose import CITATION_MARKER, cited_statements
from assistant.errors import BadInputError

KINDS = ("example", "section", "fact", "filter", "followup", "out_of_scope")
RETRIEVAL_METRICS = ("hit@1", "hit@3", "hit@5", "recall@5", "mrr@10", "ndcg@10")
SYSTEMS = ("ours", "naive", "bm25", "dense")


@dataclass(frozen=True)
class GoldCase:
    id: str
    question: str
    kind: str
    gold: tuple[str, ...]
    alternates: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    history: tuple[dict, ...] = ()
    filters: dict = field(default_factory=dict)
    persona: str = "practitioner"
    key_passages: tuple[str, ...] = ()  # the passages of the gold units that answer the question (hand-labelled)
    split: str = "dev"

    @property
    def in_scope(self) -> bool:
        return self.kind != "out_of_scope"

    @property
    def relevant(self) -> frozenset[str]:
        return frozenset(self.gold) | frozenset(self.alternates)


def load_gold(path: Path, known_ids: Iterable[str] | None = None) -> list[GoldCase]:
    """Read and check a gold file; any malformed line raises BadInputError naming the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"cannot read gold file {path} ({exc})") from None
    known = set(known_ids) if known_ids is not None else None
    cases: list[GoldCase] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path.name}, line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{where}: not valid JSON ({exc.msg})") from None
        cases.append(_check_case(row, where, known, seen))
    if not cases:
        raise BadInputError(f"{path} holds no gold cases")
    return cases


def _check_case(row: Any, where: str, known: set[str] | None, seen: set[str]) -> GoldCase:
    if not isinstance(row, dict):
        raise BadInputError(f"{where}: each line must be a JSON object")
    allowed = {"id", "question", "kind", "gold", "alternates", "facts", "history", "filters", "persona", "key_passages",
               "split", "not_covered", "category"}
    extra = set(row) - allowed
    if extra:
        raise BadInputError(f"{where}: unknown field(s) {', '.join(sorted(extra))}")
    for name in ("id", "question", "kind"):
        if not isinstance(row.get(name), str) or not row[name].strip():
            raise BadInputError(f"{where}: '{name}' must be a non-empty string")
    if row["id"] in seen:
        raise BadInputError(f"{where}: id '{row['id']}' is used twice")
    seen.add(row["id"])
    if row["kind"] not in KINDS:
        raise BadInputError(f"{where}: kind must be one of {', '.join(KINDS)}, got '{row['kind']}'")
    for name in ("gold", "alternates", "facts", "key_passages", "not_covered"):
        value = row.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise BadInputError(f"{where}: '{name}' must be a list of strings")
    if row["kind"] == "out_of_scope":
        if row.get("gold"):
            raise BadInputError(f"{where}: an out_of_scope case must have no gold ids")
    elif not row.get("gold"):
        raise BadInputError(f"{where}: '{row['kind']}' case needs at least one gold id")
    if known is not None:
        unknown = [g for g in [*row.get("gold", []), *row.get("alternates", [])] if g not in known]
        if unknown:
            raise BadInputError(f"{where}: unknown id(s) {', '.join(unknown)}; see `assistant examples`")
    history = row.get("history", [])
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
        for t in history
    ):
        raise BadInputError(f"{where}: 'history' must be a list of {{\"role\": \"user\"|\"assistant\", \"content\": str}}")
    if row["kind"] == "followup" and not history:
        raise BadInputError(f"{where}: a followup case needs its history")
    filters = row.get("filters", {})
    if not isinstance(filters, dict):
        raise BadInputError(f"{where}: 'filters' must be an object such as {{\"theme\": \"Court work\"}}")
    return GoldCase(
        id=row["id"], question=row["question"], kind=row["kind"], gold=tuple(row.get("gold", [])),
        alternates=tuple(row.get("alternates", [])), facts=tuple(row.get("facts", [])),
        history=tuple(history), filters=filters, persona=row.get("persona", "practitioner"),
        key_passages=tuple(row.get("key_passages", [])), split=str(row.get("split", "dev")),
    )


# --- metrics (plain functions over ranked id lists) ----------------------------------------


def hit_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """1.0 if any relevant id is in the top k, else 0.0."""
    wanted = set(relevant)
    return 1.0 if any(r in wanted for r in ranked[:k]) else 0.0


def recall_at_k(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """The share of gold ids found in the top k."""
    wanted = set(gold)
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str], k: int = 10) -> float:
    """1/rank of the first relevant id within the top k, else 0."""
    wanted = set(relevant)
    for position, item in enumerate(ranked[:k], start=1):
        if item in wanted:
            return 1.0 / position
    return 0.0


def ndcg_at_k(ranked: Sequence[str], gains: dict[str, float], k: int = 10) -> float:
    """Normalised discounted cumulative gain with graded gains (log2 discount)."""
    dcg = sum(gains.get(item, 0.0) / math.log2(i + 2) for i, item in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def retrieval_scores(ranked: Sequence[str], case: GoldCase) -> dict[str, float]:
    gains = {a: 0.5 for a in case.alternates} | {g: 1.0 for g in case.gold}
    return {
        "hit@1": hit_at_k(ranked, case.relevant, 1),
        "hit@3": hit_at_k(ranked, case.relevant, 3),
        "hit@5": hit_at_k(ranked, case.relevant, 5),
        "recall@5": recall_at_k(ranked, case.gold, 5),
        "mrr@10": reciprocal_rank(ranked, case.relevant, 10),
        "ndcg@10": ndcg_at_k(ranked, gains, 10),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(milliseconds: Sequence[float]) -> dict[str, float]:
    """p50 and p95, rounded to hundredths of a millisecond."""
    return {"p50": round(percentile(milliseconds, 50), 2), "p95": round(percentile(milliseconds, 95), 2)}


# --- systems ------------------------------------------------------------------------------

Ranker = Callable[[GoldCase], list[str]]


def our_ranker(assistant) -> Ranker:
    def rank(case: GoldCase) -> list[str]:
        hits = assistant.search(case.question, k=10, filters=case.filters or None, history=list(case.history) or None)
        return [h.id for h in hits]
    return rank


def ablation_ranker(assistant, dense: bool, keyword: bool) -> Ranker:
    def rank(case: GoldCase) -> list[str]:
        hits = assistant.retriever.search(case.question, k=10, filters=case.filters or None,
                                          dense=dense, keyword=keyword, expand=False, use_facets=False)
        return [h.id for h in hits]
    return rank


class NaiveBaseline:
    """The LangChain tutorial pipeline, built in memory from the same corpus files."""

    def __init__(self, assistant, chunk_size: int = 1000, overlap: int = 200):
        self.assistant = assistant
        self.chunk_size = chunk_size
        self.overlap = overlap
        self._store = None
        self._chunk_units: dict[str, list[str]] = {}

    def warm_up(self) -> None:
        if self._store is not None:
            return
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document as LCDocument
        from langchain_huggingface import HuggingFaceEmbeddings
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant import embed
        from assistant.ingest import document_paths

        embed._offline()
        corpus_dir = self.assistant.settings.resolved("corpus_dir")
        docs = [LCDocument(page_content=p.read_text(encoding="utf-8"), metadata={"source": p.name})
                for p in document_paths(corpus_dir)]
        splitter = RecursiveCharacterTextSplitter(chunk_size=self.chunk_size, chunk_overlap=self.overlap)
        chunks = splitter.split_documents(docs)
        embeddings = HuggingFaceEmbeddings(model_name=str(embed.model_path()), model_kwargs={"device": "cpu"})
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        ids = [f"naive-{i}" for i in range(len(chunks))]
        self._store = Chroma(collection_name="naive-baseline", embedding_function=embeddings, client=client)
        self._store.add_documents(chunks, ids=ids)
        units = list(self.assistant.index.units.values())
        for chunk in chunks:
            self._chunk_units[chunk.page_content] = _overlapping_units(chunk.page_content, units)

    def rank(self, case: GoldCase) -> list[str]:
        self.warm_up()
        ranked: list[str] = []
        for doc in self._store.similarity_search(case.question, k=20):
            for unit_id in self._chunk_units.get(doc.page_content, [])[:1]:
                if unit_id not in ranked:
                    ranked.append(unit_id)
        return ranked[:10]


def _normalise_line(text: str) -> str:
    text = re.sub(r"\[\d+\]", "", text)
    return re.sub(r"\s+", " ", text.lstrip("•*-– ").strip())


def _overlapping_units(chunk_text: str, units) -> list[str]:
    """Unit ids ordered by how many of the chunk's characters they contain."""
    weight: dict[str, int] = {}
    normalised = {u.id: _normalise_line(u.text.replace("\n", " ")) for u in units}
    for raw in chunk_text.splitlines():
        line = _normalise_line(raw)
        if len(line) < 15:
            continue
        marker = line.split(":", 1)[1].strip() if line.lower().startswith("example of effectiveness:") else None
        for unit in units:
            if (marker and unit.title == marker) or line in normalised[unit.id]:
                weight[unit.id] = weight.get(unit.id, 0) + len(line)
    return sorted(weight, key=lambda u: -weight[u])


# --- answers ------------------------------------------------------------------------------

_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "`": "'"})


def normalise_quote(text: str) -> str:
    """Whitespace and quote marks aside, as the citation check compares."""
    return " ".join(text.translate(_QUOTE_MARKS).split())


def citation_problems(answer) -> list[str]:
    """Every way the answer's citations fail: unresolved [n], quotes not verbatim in the source."""
    problems = []
    numbers = {c.n for c in answer.citations}
    for marker in CITATION_MARKER.findall(answer.answer):
        if int(marker) not in numbers:
            problems.append(f"[{marker}] names no listed source")
    for citation in answer.citations:
        source = normalise_quote(citation.unit.title + " " + citation.unit.text)
        if not citation.quotes:
            problems.append(f"[{citation.n}] has no quotes")
        for quote in citation.quotes:
            if normalise_quote(quote) not in source:
                problems.append(f"[{citation.n}] quote not in {citation.unit.id}: {quote[:60]}")
        if f"[{citation.n}]" not in answer.answer:
            problems.append(f"[{citation.n}] is listed but never cited")
    return problems


def answer_scores(answer, case: GoldCase) -> dict[str, Any]:
    """Per-question answer measures."""
    cited = [c.unit.id for c in answer.citations]
    text = normalise_quote(answer.answer).lower()
    return {
        "refused": answer.refused,
        "citations_valid": not citation_problems(answer),
        "gold_cited": bool(case.relevant & set(cited)) if case.in_scope else None,
        "facts_present": all(normalise_quote(f).lower() in text for f in case.facts) if case.facts else None,
        "words": len(answer.answer.split()),
        "cited": cited,
    }


def summarise_answers(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Aggregate answer measures: rates over the questions each applies to."""
    def rate(values):
        """The share of true values; None (not applicable) when no question applies."""
        values = [v for v in values if v is not None]
        return round(sum(map(bool, values)) / len(values), 4) if values else None

    in_scope = [r for r in rows if r["in_scope"]]
    out_scope = [r for r in rows if not r["in_scope"]]
    refused = [r for r in rows if r["refused"]]
    return {
        "citation_validity": rate(r["citations_valid"] for r in rows),
        "gold_citation_rate": rate(r["gold_cited"] for r in in_scope),
        "in_scope_refused": sum(r["refused"] for r in in_scope),
        "refusal_recall": rate(r["refused"] for r in out_scope),
        "refusal_precision": rate(not r["in_scope"] for r in refused),
        "fact_presence": rate(r["facts_present"] for r in rows),
        "mean_words": round(statistics.fmean(r["words"] for r in rows), 1) if rows else 0.0,
    }


def statements(answer) -> list[tuple[str, tuple[int, ...]]]:
    """The answer's claims (bullets and paragraphs before the sources list) with the [n] they cite."""
    return cited_statements(answer.answer.split("**Sources**")[0])


def alce_scores(answer, checker) -> tuple[float, float] | None:
    """ALCE-style citation recall and precision, with the offline support check.

    Recall: the share of statements that their cited sources, together, support.
    Precision: the share of citations that are not irrelevant; a citation is irrelevant when
    it does not support its statement alone and the statement's other citations do.
    """
    if answer.refused:
        return None
    units = {c.n: c.unit for c in answer.citations}
    claims = statements(answer)
    if not claims:
        return None
    supported_count, relevant, total = 0, 0, 0
    for claim, cited in claims:
        texts = [units[n].title + ". " + units[n].text for n in cited if n in units]
        if texts and checker.check(claim, texts).supported:
            supported_count += 1
        for n in cited:
            total += 1
            if n not in units:
                continue
            alone = checker.check(claim, [units[n].title + ". " + units[n].text]).supported
            others = [units[m].title + ". " + units[m].text for m in cited if m != n and m in units]
            if alone or not (others and checker.check(claim, others).supported):
                relevant += 1
    return supported_count / len(claims), (relevant / total if total else 0.0)


def support_agreement(assistant, path: Path) -> dict[str, Any]:
    """How often the support check agrees with the hand labels in `path`."""
    from assistant.support import SupportChecker

    checker = SupportChecker(assistant.index.embedder)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    outcome = {"agree": 0, "false_supported": 0, "missed_support": 0}
    for row in rows:
        unit = assistant.index.units[row["source"]]
        predicted = checker.check(row["claim"], [unit.title + ". " + unit.text]).supported
        if predicted == row["supported"]:
            outcome["agree"] += 1
        elif predicted:
            outcome["false_supported"] += 1
        else:
            outcome["missed_support"] += 1
    return {"method": "lexical entailment proxy (content-word overlap) or embedding similarity",
            "n": len(rows), "agreement": round(outcome["agree"] / len(rows), 4) if rows else 0.0, **outcome}


def evaluate_answers(assistant, cases: Sequence[GoldCase], llm: str | None = None,
                     progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Ask every gold question (in-scope and out-of-scope) and measure the answers."""
    from assistant.support import SupportChecker

    checker = SupportChecker(assistant.index.embedder)
    rows, stages = [], {"total": [], "retrieve": [], "compose": [], "llm": []}
    recalls, precisions = [], []
    answers = {}
    for i, case in enumerate(cases):
        started = time.perf_counter()
        answer = assistant.ask(case.question, history=list(case.history) or None,
                               filters=case.filters or None, llm=llm)
        stages["total"].append((time.perf_counter() - started) * 1000)
        for stage, ms in answer.timings_ms.items():
            stages[stage].append(ms)
        alce = alce_scores(answer, checker)
        if alce:
            recalls.append(alce[0])
            precisions.append(alce[1])
        answers[case.id] = answer
        points = point_scores(answer, case.key_passages, case.relevant) if case.key_passages else {}
        rows.append({"id": case.id, "question": case.question, "kind": case.kind, "in_scope": case.in_scope,
                     "gold": list(case.gold), "mode": answer.mode, **answer_scores(answer, case),
                     "citation_recall": alce[0] if alce else None, "citation_precision": alce[1] if alce else None,
                     "points": points})
        if progress:
            progress("answers", i + 1, len(cases))
    summary = summarise_answers(rows)
    labelled = [r["points"] for r in rows if r["points"]]
    if labelled:
        pooled = summarise_points(labelled)
        summary.update({"point_precision": pooled["point_precision"], "key_passage_recall": pooled["key_passage_recall"],
                        "key_passage_present": pooled["key_passage_present"],
                        "key_passage_first": pooled["key_passage_first"], "gold_first_rate": pooled["gold_first"],
                        "mean_points": pooled["mean_points"]})
    summary["citation_recall"] = round(statistics.fmean(recalls), 4) if recalls else 0.0
    summary["citation_precision"] = round(statistics.fmean(precisions), 4) if precisions else 0.0
    latency = {stage: latency_summary(v) for stage, v in stages.items() if v}
    return {"summary": summary, "per_question": rows, "latency_ms": latency, "samples_ms": stages,
            "answers": answers}


JUDGE_PROMPT = """You grade an answer to a probation practitioner's question against its numbered sources.
Reply with JSON only: {"faithfulness": 1-5, "helpfulness": 1-5}.
faithfulness: 5 = every statement is supported by the cited sources; 1 = mostly unsupported.
helpfulness: 5 = directly useful practice for the question; 1 = not useful."""


def llm_judge(backend, cases: Sequence[GoldCase], answers: dict, runs: int) -> dict[str, Any]:
    """Faithfulness and helpfulness from an LLM judge, `runs` times: mean and spread per run."""
    if runs < 1:
        raise BadInputError(f"judge runs must be at least 1, got {runs}")
    per_run = []
    for _ in range(runs):
        scores = {"faithfulness": [], "helpfulness": []}
        for case in cases:
            answer = answers.get(case.id)
            if answer is None or answer.refused:
                continue
            sources = "\n\n".join(f"[{c.n}] {c.unit.title}\n{c.unit.text}" for c in answer.citations)
            try:
                reply = backend.generate(JUDGE_PROMPT, f"Sources:\n{sources}\n\nQuestion: {case.question}\n\n"
                                                       f"Answer:\n{answer.answer}")
                data = json.loads(reply[reply.index("{"):reply.rindex("}") + 1])
                for key in scores:
                    value = float(data[key])
                    if 1 <= value <= 5:
                        scores[key].append(value)
            except Exception:  # an unreachable judge or unparseable grade is skipped, and counted
                continue
        per_run.append({k: round(statistics.fmean(v), 3) if v else None for k, v in scores.items()}
                       | {"graded": len(scores["faithfulness"])})
    result: dict[str, Any] = {"runs": per_run, "model": backend.label}
    for key in ("faithfulness", "helpfulness"):
        values = [r[key] for r in per_run if r[key] is not None]
        result[key] = {"mean": round(statistics.fmean(values), 3) if values else None,
                       "stdev": round(statistics.pstdev(values), 3) if len(values) > 1 else 0.0}
    return result


def run_evaluation(assistant, gold: Path, systems: Sequence[str] = SYSTEMS, llm: str | None = None,
                   judge_runs: int = 3, support_labels: Path | None = None,
                   progress: Callable[[str, int, int], None] | None = None, trust: bool = True) -> dict[str, Any]:
    """The whole evaluation: retrieval per system, answers, support agreement, optional judge.

    With `trust`, also the answer-trust measures of the labelled files beside the gold file
    (adjacent questions, manipulation, conversations, facets, requests for examples; see
    `assistant.answer_quality`).
    """
    import platform
    from datetime import datetime, timezone

    started = time.perf_counter()
    cases = load_gold(gold, assistant.index.units)
    retrieval = evaluate_retrieval(assistant, cases, systems, progress)
    answers = evaluate_answers(assistant, cases, llm=llm, progress=progress)
    results: dict[str, Any] = {
        "n_questions": retrieval["n_questions"],
        "systems": retrieval["systems"],
        "answers": answers["summary"],
        "latency_ms": {"retrieval": retrieval["latency_ms"], "answer": answers["latency_ms"]},
    }
    if support_labels and support_labels.exists():
        results["answers"]["support_check"] = support_agreement(assistant, support_labels)
    trust_details = trust_report(assistant, gold.parent, progress) if trust else {}
    if trust_details:
        results["trust"] = trust_summary(trust_details)
    if llm:
        backend = assistant.llm_backend(llm)
        results["answers"]["judge"] = llm_judge(backend, cases, answers["answers"], judge_runs)
    results["details"] = {
        "gold": gold.name, "n_cases": len(cases), "per_question": retrieval["per_question"],
        "answers": answers["per_question"], "latency_samples_ms": answers["samples_ms"],
        "themes": {c.id: _theme_of(assistant, c) for c in cases if c.in_scope},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "mode": "llm " + llm if llm else "extractive",
        "trust": trust_details,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return results


def _theme_of(assistant, case: GoldCase) -> str:
    unit = assistant.index.units.get(case.gold[0]) if case.gold else None
    return unit.section if unit else "unknown"


def compare_results(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Metric by metric, the change from an earlier run (current − previous)."""
    changes: dict[str, Any] = {"systems": {}, "answers": {}}
    for system, metrics in current.get("systems", {}).items():
        before = previous.get("systems", {}).get(system, {})
        changes["systems"][system] = {m: round(v - before[m], 4) for m, v in metrics.items() if m in before}
    for section in ("answers", "trust"):
        changes.setdefault(section, {})
        for metric, value in current.get(section, {}).items():
            old = previous.get(section, {}).get(metric)
            if isinstance(value, (int, float)) and isinstance(old, (int, float)):
                changes[section][metric] = round(value - old, 4)
    return changes


# --- running ------------------------------------------------------------------------------


def evaluate_retrieval(assistant, cases: Sequence[GoldCase], systems: Sequence[str] = SYSTEMS,
                       progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Every system on the same in-scope questions: mean metrics, per-question rows, latency."""
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        raise BadInputError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    questions = [c for c in cases if c.in_scope]
    rankers: dict[str, Ranker] = {}
    for name in systems:
        if name == "ours":
            rankers[name] = our_ranker(assistant)
        elif name == "bm25":
            rankers[name] = ablation_ranker(assistant, dense=False, keyword=True)
        elif name == "dense":
            rankers[name] = ablation_ranker(assistant, dense=True, keyword=False)
        else:
            baseline = NaiveBaseline(assistant)
            baseline.warm_up()
            rankers[name] = baseline.rank
    assistant.warm_up()
    results: dict[str, Any] = {"n_questions": len(questions), "systems": {}, "per_question": {}, "latency_ms": {}}
    for name, ranker in rankers.items():
        rows, latencies = [], []
        for i, case in enumerate(questions):
            started = time.perf_counter()
            ranked = ranker(case)
            latencies.append((time.perf_counter() - started) * 1000)
            rows.append({"id": case.id, "question": case.question, "kind": case.kind,
                         "gold": list(case.gold), "ranked": ranked[:5], **retrieval_scores(ranked, case)})
            if progress:
                progress(name, i + 1, len(questions))
        results["systems"][name] = {m: round(statistics.fmean(r[m] for r in rows), 4) for m in RETRIEVAL_METRICS}
        results["per_question"][name] = rows
        results["latency_ms"][name] = latency_summary(latencies)
    return results


# --- the gate -----------------------------------------------------------------------------


def load_thresholds(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInputError(f"cannot read thresholds {path} ({exc})") from None


def gate_failures(results: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """Retrieval and answer metrics below the thresholds for this gold file."""
    failures = check_gate(results["systems"], thresholds.get("retrieval", {}))
    for section in ("answers", "trust"):
        if section in thresholds:
            numeric = {k: v for k, v in results.get(section, {}).items() if isinstance(v, (int, float))}
            failures += check_gate({section: numeric}, {section: thresholds[section]})
    maxima = thresholds.get("at_most", {})
    for metric, limit in maxima.items():
        section, _, name = metric.partition(".")
        value = results.get(section, {}).get(name)
        if value is None:
            failures.append(f"{metric}: not measured (at most {limit})")
        elif value > limit:
            failures.append(f"{metric}: {value} > {limit}")
    return failures


def check_gate(measured: dict[str, dict[str, float]], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Every metric below its threshold, as "system metric: measured < threshold" lines."""
    failures = []
    for system, minimums in thresholds.items():
        for metric, minimum in minimums.items():
            value = measured.get(system, {}).get(metric)
            if value is None:
                failures.append(f"{system} {metric}: not measured (threshold {minimum})")
            elif value < minimum:
                failures.append(f"{system} {metric}: {value:.3f} < {minimum}")
    return failures
