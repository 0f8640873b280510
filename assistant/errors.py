"""Typed errors. The library raises these; only the CLI and the app turn them into messages.

Every message names what was wrong and what to do about it, in one line.
"""


class AssistantError(Exception):
    """Base class for every error a user can act on."""

    exit_code = 1


class BadInputError(AssistantError, ValueError):
    """A question, filter or option the user gave cannot be used as it is."""

    exit_code = 2


class SettingsError(AssistantError):
    """A configuration value is invalid."""

    exit_code = 2


class CorpusError(AssistantError):
    """The corpus folder or a document in it cannot be read or parsed."""


class IndexMissingError(AssistantError):
    """There is no index yet."""


class IndexStaleError(AssistantError):
    """The index was built from another corpus, parser or model than the one in use."""


class IndexCorruptError(AssistantError):
    """The index's manifest or files are damaged."""


class ChromaUnavailableError(AssistantError):
    """A configured Chroma server cannot be reached."""


class IndexBusyError(AssistantError):
    """Another process is building the same index."""

    exit_code = 75  # EX_TEMPFAIL: try again later


class FeedbackStoreError(AssistantError):
    """The feedback database cannot be read or written."""
