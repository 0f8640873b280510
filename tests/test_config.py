"""Settings: defaults < config file < environment < flags, with sources recorded."""

from __future__ import annotations

import pytest

from assistant.config import load_settings
from assistant.errors import SettingsError


def test_precedence_and_sources(tmp_path, monkeypatch):
    config = tmp_path / "assistant.toml"
    config.write_text('top_k = 7\nport = 9000\nllm_timeout = 12.5\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    monkeypatch.setenv("ASSISTANT_PORT", "9100")
    settings = load_settings(environ={"ASSISTANT_PORT": "9100", "ASSISTANT_CONFIG": str(config)}, top_k=None, host="::1")
    assert settings.top_k == 7 and settings.sources["top_k"].startswith("config file")
    assert settings.port == 9100 and settings.sources["port"] == "environment ASSISTANT_PORT"
    assert settings.host == "::1" and settings.sources["host"] == "command-line flag"
    assert settings.batch_size == 32 and "batch_size" not in settings.sources
    assert settings.llm_timeout == 12.5


def test_bad_values_say_what_is_wrong(tmp_path, monkeypatch):
    with pytest.raises(SettingsError, match="'top_k' must be a number"):
        load_settings(environ={"ASSISTANT_TOP_K": "lots"})
    with pytest.raises(SettingsError, match="top_k must be at least 1, got 0"):
        load_settings(environ={"ASSISTANT_TOP_K": "0"})
    with pytest.raises(SettingsError, match="set both ASSISTANT_CHROMA_HOST and ASSISTANT_CHROMA_PORT"):
        load_settings(environ={"ASSISTANT_CHROMA_HOST": "localhost"})


def test_api_key_is_refused_in_the_config_file(tmp_path, monkeypatch):
    config = tmp_path / "assistant.toml"
    config.write_text('llm_api_key = "sk-secret"\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    with pytest.raises(SettingsError, match="ASSISTANT_LLM_API_KEY"):
        load_settings()


def test_broken_config_file(tmp_path, monkeypatch):
    config = tmp_path / "assistant.toml"
    config.write_text("top_k = = 3\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings()
