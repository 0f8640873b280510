"""The query model: all-MiniLM-L6-v2 exported to ONNX once, checked against sentence-transformers, and kept.

Exporting takes about 20 seconds, so an exported model is also kept in a cache beside the user's
other caches (`ASSISTANT_MODEL_CACHE`, default `~/.cache/probation-practice-assistant/models`;
"off" switches it off), keyed by the model package's version and the precision. Another index
folder on the same machine copies it from there, after checking its sha256, rather than
exporting again.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import CorpusError, storage_error
from assistant.files import atomic_file, model_cache, write_json_atomic
from assistant.index import embed
from assistant.ingest import document_paths
from assistant.types import Progress


def ensure_query_model(index_dir: Path, settings: Settings, corpus_dir: Path, report: Progress) -> dict[str, Any]:
    """The checked ONNX model for the configured precision: the index's own, else a copy of a checked
    export from the cache, else exported now (and kept in the cache).

    onnx/model.json records each model's sha256; a model file that does not match it is replaced.
    """
    folder = index_dir / "onnx"
    stamp_path = folder / "model.json"
    precision = settings.embed_precision
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = {}
    stamp = stamp if isinstance(stamp, dict) else {}
    info = stamp.get(precision)
    if isinstance(info, dict) and info.get("package") == embed.model_version() and _intact(folder, info):
        return info
    info = _from_cache(folder, precision, report)
    if info is None:
        report("export query model", 0, 1)
        info = embed.export_query_model(folder, precision, _sample_texts(corpus_dir))
        _to_cache(folder, info)
        report("export query model", 1, 1)
    stamp = {k: v for k, v in stamp.items() if k in embed.PRECISIONS}
    stamp[precision] = info
    write_json_atomic(stamp_path, stamp)
    for other in folder.iterdir():  # models of the other precision or older exports are not used
        if other.suffix == ".onnx" and other.name not in {v["file"] for v in stamp.values() if isinstance(v, dict)}:
            other.unlink(missing_ok=True)
    return info


def _intact(folder: Path, info: dict[str, Any]) -> bool:
    path = folder / str(info.get("file", ""))
    return path.is_file() and path.stat().st_size == info.get("bytes") and embed.file_sha256(path) == info.get("sha256")


def _cache_folder(precision: str) -> Path | None:
    cache = model_cache()
    return None if cache is None else cache / embed.model_version().replace("/", "_") / precision


def _from_cache(folder: Path, precision: str, report: Progress) -> dict[str, Any] | None:
    """A checked export of this package version and precision from the cache, copied into `folder`."""
    cached = _cache_folder(precision)
    try:
        info = json.loads((cached / "model.json").read_text(encoding="utf-8")) if cached else None
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or info.get("package") != embed.model_version() or not _intact(cached, info):
        return None
    report("copy query model", 0, 1)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _copy_atomic(cached / info["file"], folder / info["file"])
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):  # exporting instead would fail the same way
            raise storage_error(OSError(exc.errno, exc.strerror, str(folder)), "copy the query model into") from None
        return None
    report("copy query model", 1, 1)
    return info if _intact(folder, info) else None


def _to_cache(folder: Path, info: dict[str, Any]) -> None:
    """Keep a copy of a checked export for other index folders (best effort: a read-only cache is fine)."""
    cached = _cache_folder(info["precision"])
    if cached is None:
        return
    try:
        cached.mkdir(parents=True, exist_ok=True)
        _copy_atomic(folder / info["file"], cached / info["file"])
        write_json_atomic(cached / "model.json", info)
    except OSError:
        return


def _copy_atomic(source: Path, target: Path) -> None:
    with open(source, "rb") as original, atomic_file(target) as copy:
        shutil.copyfileobj(original, copy, length=1 << 20)


def _sample_texts(corpus_dir: Path, limit: int = 16) -> list[str]:
    """Texts to check an exported model against sentence-transformers: corpus passages and short queries."""
    texts = ["he is on a tag", "x", "client with ADHD keeps missing appointments",
             "How do I handle disclosure to a domestic abuse perpetrator's new partner?"]
    try:
        paths = document_paths(corpus_dir)
    except CorpusError:
        return texts
    for path in paths[:4]:
        try:
            raw = path.read_bytes()[:200_000].decode("utf-8", "ignore")
        except OSError:
            continue
        paragraphs = [p.strip() for p in raw.split("\n") if len(p.strip()) > 80]
        step = max(1, len(paragraphs) // (limit // 4 or 1))
        texts.extend(paragraphs[::step][: limit // 4])
        texts.append(" ".join(paragraphs[:12])[:4000])  # longer than the model's window: truncation too
    return texts
