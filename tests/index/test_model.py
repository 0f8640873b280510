"""The query model: exported once, kept in the model cache, copied (checked) by the next index folder."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.config import load_settings
from assistant.index import read_manifest
from assistant.index.model import _from_cache, ensure_query_model, model_cache


def test_a_new_index_folder_copies_the_checked_export_instead_of_exporting(settings, tmp_path):
    stages = []
    info = ensure_query_model(tmp_path / "index", settings, settings.resolved("corpus_dir"),
                              lambda stage, done, total: stages.append(stage))
    assert set(stages) == {"copy query model"}  # the session's build put its export in the cache
    assert info["sha256"] == read_manifest(settings.resolved("index_dir"))["embedding"]["onnx_sha256"]
    stamp = json.loads((tmp_path / "index" / "onnx" / "model.json").read_text(encoding="utf-8"))
    assert stamp[settings.embed_precision]["sha256"] == info["sha256"]


def test_a_damaged_cached_export_is_never_copied(settings, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    shutil.copytree(model_cache(), cache)
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(cache))
    [model] = [p for p in cache.rglob("*.onnx")]
    model.write_bytes(model.read_bytes()[:1000])  # truncated
    assert _from_cache(tmp_path / "onnx", settings.embed_precision, lambda *_: None) is None
    assert not (tmp_path / "onnx").exists()


@pytest.mark.parametrize("value", ["off", ""])
def test_the_cache_can_be_switched_off(monkeypatch, value):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", value)
    assert model_cache() is None


def test_the_cache_lives_with_the_users_other_caches(monkeypatch, tmp_path):
    monkeypatch.delenv("ASSISTANT_MODEL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert model_cache() == tmp_path / "probation-practice-assistant" / "models"
    assert load_settings()  # the variable is not a setting of its own
