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
from assistant.conversation import condense
from assistant.retrieve import Retriever, clean_query
from assistant.types import Answer, Example, Hit, Section

log = logging.getLogger("assistant")


def _redacted(history: Sequence[Mapping[str, str]] | None) -> list[dict[str, str]]:
    """Conversation turns with personal data redacted, as everything downstream must see them."""
    return [{"role": t.get("role", ""), "content": redact(t.get("content", "")).text} for t in (history or [])]


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
            query = self._standalone(query, history)
        return self.retriever.search(query, k=k, filters=filters)

    def ask(self, question: str, history: Sequence[Mapping[str, str]] | None = None,
            filters: Mapping[str, object] | None = None, llm: str | None = None,
            ignore_facets: Iterable[str] = (), on_token: Callable[[str], None] | None = None) -> Answer:
        """A grounded answer with citations, or a polite refusal.

        Real case details in the question are redacted before anything else sees it. With
        `history`, a follow-up is made standalone for retrieval, while the composer still
        sees the question as asked. `llm` ("openai:<model>" or "ollama:<model>") overrides
        the configured LLM for this question; without one the answer is extractive.
        `ignore_facets` switches off facets read from the question (see `facets()`);
        `on_token` receives an LLM answer as it streams, before it is validated.
        """
        clean_query(question, self.settings.max_query_chars)
        redaction = redact(question)
        warnings = [redaction.warning] if redaction.warning else []
        asked = redaction.text
        turns = _redacted(history)
        spec = llm if llm is not None else self.settings.llm
        backend = self.llm_backend(spec) if spec else None

        standalone = asked
        if turns:
            rewritten = backend.condense(asked, turns, warnings) if backend else None
            standalone = rewritten[-self.settings.max_query_chars:] if rewritten else self._standalone(asked, turns)
        log.info("ask: %s", standalone)
        started = time.perf_counter()
        ranking = self.retriever.rank(standalone, k=max(5, self.settings.top_k), filters=filters,
                                      ignore_facets=frozenset(ignore_facets))
        retrieved = time.perf_counter()
        answer = ExtractiveComposer(self.index.glossary).compose(asked, ranking, warnings)
        composed = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1000, "compose": (composed - retrieved) * 1000}
        if backend and not answer.refused:
            answer = backend.compose(asked, turns, answer, on_token=on_token)
            timings["llm"] = (time.perf_counter() - composed) * 1000
        return replace(answer, timings_ms=timings)

    def facets(self, question: str, history: Sequence[Mapping[str, str]] | None = None) -> list[str]:
        """The facets read from a question (with its conversation), as removable labels."""
        return self.retriever.prepare(self._standalone(redact(question).text, _redacted(history))).facets.describe()

    def _standalone(self, question: str, turns: Sequence[Mapping[str, str]]) -> str:
        """The follow-up made standalone (deterministic method), kept within the length limit.

        The end is kept, since that is the question itself; the carried-forward topic comes first.
        """
        return (condense(question, turns) if turns else question)[-self.settings.max_query_chars:]

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
