"""An optional LLM judge of faithfulness and helpfulness, run several times to show its spread."""

from __future__ import annotations

import json
import statistics
from typing import Any, Sequence

from assistant.errors import BadInputError
from assistant.evaluation.gold import GoldCase


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
