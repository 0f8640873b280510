"""The Python API: `Assistant`, the one object every face (CLI, web app, HTTP API, LangChain, evaluation) uses.

    from assistant import Assistant
    a = Assistant.load()                  # settings from assistant.toml and ASSISTANT_* variables
    hits = a.search("ex-forces lad with PTSD who drinks", k=3)
    answer = a.ask("my client has ADHD and keeps missing appointments")
    answer.points, answer.citations       # the answer as data; `assistant.render` renders it
    a.examples()                          # every parsed example

Faces import this module and the base types, never the stages below it. What they need of the
corpus and the index is offered here too: `build_index`, `check_index`, `read_manifest`,
`add_publication`, `corpus_documents`, `remove_publication`, and `validation`, the boundary checks.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from assistant.answer import LOOSE_MATCH, ExtractiveComposer, Part, relevance
from assistant.config import Settings, load_settings
from assistant.errors import AssistantError, BadInputError, ChromaUnavailableError, IndexCorruptError, \
    IndexMissingError, IndexStaleError, StorageError, os_error_line
from assistant.index import OpenIndex, build_index, check_index, read_manifest  # noqa: F401 (offered to faces)
from assistant.index.manifest import CACHE
from assistant.ingest.cache import ParseCache
from assistant.ingest.lock import CorpusLock
from assistant.ingest.worker import ParseLimits, parser
from assistant.ingest.corpus import (Added, add_document, add_summary, document_details,  # noqa: F401 (offered to faces)
                                     list_documents, remove_document)
from assistant.live import LiveIndex, pinned
from assistant.question import read_question, validation
from assistant.question.conversation import Context, read_context
from assistant.question.intent import Intent, asks_for_organisational, compared, request_topic
from assistant.question.privacy import redact
from assistant.retrieve import Ranking, Retriever, merge_near_duplicates, passes_filters
from assistant.types import Answer, Example, Hit, Section

log = logging.getLogger("assistant")
SPARE_HITS = 5  # asked for beyond k, so that folding the same example from two publications still leaves k
FINDER_K = 100  # examples a finder search ranks
MIN_RELATIVE_SCORE = 0.25  # a finder search lists the examples scoring at least this share of the best one


def redacted(text: str) -> str:
    """`text` with real case details replaced ([NAME], [CRN]…), as the assistant searches it."""
    return redact(text).text


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


@dataclass(frozen=True)
class Found:
    """An example the finder lists, and how well it matches the search (its share of the best; None: no search)."""

    example: Example
    relevance: float | None = None


class Assistant:
    """Search and answer over a built index. Cheap to create; heavy parts load on first use.

    Created with `Assistant.load()` (or without an explicit `index`), it follows the index
    folder (`assistant.live`): when `assistant index` makes a new build, the next calls use it.
    """

    def __init__(self, settings: Settings, index: OpenIndex | None = None):
        self.settings = settings
        self.live = LiveIndex(settings, index)

    @property
    def index(self) -> OpenIndex:
        return self.live.in_use()[0]

    @property
    def retriever(self) -> Retriever:
        return self.live.in_use()[1]

    def refresh(self) -> bool:
        """Switch to the live build now if it is newer than the one in use; True when it switched."""
        return self.live.refresh()

    def on_switch(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after each switch to a new build, e.g. to refresh a page's menus."""
        self.live.on_switch(lambda _index: listener())

    def close(self) -> None:
        """Release the builds this assistant opened (leases, store copies, Chroma clients)."""
        self.live.close()

    def status(self) -> dict[str, Any]:
        """The build in use and what the assistant is doing about newer ones (for health checks)."""
        index = self.live.current()[0]
        return {"build_id": index.build_id, "created": index.manifest.get("created"),
                "counts": index.manifest.get("counts", {}), "state": self.live.state(), "pending": index.pending}

    def pending_change(self) -> str | None:
        """What changed since the build in use was made (the corpus, a setting), as one line; None when nothing.

        Never a refusal: the last good build keeps answering until `assistant index` makes a new one.
        """
        return self.index.pending

    @classmethod
    def load(cls, settings: Settings | None = None, **overrides: Any) -> "Assistant":
        """Open the index named by the settings in effect; raises if it is missing or stale."""
        settings = settings or load_settings()
        return cls(settings.with_overrides(**overrides))

    def warm_up(self) -> "Assistant":
        """Load the query model, Chroma and the keyword index now rather than on the first query."""
        self.retriever.warm_up()
        return self

    @pinned
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
            hits = self.retriever.search(redact(query).text, k=k + SPARE_HITS, filters=filters)
        return merge_near_duplicates(hits)[:k]

    def answer_ranking(self, standalone: str, filters: Mapping[str, object] | None = None,
                       ignore_facets: Iterable[str] = (), boost=None) -> Ranking:
        """The ranking an answer is composed from (near duplicates merged); evals/tools/fit_points.py uses it too."""
        k = max(5, self.settings.top_k)
        ranking = self.retriever.rank(standalone, k=k + SPARE_HITS, filters=filters,
                                      ignore_facets=frozenset(ignore_facets), boost=boost)
        return replace(ranking, hits=merge_near_duplicates(ranking.hits)[:k])

    def distinct_ranking(self, text: str, k: int, filters: Mapping[str, object] | None = None,
                         ignore_facets: Iterable[str] = (), boost=None) -> Ranking:
        """The best `k` distinct units for `text`: near-copies folded into one hit with their other
        sources, and, when copies crowd the first search, a wider one."""
        wide = k + SPARE_HITS
        for _ in range(3):
            ranking = self.retriever.rank(text, k=wide, filters=filters, ignore_facets=frozenset(ignore_facets),
                                          boost=boost)
            hits = merge_near_duplicates(ranking.hits)
            if len(hits) >= k or len(ranking.hits) < wide:
                break
            wide *= 4
        return replace(ranking, hits=hits[:k])

    @pinned
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
        read = read_question(question)
        warnings = [read.redaction_warning] if read.redaction_warning else []
        turns = [] if fresh else _redacted(history)
        spec = llm if llm is not None else self.settings.llm
        backend = self.llm_backend(spec) if spec else None

        context = self.context(read.text, turns, read.intent)
        standalone = context.standalone
        if context.carried and backend:
            rewritten = backend.condense(read.text, turns, warnings)
            standalone = rewritten[-self.settings.max_query_chars:] if rewritten else standalone
        log.info("ask: %s", standalone)
        started = time.perf_counter()
        ranking = self.answer_ranking(standalone, filters, ignore_facets, context.boost)
        examples_ranking, parts = None, ()
        kind = _example_kind(read.text, filters)
        if (read.intent.examples or read.intent.count) and kind:
            examples_ranking = self.distinct_ranking(request_topic(standalone), max(12, read.intent.count or 0),
                                                     {**(filters or {}), "kind": [kind]}, ignore_facets, context.boost)
        if read.intent.compare:
            named = compared(read.text) or [request_topic(standalone)]
            parts = tuple(Part(item, self.distinct_ranking(item, 5, filters, ignore_facets, _anchored(ranking, context)))
                          for item in named)
        elif len(context.asks) > 1:
            shown = read.asks if len(read.asks) == len(context.asks) else context.asks
            parts = tuple(Part(text, self.answer_ranking(search, filters, ignore_facets, _anchored(ranking, context)))
                          for text, search in zip(shown, context.asks))
        retrieved = time.perf_counter()
        answer = self.composer.compose(read, ranking, warnings, standalone=standalone, carried=context.carried,
                                       examples_ranking=examples_ranking, parts=parts)
        composed = time.perf_counter()
        timings = {"retrieve": (retrieved - started) * 1000, "compose": (composed - retrieved) * 1000}
        if backend and not answer.refused:
            answer = backend.compose(read.text, turns, answer, on_token=on_token)
            timings["llm"] = (time.perf_counter() - composed) * 1000
        return replace(answer, timings_ms=timings)

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

    def context(self, question: str, turns: Sequence[Mapping[str, object]], intent: Intent | None = None) -> Context:
        """How a (redacted) question stands in its conversation: follow-up, new case, or standalone."""
        return read_context(question, turns, self._titles(), self.settings.max_query_chars, intent)

    def _titles(self) -> dict[str, str]:
        return self._per_build("_titles_pair", lambda index: {u.id: u.title for u in index.units.values()})

    @pinned
    def facets(self, question: str, history: Sequence[Mapping[str, str]] | None = None) -> list[str]:
        """The facets read from a question (with its conversation), as removable labels."""
        context = self.context(redact(question).text, _redacted(history))
        return self.retriever.prepare(context.facet_text).facets.describe()

    def llm_backend(self, spec: str):
        """The LLM backend for `spec` ("openai:<model>" or "ollama:<model>"), kept while settings stay the same."""
        from assistant.answer.llm import LLMBackend

        key = (spec, self.settings.llm_base_url, self.settings.llm_timeout)
        if getattr(self, "_llm_key", None) != key:
            self._llm_backend = LLMBackend.from_spec(spec, self.settings, self.index.embedder)
            self._llm_key = key
        return self._llm_backend

    # -- browsing ----------------------------------------------------------------------------

    def examples(self) -> list[Example]:
        """Every example in the index, in document order."""
        return sorted(self.index.examples(), key=lambda e: (e.document_id, e.order))

    def sections(self) -> list[Section]:
        """Every section (non-example part) in the index, in document order."""
        return sorted(self.index.sections(), key=lambda s: (s.document_id, s.order))

    def example(self, example_id: str) -> Example | None:
        unit = self.index.units.get(example_id)
        return unit if isinstance(unit, Example) else None

    def filter_values(self) -> dict[str, list[str]]:
        """Every value each filter can take, for menus and error messages."""
        return self.retriever.filter_values()

    @pinned
    def count_matching(self, filters: Mapping[str, object] | None) -> int:
        """How many examples and sections pass `filters` (unknown values raise BadInputError)."""
        wanted = self.retriever.check_filters(filters)
        return sum(passes_filters(unit, wanted) for unit in self.index.units.values())

    @pinned
    def find_examples(self, query: str, filters: Mapping[str, object] | None = None) -> list[Found]:
        """The finder: the examples passing `filters`; with a `query`, only those close to it, best first,
        each with its share of the best match."""
        if not (query and query.strip()):
            wanted = self.retriever.check_filters(filters)
            return [Found(e) for e in self.examples() if passes_filters(e, wanted)]
        ranking = self.retriever.rank(redact(query).text, k=FINDER_K,
                                      filters={**(filters or {}), "kind": ["case", "organisational"]})
        hits = [h for h in ranking.hits if isinstance(h.unit, Example)]
        if not hits or relevance(ranking) < LOOSE_MATCH or hits[0].score <= 0:
            return []
        best = hits[0].score
        return [Found(h.unit, h.score / best) for h in hits if h.score / best >= MIN_RELATIVE_SCORE]

    @property
    def glossary(self):
        return self.index.glossary

    def about(self) -> dict[str, Any]:
        """What is indexed and how: from the manifest."""
        manifest = self.index.manifest
        return {"build_id": manifest["build_id"], "created": manifest["created"],
                "counts": manifest["counts"], "documents": manifest.get("documents", []),
                "embedding": manifest["embedding"], "chroma": manifest["chroma"]}


