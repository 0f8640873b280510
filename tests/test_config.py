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


def test_relative_paths_are_taken_from_where_they_were_given(tmp_path, monkeypatch):
    """A flag's or an environment variable's relative path means the working directory; a config file's,
    the file's folder; a default, the project folder."""
    from assistant.config import project_root

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    flagged = load_settings(environ={}, corpus_dir="my-corpus", index_dir="../my-index")
    assert flagged.resolved("corpus_dir") == work / "my-corpus"
    assert flagged.resolved("index_dir") == work / ".." / "my-index"
    from_env = load_settings(environ={"ASSISTANT_INDEX_DIR": "env-index"})
    assert from_env.resolved("index_dir") == work / "env-index"
    assert from_env.resolved("corpus_dir") == project_root() / "corpus"  # the default
    config = tmp_path / "elsewhere" / "assistant.toml"
    config.parent.mkdir()
    config.write_text('corpus_dir = "their-corpus"\n', encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    from_file = load_settings()
    assert from_file.resolved("corpus_dir") == config.parent / "their-corpus"
    monkeypatch.chdir(tmp_path)  # moving on after loading changes nothing
    assert flagged.resolved("corpus_dir") == work / "my-corpus"


def test_an_empty_text_setting_from_the_environment_is_a_value():
    # the Evaluate tab passes every setting to its process as ASSISTANT_* variables, empty ones too
    from assistant.config import load_settings

    assert load_settings({"ASSISTANT_ALLOWED_HOSTS": ""}).allowed_hosts == ""
