"""An I/O module on a Modbus unit: its relays and inputs read one request per bit space, relays written."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
import contextlib
from dataclasses import dataclass
import time

from modbus_connection import (
    ModbusConnectionError,
    ModbusError,
    ModbusExceptionError,
    ModbusUnit,
)

from .profiles import ModuleProfile

DEFAULT_REQUEST_TIMEOUT = 2.0
"""Seconds a read or write may take, queueing on a shared link included, unless told otherwise."""


class ModuleError(Exception):
    """The module could not be read or written."""


class ModuleUnreachableError(ModuleError):
    """Nothing answers: the gateway is down, the link dropped or the request timed out."""


class ModuleRefusedError(ModuleError):
    """The module or its gateway answered with a Modbus exception (often a wrong unit id)."""


class ModuleGarbledError(ModuleError):
    """The answer was not a valid Modbus response."""


@dataclass(frozen=True, slots=True)
class ModuleSnapshot:
    """The relays and inputs of a module as read in one poll."""

    relays: tuple[bool, ...]
    inputs: tuple[bool, ...]
    latency: float
    """Seconds the poll took, queueing on a shared link included."""


def _translate(err: ModbusError | TimeoutError) -> ModuleError:
    # The library's messages name the link's host and port, which must never reach a log:
    # the error says what went wrong, not where.
    if isinstance(err, ModbusExceptionError):
        return ModuleRefusedError(f"Modbus exception {err.exception_code}")
    if isinstance(err, ModbusConnectionError):
        return ModuleUnreachableError("the link is down")
    if isinstance(err, TimeoutError):
        return ModuleUnreachableError("no answer in time")
    return ModuleGarbledError("the answer is no valid Modbus response")


class IoModule:
    """A relay/input module on one unit of a (possibly shared) Modbus connection.

    Inputs are read at every poll: they are what a gate's state comes from. Relays change only
    when written, so they are read back right after every write and otherwise every
    relay_readback_every polls, which still shows a relay switched by another master.
    A module's channels are contiguous from 0, so each bit space is one request of the unit's
    own (FC 01 coils, FC 02 discrete inputs): there is nothing for a read planner to pool, and
    modbus-connection's component model costs more per poll than the request it would plan.
    Every read and write is bounded by request_timeout, whatever the link's own timeout (a
    borrowed link may wait far longer), so a silent module is told apart in time.
    """

    def __init__(
        self,
        unit: ModbusUnit,
        profile: ModuleProfile,
        *,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        relay_readback_every: int = 5,
    ) -> None:
        """Wrap a unit; requests on a serial bridge are spaced as the profile asks."""
        if not request_timeout > 0:
            raise ValueError("request_timeout must be positive")
        self.unit = unit
        self.profile = profile
        self.request_timeout = request_timeout
        self._relays: tuple[bool, ...] = (False,) * profile.relays
        self.relay_readback_every = relay_readback_every
        self._polls_since_relays: int | None = None
        """Polls since the relays were last read; None until they are read, or after a write."""
        if profile.message_spacing:
            unit.set_message_spacing(profile.message_spacing)

    async def async_read(self) -> ModuleSnapshot:
        """Read the inputs, and the relays when due; raise a ModuleError subclass on failure."""
        started = time.monotonic()
        due = (
            self._polls_since_relays is None
            or self._polls_since_relays + 1 >= self.relay_readback_every
        )
        inputs, relays = await self._async_request(self._async_read_channels(relays_due=due))
        if relays is not None:
            self._relays = relays
        self._polls_since_relays = 0 if due else (self._polls_since_relays or 0) + 1
        return ModuleSnapshot(
            relays=self._relays, inputs=inputs, latency=time.monotonic() - started
        )

    async def async_read_relays(self) -> tuple[bool, ...]:
        """Read the relays now (a decision about them cannot wait for the next read-back)."""
        self._relays = tuple(
            await self._async_request(self.unit.read_coils(0, self.profile.relays))
        )
        return self._relays

    async def async_set_relay(self, relay: int, *, on: bool) -> None:
        """Switch one relay; raise a ModuleError subclass if the module does not take it."""
        self._check_relay(relay)
        self._polls_since_relays = None  # read back at the next poll, whatever happens here
        await self._async_request(self.unit.write_coil(relay, on))

    async def async_pulse(self, relay: int, seconds: float) -> None:
        """Energise a relay for seconds, as a push button on a barrier controller would."""
        self._check_relay(relay)
        try:
            await self.async_set_relay(relay, on=True)
            await asyncio.sleep(seconds)
        except BaseException:
            # A write whose answer was lost may still have switched the relay on: never leave a
            # pulse relay energised, even when the caller is cancelled. The first error counts.
            with contextlib.suppress(ModuleError):
                await asyncio.shield(self.async_set_relay(relay, on=False))
            raise
        await asyncio.shield(self.async_set_relay(relay, on=False))

    def _check_relay(self, relay: int) -> None:
        if not 0 <= relay < self.profile.relays:
            raise ValueError(f"relay {relay} does not exist on a {self.profile.name}")

    async def _async_read_channels(
        self, *, relays_due: bool
    ) -> tuple[tuple[bool, ...], tuple[bool, ...] | None]:
        """Read the inputs and, when due, the relays (None when not read)."""
        inputs = tuple(await self.unit.read_discrete_inputs(0, self.profile.inputs))
        if not relays_due:
            return inputs, None
        return inputs, tuple(await self.unit.read_coils(0, self.profile.relays))

    async def _async_request[T](self, request: Awaitable[T]) -> T:
        """Run one read or write within the request timeout; raise a ModuleError subclass."""
        try:
            async with asyncio.timeout(self.request_timeout):
                return await request
        except (ModbusError, TimeoutError) as err:
            if isinstance(err, TimeoutError):
                # A timed-out link may carry the late answer into the next request: start afresh.
                await self._async_recycle()
            raise _translate(err) from err

    async def _async_recycle(self) -> None:
        with contextlib.suppress(ModbusError):
            await self.unit.disconnect()
