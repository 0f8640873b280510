"""Typed errors. The library raises these; only the CLI and the app turn them into messages.

Every message names what was wrong and what to do about it, in one line.
"""

import errno


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


class StorageError(AssistantError):
    """A file or folder cannot be read or written: permissions, a missing folder, a file in a folder's
    place, a full or read-only device. Nothing is damaged; the message says what to change."""

    exit_code = 74  # EX_IOERR


_ADVICE = {
    errno.EACCES: "check its permissions, or run as the user who owns it",
    errno.EPERM: "check its permissions, or run as the user who owns it",
    errno.ENOENT: "check the path (a folder in it does not exist)",
    errno.ENOTDIR: "a file is where a folder is needed; move that file or choose another path",
    errno.EISDIR: "a folder is where a file is needed; move that folder or choose another path",
    errno.ENOSPC: "the device is full; free some space or choose a folder on another device",
    errno.EDQUOT: "the disk quota is used up; free some space or choose a folder on another device",
    errno.EROFS: "the file system is read-only; choose a writable folder",
    errno.ENAMETOOLONG: "the path is too long; choose a shorter one",
    errno.ELOOP: "the path loops through symbolic links; fix the links",
    errno.EEXIST: "something is already there; move it or choose another path",
    errno.ENXIO: "it is not a file or folder that can be used here (a device?); choose another path",
    errno.EIO: "the device reported an input/output error; check the disk",
    errno.EMFILE: "too many files are open; close other programs and try again",
}


def os_error_line(exc: OSError, doing: str = "use") -> str:
    """One line for an operating-system error: what could not be done to which path, and what to do."""
    path = exc.filename if exc.filename is not None else exc.filename2
    if exc.filename2 is not None and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
        path = exc.filename2  # a copy names its source first; the device that is full is the destination's
    reason = exc.strerror or type(exc).__name__
    advice = _ADVICE.get(exc.errno or 0, "check the path, its permissions and the disk")
    where = f" {path}" if path is not None else " a file"
    return f"cannot {doing}{where} ({reason}); {advice}"


def storage_error(exc: OSError, doing: str = "use") -> StorageError:
    """The typed error for an operating-system error (`os_error_line`)."""
    return StorageError(os_error_line(exc, doing))


_STORAGE_WORDS = (("disk is full", errno.ENOSPC), ("no space left", errno.ENOSPC), ("readonly database", errno.EROFS),
                  ("read-only file system", errno.EROFS), ("permission denied", errno.EACCES),
                  ("unable to open database file", errno.EACCES), ("disk i/o error", errno.EIO))


def unexpected_line(exc: BaseException) -> str:
    """One line for an error nothing else named: a storage problem a library reported in its own words
    (sqlite's "database or disk is full"), else the error itself, marked as a bug to report."""
    text = " ".join(str(exc).split())[:300]
    for words, code in _STORAGE_WORDS:
        if words in text.lower():
            return f"a file could not be used ({text}); {_ADVICE[code]}"
    return f"unexpected {type(exc).__name__}: {text or 'no details'} (a bug: please report it with the command you ran)"
