"""The Python API: `Assistant`, the one object every interface (CLI, app, evaluation) uses.

    from assistant import Assistant
    a = Assistant.load()                  # settings from assistant.toml and ASSISTANT_* variables
    hits = a.search("ex-forces lad with PTSD who drinks", k=3)
    a.examples()                          # every parsed example
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import weakref
from dataclasses import replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from assistant.compose import ExtractiveComposer
from assistant.config import Settings, load_settings
from assistant import validation
from assistant.errors import AssistantError
from assistant.index import OpenIndex, current_build_id, retire_unused_builds
from assistant.privacy import redact
from assistant.conversation import Context, read_context
from assistant.intent import read_intent, request_topic
from assistant.retrieve import Ranking, Retriever
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


REFRESH_SECONDS = 1.0  # how often a long-running Assistant looks for a new build


def _one_build(method):
    """Within one call, every use of `self.index` and `self.retriever` sees the same build.

    A new build (from `assistant index` in another process) is picked up between calls: calls
    already running finish on the build they started with.
    """
    @functools.wraps(method)
    def pinned(self, *args, **kwargs):
        local = self._local
        if getattr(local, "snapshot", None) is not None:  # a nested call keeps the outer call's build
            return method(self, *args, **kwargs)
        local.snapshot = self._current()
        try:
            return method(self, *args, **kwargs)
        finally:
            local.snapshot = None
    return pinned


class Assistant:
    """Search (and, later, answer) over a built index. Cheap to create; heavy parts load on first use.

    Created with `Assistant.load()` (or without an explicit `index`), it follows the index
    folder: when `assistant index` makes a new build, the next calls use it (it is opened and
    warmed up in the background first), and the old build is released once no call uses it.
    """

    def __init__(self, settings: Settings, index: OpenIndex | None = None):
        self.settings = settings
        self._follows = index is None
        index = index or OpenIndex(settings)
        self._snapshot: tuple[OpenIndex, Retriever] = (index, Retriever(index, settings))
        self._local = threading.local()
        self._swap = threading.Lock()
        self._next_check = time.monotonic() + REFRESH_SECONDS
        self._loading: str | None = None
        self._failed: tuple[str, str] | None = None  # (build id, why it could not be opened)
        self._retired: list[weakref.ref] = []

    @property
    def index(self) -> OpenIndex:
        return (getattr(self._local, "snapshot", None) or self._current())[0]

    @property
    def retriever(self) -> Retriever:
        return (getattr(self._local, "snapshot", None) or self._current())[1]

    def _current(self) -> tuple[OpenIndex, Retriever]:
        """The build to use now; starts opening a newer one in the background when there is one."""
        snapshot = self._snapshot
        if not self._follows:
            return snapshot
        now = time.monotonic()
        if now < self._next_check:
            return snapshot
        self._next_check = now + REFRESH_SECONDS
        live = current_build_id(self.settings.resolved("index_dir"))
        with self._swap:
            wanted = live and live != snapshot[0].build_id and not self._loading and \
                (self._failed is None or self._failed[0] != live)
            if wanted:
                self._loading = live
        if wanted:
            threading.Thread(target=self._open_new, args=(live,), name="open-new-build", daemon=True).start()
        elif self._retired and all(ref() is None for ref in self._retired):
            self._retired = []  # every call on the old build has finished: its folder can go
            threading.Thread(target=self._retire_old, name="retire-old-builds", daemon=True).start()
        return snapshot

    def _open_new(self, build_id: str) -> bool:
        try:
            index = OpenIndex(self.settings, check_stale=False)
            retriever = Retriever(index, self.settings)
            retriever.warm_up()
        except AssistantError as exc:
            log.warning("build %s cannot be opened, still serving build %s: %s", build_id,
                        self._snapshot[0].build_id, exc)
            with self._swap:
                self._failed = (build_id, str(exc))
                self._loading = None
            return False
        with self._swap:
            old = self._snapshot
            self._snapshot = (index, retriever)
            self._retired.append(weakref.ref(old[0]))
            self._failed = None
            self._loading = None
        log.info("switched from build %s to build %s", old[0].build_id, index.build_id)
        return True

    def _retire_old(self) -> None:
        try:
            retire_unused_builds(self.settings)
        except (AssistantError, OSError) as exc:  # clean-up is opportunistic: the next `assistant index` does it
            log.info("old builds not removed yet: %s", exc)

    def refresh(self) -> bool:
        """Switch to the live build now if it is newer than the one in use; True when it switched."""
        live = current_build_id(self.settings.resolved("index_dir"))
        if not self._follows or not live or live == self._snapshot[0].build_id:
            return False
        with self._swap:
            if self._loading:
                return False
            self._loading = live
        return self._open_new(live)

    def close(self) -> None:
        """Release the builds this assistant opened (leases, store copies, Chroma clients)."""
        if not self._follows:
            return  # the caller opened the index and closes it
        with self._swap:
            for ref in [*self._retired, weakref.ref(self._snapshot[0])]:
                index = ref()
                if index is not None:
                    index.close()

    def status(self) -> dict[str, Any]:
        """The build in use and what the assistant is doing about newer ones (for health checks)."""
        index = self._current()[0]
        state = "serving"
        if self._loading:
            state = f"opening build {self._loading}"
        elif self._failed:
            state = f"build {self._failed[0]} could not be opened: {self._failed[1]}"
        return {"build_id": index.build_id, "created": index.manifest.get("created"),
                "counts": index.manifest.get("counts", {}), "state": state}

    @classmethod
    def load(cls, settings: Settings | None = None, **overrides: Any) -> "Assistant":
        """Open the index named by the settings in effect; raises if it is missing or stale."""
        settings = settings or load_settings()
        return cls(settings.with_overrides(**overrides))

    def warm_up(self) -> "Assistant":
        """Load the query model, Chroma and the keyword index now rather than on the first query."""
        self.retriever.warm_up()
        return self

    @_one_build
    def search(self, query: str, k: int = 5, filters: Mapping[str, object] | None = None,
               history: Sequence[Mapping[str, str]] | None = None) -> list[Hit]:
        """The `k` most relevant examples and sections, best first, each unit once.

        With `history` (a list of {"role", "content"} turns) a follow-up question is made
        standalone first.
        """
        validation.question(query, self.settings.max_query_chars)
        history, filters = validation.history(history), validation.filters(filters)
        k = validation.top_k(k, limit=max(validation.MAX_K, len(self.index.units)))
        if history:
            context = self.context(redact(query).text, _redacted(history))
            hits = self.retriever.rank(context.standalone, k=k + SPARE_HITS, filters=filters, boost=context.boost).hits
        else:
            hits = self.retriever.search(query, k=k + SPARE_HITS, filters=filters)
        return merge_near_duplicates(hits)[:k]

    def answer_ranking(self, standalone: str, filters: Mapping[str, object] | None = None,
                       ignore_facets: Iterable[str] = (), boost=None) -> Ranking:
        """The ranking an answer is composed from (near duplicates merged); evals/tools/fit_points.py uses it too."""
        k = max(5, self.settings.top_k)
        ranking = self.retriever.rank(standalone, k=k + SPARE_HITS, filters=filters,
                                      ignore_facets=frozenset(ignore_facets), boost=boost)
        return replace(ranking, hits=merge_near_duplicates(ranking.hits)[:k])

    @_one_build
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
        validation.question(question, self.settings.max_query_chars)
        history, filters = validation.history(history), validation.filters(filters)
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
        ranking = self.answer_ranking(standalone, filters, ignore_facets, context.boost)
        examples_ranking = None
        if read_intent(asked).examples and self._cases_allowed(filters):
            examples_ranking = self.retriever.rank(request_topic(standalone), k=12 + SPARE_HITS,
                                                   filters={**(filters or {}), "kind": ["case"]},
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

    def _per_build(self, name: str, make: Callable[[OpenIndex], Any]) -> Any:
        """A value derived from the build in use, made once per build (a (build, value) pair, so that
        a thread on the old build never gets the new build's value during a switch)."""
        index = self.index
        pair = getattr(self, name, None)
        if pair is None or pair[0] is not index:
            pair = (index, make(index))
            setattr(self, name, pair)
        return pair[1]

    @property
    def composer(self) -> ExtractiveComposer:
        """The extractive composer for the build in use (made on first use, again for a new build)."""
        return self._per_build("_composer_pair", ExtractiveComposer.for_index)

    def context(self, question: str, turns: Sequence[Mapping[str, object]]) -> Context:
        """How a (redacted) question stands in its conversation: follow-up, new case, or standalone."""
        return read_context(question, turns, self._titles(), self.settings.max_query_chars)

    def _titles(self) -> dict[str, str]:
        return self._per_build("_titles_pair", lambda index: {u.id: u.title for u in index.units.values()})

    @_one_build
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