INTERNAL_ERROR = "internal error while answering; the server log has the details"


def _example_kind(question: str, filters: Mapping[str, object] | None) -> str | None:
    """The kind of example a request for examples lists: organisational when it asks for initiatives or
    strategies, else cases; None when the filters allow neither."""
    kind = "organisational" if asks_for_organisational(question) else "case"
    kinds = (filters or {}).get("kind")
    if not kinds:
        return kind
    allowed = {str(k).strip().lower() for k in ([kinds] if isinstance(kinds, str) else kinds)}
    return kind if kind in allowed else next((k for k in ("case", "organisational") if k in allowed), None)


PART_BOOST = (0.1, 0.03, 0.03)  # added, in each part's own search, to what the whole question found first, second…


def _anchored(ranking: Ranking, context: Context) -> dict[str, float]:
    """The boost for the search of one part of a question: the conversation's, and a little for the
    units the whole question found first, so that "and how many court reports?" stays on its subject."""
    boost = dict(context.boost or {})
    for hit, bonus in zip(ranking.hits, PART_BOOST):
        boost[hit.unit.id] = boost.get(hit.unit.id, 0.0) + bonus
    return boost


def status_for(exc: AssistantError) -> int:
    """The HTTP status an error calls for: 400 for bad input, 503 for an index that cannot serve, else 500."""
    if isinstance(exc, BadInputError):
        return 400
    if isinstance(exc, (IndexCorruptError, IndexMissingError, IndexStaleError, ChromaUnavailableError, StorageError)):
        return 503
    return 500


