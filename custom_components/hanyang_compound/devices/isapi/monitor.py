"""Keeps one terminal's events flowing: stream, watchdog, reconnect with backoff, backfill, polling fallback.

Every event is delivered once, in serial-number order: the terminal's serialNo is monotonic,
its clock is not. Retained history replayed when a stream starts is never delivered as new;
what was missed while disconnected comes from the history search (backfill), flagged as such.
An event counts as delivered once the consumer's callback has returned: a consumer that is
not ready yet holds the monitor back by waiting, and nothing it has not taken is skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
import logging
import random
import time
from typing import Any

from .client import IsapiClient
from .errors import (
    MalformedPartError,
    StreamSlotTakenError,
    StreamStalledError,
    TerminalAuthError,
    TerminalError,
)
from .events import AccessEvent, Heartbeat

_LOGGER = logging.getLogger(__name__)


class LinkState(StrEnum):
    """How the integration currently hears from a terminal."""

    CONNECTING = "connecting"
    STREAMING = "streaming"
    POLLING = "polling"
    """The stream slot is taken by another subscriber: history is polled instead."""
    RECONNECTING = "reconnecting"
    AUTH_FAILED = "auth_failed"
    """The credentials were refused; nothing is sent until new ones are given."""


@dataclass(slots=True)
class LinkStats:
    """Counters and facts about a terminal's link, for diagnostics."""

    state: LinkState = LinkState.CONNECTING
    last_serial: int | None = None
    connected_since: datetime | None = None
    last_heartbeat: datetime | None = None
    reconnects: int = 0
    stalls: int = 0
    malformed_parts: int = 0
    replayed_ignored: int = 0
    duplicates_dropped: int = 0
    backfilled_events: int = 0
    last_error: str | None = None
    polling_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the stats as JSON-compatible data."""
        data = asdict(self)
        for key in ("connected_since", "last_heartbeat"):
            data[key] = data[key].isoformat() if data[key] else None
        data["state"] = str(self.state)
        return data


@dataclass(frozen=True, slots=True)
class MonitorTiming:
    """How patient the monitor is; defaults suit real terminals (heartbeats every 10-30 s)."""

    heartbeat_timeout: float = 65.0
    backoff_min: float = 1.0
    backoff_max: float = 60.0
    poll_interval: float = 3.0
    stream_retry_interval: float = 60.0


type EventCallback = Callable[[AccessEvent, bool], Awaitable[None]]
"""Awaited with each new event and whether it was backfilled from history.

