"""The index's caches beside its builds: the passage vectors (`passages.npz`) and the query model's record
(`onnx/model.json`). Neither is part of a build, so the manifest's checksums do not cover them; this
module checks each against the manifest, names what is wrong, and puts it right.

- `passages.npz` holds the vector of every passage an answer can quote. A damaged, truncated or
  foreign one is ignored by readers (passages are then embedded as questions need them, slowly);
  `assistant index --check` names it and `assistant index` embeds the passages again.
- `onnx/model.json` records each exported model's sha256; without it the next build would export the
  model again (about 20 seconds). It is written back from the manifest, which records the same facts.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from assistant.files import write_json_atomic
from assistant.index.check import Damage
from assistant.index.embed import DIMENSIONS
from assistant.index.manifest import PASSAGE_VECTORS

PASSAGES = "passage vectors"
MODEL_RECORD = "query model record"


def passages_problem(index_dir: Path, model_sha256: str) -> Damage | None:
    """What is wrong with `passages.npz` (missing, unreadable, damaged, from another model), or None."""
    path = index_dir / PASSAGE_VECTORS
    try:
        with np.load(path, allow_pickle=False) as data:
            keys, vectors, model = data["keys"], data["vectors"], str(data["model"])
    except FileNotFoundError:
        return Damage(PASSAGES, PASSAGE_VECTORS, "missing")
    except PermissionError:
        return Damage(PASSAGES, PASSAGE_VECTORS, "cannot be read (permission denied)", "unreadable")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        return Damage(PASSAGES, PASSAGE_VECTORS, f"damaged ({type(exc).__name__})")
    if vectors.ndim != 2 or vectors.shape != (len(keys), DIMENSIONS):
        return Damage(PASSAGES, PASSAGE_VECTORS, f"damaged (vectors of shape {vectors.shape} for {len(keys)} passages)")
    if model != model_sha256:
        return Damage(PASSAGES, PASSAGE_VECTORS, "made with another query model")
    return None


def model_record(manifest: dict[str, Any]) -> dict[str, Any]:
    """The query model's entry in onnx/model.json, as the manifest records it."""
    embedding = manifest["embedding"]
    return {"file": Path(embedding["onnx"]).name, "sha256": embedding["onnx_sha256"], "bytes": embedding["onnx_bytes"],
            "min_cosine": embedding.get("onnx_min_cosine"), "fp32_min_cosine": embedding.get("fp32_min_cosine"),
            "package": embedding.get("package"), "precision": embedding.get("precision")}


def model_record_problem(index_dir: Path, manifest: dict[str, Any]) -> Damage | None:
    """What is wrong with onnx/model.json (missing, unreadable, damaged, not naming the live model), or None."""
    path = index_dir / "onnx" / "model.json"
    shown = "onnx/model.json"
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Damage(MODEL_RECORD, shown, "missing")
    except PermissionError:
        return Damage(MODEL_RECORD, shown, "cannot be read (permission denied)", "unreadable")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return Damage(MODEL_RECORD, shown, f"damaged ({type(exc).__name__})")
    precision = manifest["embedding"].get("precision")
    entry = stamp.get(precision) if isinstance(stamp, dict) else None
    if not isinstance(entry, dict) or entry.get("sha256") != manifest["embedding"].get("onnx_sha256"):
        return Damage(MODEL_RECORD, shown, "does not name the model the index uses")
    return None


def cache_damage(index_dir: Path, manifest: dict[str, Any]) -> list[Damage]:
    """Every problem with the caches beside the live build."""
    found = [passages_problem(index_dir, manifest["embedding"].get("onnx_sha256", "")),
             model_record_problem(index_dir, manifest)]
    return [d for d in found if d is not None]


def repair_caches(index_dir: Path, manifest: dict[str, Any], damage: list[Damage],
                  embed_passages: Callable[[], None]) -> list[str]:
    """Put right the caches named in `damage` (from `cache_damage`); returns what was repaired.

    `embed_passages()` makes passages.npz again from the live build's units.
    """
    repaired = []
    for problem in damage:
        if problem.kind == "unreadable":
            continue  # a permission problem is the owner's to fix, and the caller says so
        if problem.piece == MODEL_RECORD:
            path = index_dir / "onnx" / "model.json"
            try:
                stamp = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError):
                stamp = {}
            stamp = stamp if isinstance(stamp, dict) else {}
            record = model_record(manifest)
            stamp[record["precision"]] = record
            write_json_atomic(path, stamp)
            repaired.append(f"{problem}; written again from the manifest")
        elif problem.piece == PASSAGES:
            embed_passages()
            repaired.append(f"{problem}; embedded the passages again")
    return repaired