def respond(work: Callable[[], dict], where: str = "a request") -> tuple[int, dict]:
    """Run `work` for a face that answers in JSON: (200, its result), or (status, {"error": one line}).

    The one error path of the HTTP API and the app's `/ask` endpoint: a typed error becomes its
    message; a bug is logged with its traceback and the client gets one line.
    """
    try:
        return 200, work()
    except AssistantError as exc:
        return status_for(exc), {"error": str(exc)}
    except OSError as exc:  # the index or a store cannot be read or written: nothing the client can change
        log.warning("%s failed: %s", where, os_error_line(exc))
        return 503, {"error": os_error_line(exc)}
    except Exception:  # a bug: the traceback goes to the server log (redacted), never to the client
        log.error("%s failed: %s", where, redact(traceback.format_exc()).text)
        return 500, {"error": INTERNAL_ERROR}


# --- the corpus, for faces --------------------------------------------------------------------------


def _parse_cache(settings: Settings) -> ParseCache:
    return ParseCache(settings.resolved("index_dir") / CACHE)


def add_publication(settings: Settings, source: str, *, lock_timeout: float | None = 600,
                    on_note: Callable[[str], None] | None = None, **meta: Any) -> Added:
    """Add a file or an http(s) URL to the corpus (the caller re-indexes); its parse goes into the index's
    parse cache, so the build that follows does not parse it again.

    Holds the corpus lock (waiting up to `lock_timeout` seconds for another writer; `on_note` hears that it
    waits, and what a killed writer left that it removed).
    """
    parse, close = parser(ParseLimits.of(settings))  # the document is read under a time and memory limit
    try:
        with _corpus_lock(settings, "add", lock_timeout, on_note):
            return add_document(settings.resolved("corpus_dir"), source, cache=_parse_cache(settings), parse=parse,
                                max_bytes=settings.download_max_mb * 2**20, deadline_s=settings.download_timeout,
                                **meta)
    finally:
        close()


