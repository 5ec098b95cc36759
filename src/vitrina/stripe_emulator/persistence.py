"""Keep an emulator's state in a JSON file, so that a restart loses nothing it acknowledged.

What is kept: every collection of `EmulatorState.collections()` (by its `kind`, in creation
order) and every dict field of the state (line items, breakdowns, webhook endpoint secrets
...), found generically, so a collection or a dict field added later is kept without a change
here. Not kept: the call log, injected faults, the clock's test offset, and idempotency
records (a request retried with the same key after a restart runs again).

When: before the answer to any request that may change the state (every method but GET, HEAD
and OPTIONS) is sent, the whole state is written to a temporary file that then replaces the
old one (`os.replace`, atomic), and once more at shutdown. Whatever the emulator has answered
is therefore on disk: `kill -9` loses at most the requests still in flight, whose callers saw
no answer and retry, as they would with Stripe. A debounce would be cheaper but would lose
answered requests, such as a payment whose page already redirected to the store, which then
could never find the session it was told was paid. Requests arriving while a write is under
way share the next write (a group commit), so a burst costs a few writes, not one each. The
file is not fsynced: a killed process loses nothing, a power cut may lose the last writes.

Changes made without a request (sessions expired by the sweeper, webhook deliveries counted
down) are written with the next change or at shutdown; after a crash they are redone: expiry
is derived from the time, and events still pending are delivered again on start (at least
once, as Stripe delivers; receivers deduplicate by event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vitrina.stripe_emulator.state import EmulatorState
from vitrina.stripe_emulator.store import StripeObject, snapshot

FORMAT = 1
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger(__name__)


def _dict_fields(state: EmulatorState) -> Iterator[tuple[str, dict[str, Any]]]:
    for field in dataclasses.fields(state):
        value = getattr(state, field.name)
        if isinstance(value, dict):
            yield field.name, value


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {value!r}")


def dump(state: EmulatorState) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "collections": {c.kind: list(c) for c in state.collections()},
            "fields": dict(_dict_fields(state)),
        },
        separators=(",", ":"),
        default=_plain,
    )


def restore(state: EmulatorState, text: str) -> None:
    """Replace the state's collections and dict fields with those saved in `text`."""
    saved = json.loads(text)
    if saved.get("format") != FORMAT:
        raise ValueError(f"unknown format {saved.get('format')!r}")
    collections = {c.kind: c for c in state.collections()}
    for kind, objects in saved["collections"].items():
        collection = collections.get(kind)
        if collection is None:
            log.warning("emulator state: no collection %r any more; its objects are dropped", kind)
            continue
        collection.clear()
        for obj in objects:
            collection.add(obj)
    fields = dict(_dict_fields(state))
    for name, value in saved["fields"].items():
        if name in fields:
            fields[name].clear()
            fields[name].update(value)


def write_atomically(path: Path, text: str) -> None:
    """The file holds either the old text or the new one, never a part."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class StateFile:
    """One emulator's state on disk: `load()` at creation, `save()` after each change."""

    def __init__(self, path: Path, state: EmulatorState) -> None:
        self.path = path
        self.state = state
        self._changes = 0
        self._saved = 0
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._resumed = False

    def load(self) -> bool:
        """Restore the saved state, if any. An unreadable file is moved aside (the emulator
        then starts empty, and the store re-syncs what it finds missing)."""
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return False
        try:
            restore(self.state, self.path.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            aside = self.path.with_name(self.path.name + ".unreadable")
            os.replace(self.path, aside)
            log.error("emulator state %s unreadable (%s); moved to %s", self.path, exc, aside)
            return False
        return True

    def _lock_for_running_loop(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def save(self) -> None:
        """Write the state after a change; returns once a write made after it is on disk."""
        self._changes += 1
        wanted = self._changes
        async with self._lock_for_running_loop():
            if self._saved >= wanted:
                return
            covered = self._changes
            text = dump(self.state)
            await asyncio.to_thread(write_atomically, self.path, text)
            self._saved = covered

    def save_now(self) -> None:
        """Write at once (at shutdown)."""
        write_atomically(self.path, dump(self.state))
        self._saved = self._changes

    def resume_deliveries(self) -> int:
        """Deliver again the events a restart cut short (once, on a running loop)."""
        if self._resumed:
            return 0
        self._resumed = True
        resumed = 0
        for event in self.state.events:
            if event.get("pending_webhooks", 0) <= 0:
                continue
            destinations = self.state.destinations(event["type"])
            if destinations:
                self.state.sender.schedule(snapshot(event), destinations, _count_down(event))
                resumed += 1
        return resumed


def _count_down(event: StripeObject) -> Callable[[], None]:
    def delivered() -> None:
        event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)

    return delivered


class SaveAfterChanges:
    """ASGI middleware: the state is written before the answer to a changing request leaves."""

    def __init__(self, app: ASGIApp, state_file: StateFile) -> None:
        self.app = app
        self.state_file = state_file

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READ_ONLY_METHODS:
            await self.app(scope, receive, send)
            return

        async def send_after_saving(message: Message) -> None:
            if message["type"] == "http.response.start":
                try:
                    await self.state_file.save()
                except OSError:
                    log.exception("emulator state could not be written to %s", self.state_file.path)
            await send(message)

        await self.app(scope, receive, send_after_saving)
