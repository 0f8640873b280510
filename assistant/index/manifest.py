"""The manifest: the one switch naming the live build, how it was made, and every file's checksum."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any


from assistant.config import Settings
from assistant.errors import (IndexCorruptError, IndexMissingError,
                              IndexStaleError, StorageError, storage_error)
from assistant.index import embed
from assistant.ingest import (PARSER_VERSION, corpus_hash)
from assistant.index.chroma import chroma_location
from assistant.index.chunks import SECTION_PART_CHARS, SECTION_PART_MIN_CHARS
from assistant.files import write_text_atomic
from assistant.index.files import short_error


INDEX_FORMAT = 3  # 3: chunks carry their publication's region, year and kind
MANIFEST = "manifest.json"
BUILDS = "builds"
CACHE = "cache"
READERS = "readers"
STAMP = ".verified"
PASSAGE_VECTORS = "passages.npz"  # in the index folder: the answer composer's passage vectors (a cache)


def index_settings(settings: Settings) -> dict[str, Any]:
    """The settings an index depends on: a change to any of these needs a rebuild."""
    return {"section_part_chars": SECTION_PART_CHARS, "section_part_min_chars": SECTION_PART_MIN_CHARS,
            "granularities": ["example", "summary", "group", "section", "part"],
            "max_tokens": embed.MAX_TOKENS, "precision": settings.embed_precision,
            "keyword": "bm25s lucene k1=1.5 b=0.75, english stopwords, Snowball stemmer"}


def _checksum(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_REQUIRED = ("format", "build_id", "corpus_hash", "parser_version", "embedding", "chroma", "counts", "files")


class ManifestError(IndexCorruptError):
    """The manifest cannot be trusted; `problem` says why in a few words."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"the index manifest {path} is {problem}; run `assistant index` to repair it")
        self.problem = problem


def parse_manifest(path: Path) -> dict[str, Any]:
    """A manifest file as a dict; ManifestError when it cannot be trusted."""
    try:
        if not path.exists():
            raise ManifestError(path, "missing")
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except PermissionError as exc:  # not damage: say whose permissions to check
        raise storage_error(exc, "read the index manifest") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(path, f"damaged ({type(exc).__name__}: {short_error(exc)})") from None
    if not isinstance(manifest, dict) or "format" not in manifest:
        raise ManifestError(path, "incomplete")
    if manifest["format"] != INDEX_FORMAT:
        raise IndexStaleError(
            f"the index uses format {manifest['format']}, this version reads format {INDEX_FORMAT}; run `assistant index`"
        )
    if any(key not in manifest for key in _REQUIRED):
        raise ManifestError(path, "incomplete")
    if manifest.get("checksum") != _checksum(manifest):
        raise ManifestError(path, "changed after it was written (its checksum differs)")
    return manifest


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of the live build; a clear error when it is missing or damaged."""
    path = Path(index_dir) / MANIFEST
    try:
        if Path(index_dir).exists() and not Path(index_dir).is_dir():
            raise StorageError(f"the index folder {index_dir} is a file, not a folder; move the file or set "
                               "ASSISTANT_INDEX_DIR (or --index) to a folder")
        missing = not path.exists() and not build_folders(Path(index_dir))
    except PermissionError as exc:
        raise storage_error(exc, "read the index folder") from None
    if missing:
        raise IndexMissingError(f"no index at {index_dir}; run `assistant index` (or `make run`, which builds it)")
    return parse_manifest(path)


def sealed(manifest: dict[str, Any]) -> dict[str, Any]:
    manifest = dict(manifest)
    manifest.pop("checksum", None)
    manifest["checksum"] = _checksum(manifest)
    return manifest


def elsewhere(manifest: dict[str, Any], settings: Settings) -> str | None:
    """Why the live index cannot be used at all with these settings (its Chroma store is elsewhere), or None.

    Every other difference (`staleness`) is a pending change: the last good build still answers.
    """
    if manifest["chroma"] != chroma_location(settings) | {"collection": manifest["chroma"].get("collection")}:
        where = "a Chroma server" if manifest["chroma"].get("mode") == "server" else "the local Chroma store"
        return f"the index was built in {where}, but settings now point elsewhere"
    return None


def staleness(manifest: dict[str, Any], settings: Settings) -> str | None:
    """Why the live index no longer matches the corpus, parser, model or settings, or None."""
    corpus_dir = settings.resolved("corpus_dir")
    if manifest["parser_version"] != PARSER_VERSION:
        return f"the index was built with parser {manifest['parser_version']}, this is parser {PARSER_VERSION}"
    if manifest["embedding"].get("model") != embed.MODEL_NAME:
        return f"the index was built with {manifest['embedding'].get('model')}, this uses {embed.MODEL_NAME}"
    if manifest.get("settings") != index_settings(settings):
        return "the index was built with other chunking or embedding settings"
    if elsewhere(manifest, settings):
        return elsewhere(manifest, settings)
    if corpus_dir.is_dir() and corpus_hash(corpus_dir) != manifest["corpus_hash"]:
        return f"the corpus in {corpus_dir} has changed since the index was built"
    return None


def build_folders(index_dir: Path) -> list[Path]:
    builds = index_dir / BUILDS
    if not builds.is_dir():
        return []
    return sorted(p for p in builds.iterdir() if p.is_dir() and not p.name.startswith("."))


def index_uid(index_dir: Path) -> str:
    """A random id of this index folder: it namespaces our collections on a shared Chroma server."""
    path = index_dir / "index-id"
    try:
        uid = path.read_text(encoding="utf-8").strip()
        if uid.isalnum() and len(uid) == 8:
            return uid
    except OSError:
        pass
    uid = uuid.uuid4().hex[:8]
    write_text_atomic(path, uid)
    return uid


def current_build_id(index_dir: Path) -> str | None:
    """The live build's id, read cheaply (for servers watching for a new build); None when unreadable."""
    try:
        return json.loads((Path(index_dir) / MANIFEST).read_text(encoding="utf-8")).get("build_id")
    except (OSError, ValueError, AttributeError):
        return None


def readers_dir(index_dir: Path) -> Path:
    return index_dir / READERS


def model_path(index_dir: Path, manifest: dict[str, Any]) -> Path:
    return index_dir / manifest["embedding"].get("onnx", "onnx/model.onnx")
