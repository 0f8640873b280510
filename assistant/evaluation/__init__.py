"""Evaluation: a gold set, retrieval metrics, answer measures, and the systems compared side by side.

It runs the same path as every face (`Assistant.search` and `Assistant.ask`). One module a job:
``gold`` (reading gold sets), ``metrics``, ``baselines`` (the systems compared), ``answers``
(citation and refusal measures), ``quality`` (answer-trust measures from hand labels),
``judge`` (an optional LLM judge), ``plan`` (everything checked before a run), ``run`` (the whole
evaluation), ``gate`` (which thresholds apply), ``measures`` (every measure by name, defined, against
its threshold), ``misses`` (the questions missed, beside what came instead), ``report`` (JSON,
Markdown and HTML, with ``plots``) and ``template`` (a commented gold set to start your own).

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

from assistant.evaluation.baselines import SYSTEMS
from assistant.evaluation.gate import Gate, choose_gate, gate_failures, load_thresholds
from assistant.evaluation.gold import GoldCase, load_gold
from assistant.evaluation.metrics import RETRIEVAL_METRICS
from assistant.evaluation.plan import Plan, plan_evaluation
from assistant.evaluation.run import compare_results, run_evaluation
from assistant.evaluation.template import write_gold_template

__all__ = ["RETRIEVAL_METRICS", "SYSTEMS", "Gate", "GoldCase", "Plan", "choose_gate", "compare_results", "gate_failures",
           "load_gold", "load_thresholds", "plan_evaluation", "run_evaluation", "write_gold_template"]