def remove_publication(settings: Settings, ident: str, *, lock_timeout: float | None = 600,
                       on_note: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Take a document (by id or file name) out of the corpus (the caller re-indexes), holding the corpus lock."""
    with _corpus_lock(settings, "remove", lock_timeout, on_note):
        return remove_document(settings.resolved("corpus_dir"), ident)


def _corpus_lock(settings: Settings, command: str, timeout: float | None,
                 on_note: Callable[[str], None] | None) -> CorpusLock:
    corpus_dir = settings.resolved("corpus_dir")
    if not corpus_dir.is_dir():  # the command's own check says what to do
        return CorpusLock(corpus_dir, command, writes=False)
    lock = CorpusLock(corpus_dir, command).held(timeout, on_note)
    for note in lock.cleaned:
        (on_note or log.info)(f"Cleaned up: {note}")
    return lock


def corpus_documents(settings: Settings) -> list[dict[str, Any]]:
    """Every document in the corpus, read through the parse cache, and whether the index holds it."""
    try:
        manifest = read_manifest(settings.resolved("index_dir"))
    except AssistantError:
        manifest = None
    parse, close = parser(ParseLimits.of(settings))
    try:
        return list_documents(settings.resolved("corpus_dir"), manifest, cache=_parse_cache(settings), parse=parse)
    finally:
        close()
