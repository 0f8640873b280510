"""One settings object with a clear precedence.

defaults < config file (``assistant.toml``) < ``ASSISTANT_*`` environment variables < flags.

`load_settings()` records where every value came from, so `assistant config` can show it.
A relative path is taken from where it was given: a flag's or an environment variable's from the
working directory (as a shell user means it), a config file's from the file's folder, and a
default (``corpus``, ``index``…) from `project_root()`.
Secrets (an LLM API key) are never read from the config file, only from the environment.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from assistant.errors import SettingsError

ENV_PREFIX = "ASSISTANT_"
CONFIG_FILE_NAME = "assistant.toml"


def project_root() -> Path:
    """The folder that the default paths (and the default config file) are resolved against.

    ``ASSISTANT_HOME`` if set; else the checkout this package lives in (when it has a
    ``corpus/`` folder); else the current directory.
    """
    home = os.environ.get("ASSISTANT_HOME")
    if home:
        return Path(home).expanduser().resolve()
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "corpus").is_dir():
        return checkout
    return Path.cwd()


@dataclass(frozen=True)
class Settings:
    """Everything the assistant can be told. Relative paths left here (the defaults) are resolved against
    `project_root()`; `load_settings` anchors the paths it is given where they were given."""

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    chroma_host: str | None = None
    chroma_port: int | None = None
    top_k: int = 5
    max_query_chars: int = 2000
    dense_weight: float = 0.55
    keyword_weight: float = 0.45
    facet_weight: float = 1.0
    batch_size: int = 32
    embed_precision: str = "int8"  # "int8" (fast, checked against the model) or "fp32" (exact)
    host: str = "127.0.0.1"
    port: int = 7860
    feedback_db: Path = Path("feedback.sqlite3")
    conversation_file: Path = Path("conversation.json")  # the last `assistant ask` conversation, redacted, for --continue
    llm: str | None = None
    llm_base_url: str | None = None
    llm_timeout: float = 30.0
    evaluate_tab: str = "on"  # "off" hides the app's Evaluate tab (public deployments)
    # limits on what one input may cost (issue 20): a document's parse, a download, a request, a login
    parse_timeout: float = 120.0  # seconds one document may take to parse before it is abandoned
    parse_memory_mb: int = 2048  # memory (address space) of the process that parses documents
    download_timeout: float = 120.0  # seconds `assistant add URL` may take in all, however the server trickles
    download_max_mb: int = 20  # largest download `assistant add URL` accepts
    request_timeout: float = 10.0  # seconds a client has to send a request's headers, and again its body
    allowed_hosts: str = ""  # more Host header values the server answers (a reverse proxy's name); "*": any
    login_attempts: int = 5  # failed logins a client may make per minute before it must wait
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.top_k < 1:
            raise SettingsError(f"top_k must be at least 1, got {self.top_k}")
        if self.max_query_chars < 10:
            raise SettingsError(f"max_query_chars must be at least 10, got {self.max_query_chars}")
        for name in ("dense_weight", "keyword_weight", "facet_weight"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.evaluate_tab not in ("on", "off"):
            raise SettingsError(f"evaluate_tab must be 'on' or 'off', got {self.evaluate_tab!r}")
        if self.embed_precision not in ("int8", "fp32"):
            raise SettingsError(f"embed_precision must be int8 or fp32, got {self.embed_precision!r}")
        for name in ("parse_timeout", "parse_memory_mb", "download_timeout", "download_max_mb", "request_timeout",
                     "login_attempts"):
            if not getattr(self, name) > 0:  # NaN too
                raise SettingsError(f"{name} must be greater than 0, got {getattr(self, name)}")
        if (self.chroma_host is None) != (self.chroma_port is None):
            raise SettingsError(
                "set both ASSISTANT_CHROMA_HOST and ASSISTANT_CHROMA_PORT to use a Chroma server, "
                "or neither to use the local index"
            )

    @property
    def chroma_mode(self) -> str:
        return "server" if self.chroma_host else "local"

    def resolved(self, name: str) -> Path:
        """A path setting, made absolute against the project root."""
        path = Path(getattr(self, name)).expanduser()
        return path if path.is_absolute() else project_root() / path

    def with_overrides(self, **overrides: Any) -> "Settings":
        """A copy with flag values applied (None means "not given"); a relative path is taken from the working
        directory, as a command-line user means it."""
        given = {k: v for k, v in overrides.items() if v is not None}
        if not given:
            return self
        sources = dict(self.sources)
        sources.update({k: "command-line flag" for k in given})
        return replace(self, **{k: _coerce(k, v, Path.cwd()) for k, v in given.items()}, sources=sources)

    def public_items(self) -> list[tuple[str, Any, str]]:
        """(name, value, where it came from) for every setting, for `assistant config`."""
        return [
            (f.name, getattr(self, f.name), self.sources.get(f.name, "default"))
            for f in fields(self)
            if f.name != "sources"
        ]


_FIELD_TYPES = {f.name: f.type for f in fields(Settings) if f.name != "sources"}


def _coerce(name: str, value: Any, base: Path | None = None) -> Any:
    """Turn a config-file, environment or flag value into the field's type, or say what is wrong.

    A relative path is anchored at `base` (where it was given), so that it means the same folder
    whichever directory the assistant later runs from."""
    if name not in _FIELD_TYPES:
        known = ", ".join(sorted(_FIELD_TYPES))
        raise SettingsError(f"unknown setting '{name}'; known settings: {known}")
    kind = _FIELD_TYPES[name]
    if value is None or value == "":
        if "None" in kind:
            return None
        if value == "" and kind.startswith("str"):  # an empty text setting (allowed_hosts) is a value
            return ""
        raise SettingsError(f"setting '{name}' needs a value")
    try:
        if kind.startswith("Path"):
            path = Path(str(value)).expanduser()
            return base / path if base is not None and not path.is_absolute() else path
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"setting '{name}' must be a number, got {value!r}") from None
    return str(value)


def config_file_path() -> Path:
    """``ASSISTANT_CONFIG`` if set, else ``assistant.toml`` in the project root."""
    explicit = os.environ.get("ASSISTANT_CONFIG")
    return Path(explicit).expanduser() if explicit else project_root() / CONFIG_FILE_NAME


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings in effect: defaults, then the config file, then the environment, then flags."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    path = config_file_path()
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"config file {path} is not valid TOML ({exc}); fix or remove it") from None
        for key, value in data.items():
            if key in ("llm_api_key", "api_key"):
                raise SettingsError(f"{path}: keep the LLM API key out of files; set ASSISTANT_LLM_API_KEY instead")
            values[key] = _coerce(key, value, path.parent.resolve())
            sources[key] = f"config file {path}"
    elif "ASSISTANT_CONFIG" in environ:
        raise SettingsError(f"config file {path} (from ASSISTANT_CONFIG) does not exist")

    for name in _FIELD_TYPES:
        env_name = ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name] = _coerce(name, environ[env_name], Path.cwd())
            sources[name] = f"environment {env_name}"

    settings = Settings(**values, sources=sources)
    return settings.with_overrides(**overrides)


def llm_api_key(environ: Mapping[str, str] | None = None) -> str | None:
    """The LLM API key, from the environment only."""
    environ = os.environ if environ is None else environ
    return environ.get("ASSISTANT_LLM_API_KEY") or None
