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
from modbus_connection.model import Component, coil, discrete_input

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


def channel_component(profile: ModuleProfile) -> type[Component]:
    """Return the model of a profile's channels: relays as writable coils, inputs as discrete inputs.

    modbus-connection's planner turns the model into one read per bit space and poll.
    """
    fields: dict[str, Any] = {f"relay_{n}": coil(n, writable=True) for n in range(profile.relays)}
    fields |= {f"input_{n}": discrete_input(n) for n in range(profile.inputs)}
    return type(f"Channels_{profile.key}", (Component,), fields)


def _translate(err: ModbusError) -> ModuleError:
    if isinstance(err, ModbusConnectionError | ModbusTimeoutError):
        return ModuleUnreachableError(str(err))
    if isinstance(err, ModbusExceptionError):
        return ModuleRefusedError(str(err))
    return ModuleGarbledError(str(err))


class IoModule:
    """A relay/input module on one unit of a (possibly shared) Modbus connection."""

    def __init__(self, unit: ModbusUnit, profile: ModuleProfile) -> None:
        """Wrap a unit; requests on a serial bridge are spaced as the profile asks."""
        self.unit = unit
        self.profile = profile
        self._channels = channel_component(profile)(unit)
        if profile.message_spacing:
            unit.set_message_spacing(profile.message_spacing)

    async def async_read(self) -> ModuleSnapshot:
        """Read every relay and input; raise a ModuleError subclass if the module cannot be read."""
        started = time.monotonic()
        try:
            await self._channels.async_update()
        except ModbusError as err:
            if isinstance(err, ModbusTimeoutError):
                # A timed-out link may carry the late answer into the next request: start afresh.
                await self._async_recycle()
            raise _translate(err) from err
        channels: Any = self._channels
        return ModuleSnapshot(
            relays=tuple(bool(getattr(channels, f"relay_{n}")) for n in range(self.profile.relays)),
            inputs=tuple(bool(getattr(channels, f"input_{n}")) for n in range(self.profile.inputs)),
            latency=time.monotonic() - started,
        )

    async def async_set_relay(self, relay: int, *, on: bool) -> None:
        """Switch one relay; raise a ModuleError subclass if the module does not take it."""
        if not 0 <= relay < self.profile.relays:
            raise ValueError(f"relay {relay} does not exist on a {self.profile.name}")
        try:
            await self._channels.write(f"relay_{relay}", on)
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
