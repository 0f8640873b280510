"""The parse cache: each document as parsed, keyed by its bytes, its metadata and the parser version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable


from assistant.errors import (CorpusError)
from assistant.ingest import (PARSER_VERSION, document_paths, parse_document, sidecar_path)
from assistant.types import Document, Progress, unit_from_json, unit_to_json
from assistant.files import write_text_atomic


CACHE_VERSION = 1  # the parse cache's own layout


class ParseCache:
    """Parsed documents on disk, keyed by what the parse depends on (bytes, metadata, parser)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @staticmethod
    def key(path: Path) -> str:
        digest = hashlib.sha256(f"cache {CACHE_VERSION}\0parser {PARSER_VERSION}\0{path.name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
        sidecar = sidecar_path(path)
        digest.update(hashlib.sha256(sidecar.read_bytes()).digest() if sidecar.exists() else b"-")
        return digest.hexdigest()[:32]

    def get(self, key: str) -> Document | None:
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return document_from_json(data)
        except (OSError, ValueError, KeyError, TypeError):  # missing or damaged: parse again
            return None

    def put(self, key: str, document: Document) -> None:
        try:
            text = json.dumps(document_to_json(document), ensure_ascii=False)
        except TypeError:  # a field that is not plain data: this document is simply parsed every time
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.folder / f"{key}.json", text)

    def keep_only(self, keys: set[str]) -> int:
        removed = 0
        if not self.folder.is_dir():
            return removed
        for path in self.folder.iterdir():
            if path.suffix == ".json" and path.stem in keys:
                continue
            path.unlink(missing_ok=True)
            removed += 1
        return removed


def document_to_json(document: Document) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for spec in fields(document):
        value = getattr(document, spec.name)
        data[spec.name] = [unit_to_json(u) for u in value] if spec.name in ("examples", "sections") else value
    return data


def document_from_json(data: dict[str, Any]) -> Document:
    kwargs = {}
    for spec in fields(Document):
        if spec.name in data:
            value = data[spec.name]
            kwargs[spec.name] = [unit_from_json(u) for u in value] if spec.name in ("examples", "sections") else value
    return Document(**kwargs)


@dataclass
class CachedCorpus:
    documents: list[Document]
    skipped: list[tuple[str, str]]
    keys: dict[str, str]  # document file name -> cache key
    parsed: int
    cached: int


def read_corpus_cached(corpus_dir: Path, cache: ParseCache, progress: Progress,
                       parse: Callable[[Path], Document] = parse_document) -> CachedCorpus:
    """Every document, from the cache when its bytes are unchanged; a bad one is skipped with its reason.

    `parse` parses one document (`assistant.ingest.worker` gives one that runs under time and memory limits).
    """
    paths = document_paths(corpus_dir)
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []
    keys: dict[str, str] = {}
    seen: dict[str, str] = {}
    parsed = cached = 0
    progress("parse", 0, len(paths))
    for done, path in enumerate(paths, 1):
        try:
            key = cache.key(path)
        except OSError as exc:
            skipped.append((path.name, f"cannot read {path} ({exc.strerror}); check its permissions or remove it"))
            continue
        document = cache.get(key)
        if document is None:
            try:
                document = parse(path)
            except CorpusError as exc:
                skipped.append((path.name, str(exc)))
                progress("parse", done, len(paths))
                continue
            cache.put(key, document)
            parsed += 1
        else:
            cached += 1
        if document.id in seen:
            skipped.append((path.name, f"{path.name} has the same id '{document.id}' as {seen[document.id]}; give one a "
                                       "different \"id\" in its .meta.json"))
            continue
        seen[document.id] = document.path
        keys[path.name] = key
        documents.append(document)
        progress("parse", done, len(paths))
    if not documents:
        reasons = "; ".join(why for _, why in skipped)
        raise CorpusError(f"no document in {corpus_dir / 'documents'} could be read ({reasons})")
    return CachedCorpus(documents, skipped, keys, parsed, cached)
