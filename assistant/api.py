"""The Python API: `Assistant`, the one object every interface (CLI, app, evaluation) uses.

    from assistant import Assistant
    a = Assistant.load()                  # settings from assistant.toml and ASSISTANT_* variables
    hits = a.search("ex-forces lad with PTSD who drinks", k=3)
    a.examples()                          # every parsed example
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from assistant.compose import ExtractiveComposer
from assistant.config import Settings, load_settings
from assistant.index import OpenIndex
from assistant.privacy import redact
from assistant.conversation import Context, read_context
from assistant.intent import read_intent
from assistant.retrieve import Retriever, clean_query
from assistant.sameness import merge_near_duplicates
from assistant.types import Answer, Example, Hit, Section

log = logging.getLogger("assistant")
SPARE_HITS = 5  # asked for beyond k, so that folding the same example from two publications still leaves k


def _redacted(history: Sequence[Mapping[str, object]] | None) -> list[dict[str, object]]:
    """Conversation turns with personal data redacted, as everything downstream must see them.

    An assistant turn may carry "cited": the ids of the examples that answer cited.
    """
    turns: list[dict[str, object]] = []
    for turn in history or []:
        redacted: dict[str, object] = {"role": turn.get("role", ""), "content": redact(str(turn.get("content", ""))).text}
        if isinstance(turn.get("cited"), (list, tuple)):
            redacted["cited"] = [str(x) for x in turn["cited"]]
        turns.append(redacted)
    return turns


class Assistant:
    """Search (and, later, answer) over a built index. Cheap to create; heavy parts load on first use."""

    def __init__(self, settings: Settings, index: OpenIndex | None = None):
        self.settings = settings
        self.index = index or OpenIndex(settings)
        self.retriever = Retriever(self.index, settings)

    @classmethod
    def load(cls, settings: Settings | None = None, **overrides: Any) -> "Assistant":
        """Open the index named by the settings in effect; raises if it is missing or stale."""
        settings = settings or load_settings()
        return cls(settings.with_overrides(**overrides))

    def warm_up(self) -> "Assistant":
        """Load the query model, Chroma and the keyword index now rather than on the first query."""
        self.retriever.warm_up()
        return self

    def search(self, query: str, k: int = 5, filters: Mapping[str, object] | None = None,
               history: Sequence[Mapping[str, str]] | None = None) -> list[Hit]:
        """The `k` most relevant examples and sections, best first, each unit once.

        With `history` (a list of {"role", "content"} turns) a follow-up question is made
        standalone first.
        """
        if history:
            clean_query(query, self.settings.max_query_chars)  # judge the question as the user typed it
            context = self.context(redact(query).text, _redacted(history))
            hits = self.retriever.rank(context.standalone, k=k + SPARE_HITS, filters=filters, boost=context.boost).hits
        else:
            hits = self.retriever.search(query, k=k + SPARE_HITS, filters=filters)
        return merge_near_duplicates(hits)[:k]

    def ask(self, question: str, history: Sequence[Mapping[str, str]] | None = None,
            filters: Mapping[str, object] | None = None, llm: str | None = None,
            ignore_facets: Iterable[str] = (), on_token: Callable[[str], None] | None = None,
            fresh: bool = False) -> Answer:
        """A grounded answer with citations, or a polite refusal.

        Real case details in the question are redacted before anything else sees it. With
        `history`, a follow-up carries the conversation's topic and the examples the previous
        answer cited (a new case resets; `fresh=True` drops the conversation), while the
        composer still sees the question as asked. `llm` ("openai:<model>" or
        "ollama:<model>") overrides the configured LLM for this question; without one the
        answer is extractive. `ignore_facets` switches off facets read from the question (see
        `facets()`); `on_token` receives an LLM answer as it streams, before it is validated.
        """
        clean_query(question, self.settings.max_query_chars)
        redaction = redact(question)
        warnings = [redaction.warning] if redaction.warning else []
        asked = redaction.text
        turns = [] if fresh else _redacted(history)
        spec = llm if llm is not None else self.settings.llm
        backend = self.llm_backend(spec) if spec else None

        context = self.context(asked, turns)
        standalone = context.standalone
        if context.carried and backend:
            rewritten = backend.condense(asked, turns, warnings)
            standalone = rewritten[-self.settings.max_query_chars:] if rewritten else standalone
        log.info("ask: %s", standalone)
        started = time.perf_counter()
        k = max(5, self.settings.top_k)
        ranking = self.retriever.rank(standalone, k=k + SPARE_HITS, filters=filters,
                                      ignore_facets=frozenset(ignore_facets), boost=context.boost)
        ranking = replace(ranking, hits=merge_near_duplicates(ranking.hits)[:k])
        examples_ranking = None
        if read_intent(asked).examples and self._cases_allowed(filters):
            examples_ranking = self.retriever.rank(standalone, k=12 + SPARE_HITS, filters={**(filters or {}), "kind": ["case"]},
                                                   ignore_facets=frozenset(ignore_facets), boost=context.boost)
            examples_ranking = replace(examples_ranking, hits=merge_near_duplicates(examples_ranking.hits)[:12])
        retrieved = time.perf_counter()
        answer = self.composer.compose(asked, ranking, warnings, standalone=standalone, carried=context.carried,
                                       examples_ranking=examples_ranking)
        composed = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1000, "compose": (composed - retrieved) * 1000}
        if backend and not answer.refused:
            answer = backend.compose(asked, turns, answer, on_token=on_token)
            timings["llm"] = (time.perf_counter() - composed) * 1000
        return replace(answer, timings_ms=timings)

    @staticmethod
    def _cases_allowed(filters: Mapping[str, object] | None) -> bool:
        kinds = (filters or {}).get("kind")
        if not kinds:
            return True
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        return any(str(k).strip().lower() == "case" for k in kinds)

    @property
    def composer(self) -> ExtractiveComposer:
        """The extractive composer for the open index (built on first use, rebuilt with the index)."""
        if getattr(self, "_composer_index", None) is not self.index:
            self._composer = ExtractiveComposer.for_index(self.index)
            self._composer_index = self.index
        return self._composer

    def context(self, question: str, turns: Sequence[Mapping[str, object]]) -> Context:
        """How a (redacted) question stands in its conversation: follow-up, new case, or standalone."""
        return read_context(question, turns, self._titles(), self.settings.max_query_chars)

    def _titles(self) -> dict[str, str]:
        if getattr(self, "_titles_index", None) is not self.index:
            self._titles_cache = {u.id: u.title for u in self.index.units.values()}
            self._titles_index = self.index
        return self._titles_cache

    def facets(self, question: str, history: Sequence[Mapping[str, str]] | None = None) -> list[str]:
        """The facets read from a question (with its conversation), as removable labels."""
        context = self.context(redact(question).text, _redacted(history))
        return self.retriever.prepare(context.facet_text).facets.describe()

    def llm_backend(self, spec: str):
        """The LLM backend for `spec` ("openai:<model>" or "ollama:<model>"), kept while settings stay the same."""
        from assistant.llm import LLMBackend

        key = (spec, self.settings.llm_base_url, self.settings.llm_timeout)
        if getattr(self, "_llm_key", None) != key:
            self._llm_backend = LLMBackend.from_spec(spec, self.settings, self.index.embedder)
            self._llm_key = key
        return self._llm_backend

    def examples(self) -> list[Example]:
        """Every example in the index, in document order."""
        return sorted(self.index.examples(), key=lambda e: (e.document_id, e.order))

    def sections(self) -> list[Section]:
        """Every section (non-example part) in the index, in document order."""
        return sorted(self.index.sections(), key=lambda s: (s.document_id, s.order))

    def example(self, example_id: str) -> Example | None:
        unit = self.index.units.get(example_id)
        return unit if isinstance(unit, Example) else None

    @property
    def glossary(self):
        return self.index.glossary

    def about(self) -> dict[str, Any]:
        """What is indexed and how: from the manifest."""
        manifest = self.index.manifest
        return {"build_id": manifest["build_id"], "created": manifest["created"],
                "counts": manifest["counts"], "documents": manifest.get("documents", []),
                "embedding": manifest["embedding"], "chroma": manifest["chroma"]}
