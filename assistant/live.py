"""Following the index folder: switching to a new build while serving, and releasing the old one.

`LiveIndex` holds the build in use (an `OpenIndex` and its `Retriever`). When `assistant index`
makes a new build in another process, the next look opens and warms it in the background,
then switches; calls already running finish on the build they started with (`pinned`), and the
old build is released once no call uses it.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import weakref
from typing import Any, Callable

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.index import OpenIndex, current_build_id, retire_unused_builds
from assistant.retrieve import Retriever

log = logging.getLogger("assistant")
REFRESH_SECONDS = 1.0  # how often a long-running process looks for a new build

Snapshot = tuple[OpenIndex, Retriever]


class LiveIndex:
    """The build in use, and the switch to a newer one. Without `follow`, the one index given, for good."""

    def __init__(self, settings: Settings, index: OpenIndex | None = None):
        self.settings = settings
        self.follows = index is None
        index = index or OpenIndex(settings)
        self.snapshot: Snapshot = (index, Retriever(index, settings))
        self.local = threading.local()  # the snapshot a running call is pinned to
        self._swap = threading.Lock()
        self._next_check = time.monotonic() + REFRESH_SECONDS
        self._loading: str | None = None
        self._failed: tuple[str, str] | None = None  # (build id, why it could not be opened)
        self._retired: list[weakref.ref] = []
        self._listeners: list[Callable[[OpenIndex], None]] = []

    def on_switch(self, listener: Callable[[OpenIndex], None]) -> None:
        """Call `listener(new index)` after each switch to a new build (a face refreshing its menus)."""
        self._listeners.append(listener)

    def in_use(self) -> Snapshot:
        """The snapshot of the current call, or the build to use now."""
        return getattr(self.local, "snapshot", None) or self.current()

    def current(self) -> Snapshot:
        """The build to use now; starts opening a newer one in the background when there is one."""
        snapshot = self.snapshot
        if not self.follows:
            return snapshot
        now = time.monotonic()
        if now < self._next_check:
            return snapshot
        self._next_check = now + REFRESH_SECONDS
        live = current_build_id(self.settings.resolved("index_dir"))
        with self._swap:
            wanted = live and live != snapshot[0].build_id and not self._loading and \
                (self._failed is None or self._failed[0] != live)
            if wanted:
                self._loading = live
        if wanted:
            threading.Thread(target=self._open_new, args=(live,), name="open-new-build", daemon=True).start()
        elif self._retired and all(ref() is None for ref in self._retired):
            self._retired = []  # every call on the old build has finished: its folder can go
            threading.Thread(target=self._retire_old, name="retire-old-builds", daemon=True).start()
        return snapshot

    def _open_new(self, build_id: str) -> bool:
        try:
            index = OpenIndex(self.settings, check_stale=False)
            retriever = Retriever(index, self.settings)
            retriever.warm_up()
        except AssistantError as exc:
            log.warning("build %s cannot be opened, still serving build %s: %s", build_id,
                        self.snapshot[0].build_id, exc)
            with self._swap:
                self._failed = (build_id, str(exc))
                self._loading = None
            return False
        with self._swap:
            old = self.snapshot
            self.snapshot = (index, retriever)
            self._retired.append(weakref.ref(old[0]))
            self._failed = None
            self._loading = None
        log.info("switched from build %s to build %s", old[0].build_id, index.build_id)
        for listener in self._listeners:
            try:
                listener(index)
            except Exception:  # a face's refresh must never stop the switch
                log.exception("a listener failed after the switch to build %s", index.build_id)
        return True

    def _retire_old(self) -> None:
        try:
            retire_unused_builds(self.settings)
        except (AssistantError, OSError) as exc:  # clean-up is opportunistic: the next `assistant index` does it
            log.info("old builds not removed yet: %s", exc)

    def refresh(self) -> bool:
        """Switch to the live build now if it is newer than the one in use; True when it switched."""
        live = current_build_id(self.settings.resolved("index_dir"))
        if not self.follows or not live or live == self.snapshot[0].build_id:
            return False
        with self._swap:
            if self._loading:
                return False
            self._loading = live
        return self._open_new(live)

    def close(self) -> None:
        """Release the builds opened here (leases, store copies, Chroma clients)."""
        if not self.follows:
            return  # the caller opened the index and closes it
        with self._swap:
            for ref in [*self._retired, weakref.ref(self.snapshot[0])]:
                index = ref()
                if index is not None:
                    index.close()

    def state(self) -> str:
        """"serving", "opening build …", or why the newest build could not be opened."""
        if self._loading:
            return f"opening build {self._loading}"
        if self._failed:
            return f"build {self._failed[0]} could not be opened: {self._failed[1]}"
        return "serving"


def pinned(method):
    """Within one call of `method` (of an object with a `live: LiveIndex`), every use of the index and
    the retriever sees the same build; a new build is picked up between calls."""
    @functools.wraps(method)
    def call(self, *args: Any, **kwargs: Any):
        local = self.live.local
        if getattr(local, "snapshot", None) is not None:  # a nested call keeps the outer call's build
            return method(self, *args, **kwargs)
        local.snapshot = self.live.current()
        try:
            return method(self, *args, **kwargs)
        finally:
            local.snapshot = None
    return call
