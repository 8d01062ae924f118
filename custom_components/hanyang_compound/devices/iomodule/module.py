"""An I/O module on a Modbus unit: its relays and inputs read in pooled requests, relays written."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import time
from typing import Any

from modbus_connection import (
    ModbusConnectionError,
    ModbusError,
    ModbusExceptionError,
    ModbusTimeoutError,
    ModbusUnit,
)
from modbus_connection.model import Component, ComponentGroup, coil, discrete_input

from .profiles import ModuleProfile


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


def channel_components(profile: ModuleProfile) -> tuple[type[Component], type[Component]]:
    """Return the models of a profile's relays (writable coils) and inputs (discrete inputs).

    modbus-connection's planner turns each model into one read per poll; read together in a
    ComponentGroup, they take one request per bit space.
    """
    relays: dict[str, Any] = {f"relay_{n}": coil(n, writable=True) for n in range(profile.relays)}
    inputs: dict[str, Any] = {f"input_{n}": discrete_input(n) for n in range(profile.inputs)}
    return (
        type(f"Relays_{profile.key}", (Component,), relays),
        type(f"Inputs_{profile.key}", (Component,), inputs),
    )


def _translate(err: ModbusError) -> ModuleError:
    if isinstance(err, ModbusConnectionError | ModbusTimeoutError):
        return ModuleUnreachableError(str(err))
    if isinstance(err, ModbusExceptionError):
        return ModuleRefusedError(str(err))
    return ModuleGarbledError(str(err))


class IoModule:
    """A relay/input module on one unit of a (possibly shared) Modbus connection.

    Inputs are read at every poll: they are what a gate's state comes from. Relays change only
    when written, so they are read back right after every write and otherwise every
    relay_readback_every polls, which still shows a relay switched by another master.
    """

    def __init__(
        self, unit: ModbusUnit, profile: ModuleProfile, *, relay_readback_every: int = 5
    ) -> None:
        """Wrap a unit; requests on a serial bridge are spaced as the profile asks."""
        self.unit = unit
        self.profile = profile
        relays, inputs = channel_components(profile)
        self._relays, self._inputs = relays(unit), inputs(unit)
        self._both = ComponentGroup(unit, [self._relays, self._inputs])
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
        try:
            await (self._both if due else self._inputs).async_update()
        except ModbusError as err:
            if isinstance(err, ModbusTimeoutError):
                # A timed-out link may carry the late answer into the next request: start afresh.
                await self._async_recycle()
            raise _translate(err) from err
        self._polls_since_relays = 0 if due else (self._polls_since_relays or 0) + 1
        relays: Any = self._relays
        inputs: Any = self._inputs
        return ModuleSnapshot(
            relays=tuple(bool(getattr(relays, f"relay_{n}")) for n in range(self.profile.relays)),
            inputs=tuple(bool(getattr(inputs, f"input_{n}")) for n in range(self.profile.inputs)),
            latency=time.monotonic() - started,
        )

    async def async_set_relay(self, relay: int, *, on: bool) -> None:
        """Switch one relay; raise a ModuleError subclass if the module does not take it."""
        if not 0 <= relay < self.profile.relays:
            raise ValueError(f"relay {relay} does not exist on a {self.profile.name}")
        self._polls_since_relays = None  # read back at the next poll, whatever happens here
        try:
            await self._relays.write(f"relay_{relay}", on)
        except ModbusError as err:
            raise _translate(err) from err

    async def async_pulse(self, relay: int, seconds: float) -> None:
        """Energise a relay for seconds, as a push button on a barrier controller would."""
        await self.async_set_relay(relay, on=True)
        try:
            await asyncio.sleep(seconds)
        finally:
            # Never leave a pulse relay energised, even when the caller is cancelled.
            await asyncio.shield(self.async_set_relay(relay, on=False))

    async def _async_recycle(self) -> None:
        with contextlib.suppress(ModbusError):
            await self.unit.disconnect()