The cursor (stats.last_serial) moves past the event only when the call returns; if the
monitor is cancelled while it waits, the event is fetched again by the next monitor.
"""


class TerminalMonitor:
    """Runs until cancelled (or until the credentials are refused), delivering every event once."""

    def __init__(
        self,
        client: IsapiClient,
        *,
        on_event: EventCallback,
        on_state: Callable[[LinkState], None],
        on_connected: Callable[[], Awaitable[None]],
        last_serial: int | None = None,
        timing: MonitorTiming | None = None,
    ) -> None:
        """Prepare the monitor; last_serial is the newest event already delivered, if known.

        on_connected is awaited whenever the terminal is heard from again, before any event
        is delivered, so that policies are enforced even while no consumer takes events.
        """
        self._client = client
        self._on_event = on_event
        self._on_state = on_state
        self._on_connected = on_connected
        self._timing = timing or MonitorTiming()
        self.stats = LinkStats(last_serial=last_serial)
        self._random = random.Random()  # noqa: S311 - jitter, not cryptography

    def _set_state(self, state: LinkState) -> None:
        if state is not self.stats.state:
            self.stats.state = state
            self._on_state(state)

    async def run(self) -> None:
        """Stay connected until cancelled; return only when the credentials are refused."""
        failures = 0
        while True:
            try:
                if await self._stream_session():
                    failures = 0
            except TerminalAuthError as err:
                self.stats.last_error = str(err)
                self._set_state(LinkState.AUTH_FAILED)
                return
            except StreamSlotTakenError as err:
                self.stats.last_error = str(err)
                await self._poll_history()
                failures = 0
                continue
            except TerminalError as err:
                self.stats.last_error = str(err)
                failures += 1
            except Exception as err:  # noqa: BLE001 - a link recovers by itself, whatever broke it
                # Named by type only: the texts of unexpected errors may hold residents' data.
                # The terminal logs the loss of its link once, with this.
                self.stats.last_error = f"unexpected {type(err).__name__}"
                failures += 1
            delay = min(
                self._timing.backoff_max, self._timing.backoff_min * 2 ** max(failures - 1, 0)
            )
            self._set_state(LinkState.RECONNECTING)
            self.stats.reconnects += 1
            await asyncio.sleep(delay * self._random.uniform(0.8, 1.2))

    async def _stream_session(self) -> bool:
        """Run one subscription; return whether it was healthy (so backoff starts over)."""
        self._set_state(LinkState.CONNECTING)
        await self._establish_cursor()
        healthy = False
        async with self._client.async_open_alert_stream(self._timing.heartbeat_timeout) as stream:
            self.stats.connected_since = datetime.now(UTC)
            self.stats.last_heartbeat = None
            self.stats.polling_reason = None
            self._set_state(LinkState.STREAMING)
            await self._on_connected()
            await self._backfill()
            try:
                async for item in stream:
                    healthy = True
                    if isinstance(item, Heartbeat):
                        self.stats.last_heartbeat = datetime.now(UTC)
                    elif isinstance(item, MalformedPartError):
                        self.stats.malformed_parts += 1
                        _LOGGER.debug("Skipped a malformed part: %s", item)
                    else:
                        await self._accept_streamed(item)
            except TerminalAuthError:
                raise
            except StreamStalledError as err:
                self.stats.stalls += 1
                self.stats.last_error = str(err)
            except TerminalError as err:
                self.stats.last_error = str(err)
        return healthy

    async def _poll_history(self) -> None:
        """Another subscriber holds the stream: poll history for a while, then try the stream again."""
        self.stats.polling_reason = (
            "another subscriber holds the terminal's only alert stream (deployExceedMax); "
            f"polling its history every {self._timing.poll_interval:g} s"
        )
        self._set_state(LinkState.POLLING)
        await self._establish_cursor()
        await self._on_connected()
        deadline = time.monotonic() + self._timing.stream_retry_interval
        while True:
            await self._backfill()
            if time.monotonic() >= deadline:
                return
            await asyncio.sleep(self._timing.poll_interval)

    async def _establish_cursor(self) -> None:
        """Start from the terminal's newest record the first time: its past is not news."""
        if self.stats.last_serial is None:
            self.stats.last_serial = await self._client.async_latest_serial() or 0

    @property
    def _last(self) -> int:
        return self.stats.last_serial or 0

    async def _accept_streamed(self, event: AccessEvent) -> None:
        if event.serial_no <= self._last:
            if event.current:
                self.stats.duplicates_dropped += 1
            else:
                self.stats.replayed_ignored += 1
            return
        if not event.current:
            # Replayed history newer than what was delivered: the history search is authoritative.
            await self._backfill(end_serial=event.serial_no)
            self.stats.replayed_ignored += 1
            self.stats.last_serial = max(self._last, event.serial_no)
            return
        if event.serial_no > self._last + 1:
            await self._backfill(end_serial=event.serial_no - 1)
        await self._deliver(event, backfilled=False)

    async def _backfill(self, end_serial: int | None = None) -> None:
        """Deliver the records after the last delivered one (up to end_serial), in order."""
        if end_serial is not None and end_serial <= self._last:
            return
        for record in await self._client.async_search_history(self._last + 1, end_serial):
            if isinstance(record, MalformedPartError):
                self.stats.malformed_parts += 1
            elif record.serial_no > self._last:
                await self._deliver(record, backfilled=True)
                self.stats.backfilled_events += 1

    async def _deliver(self, event: AccessEvent, *, backfilled: bool) -> None:
        await self._on_event(event, backfilled)
        self.stats.last_serial = event.serial_no
