"""The registry of simulated device kinds; each kind's module registers itself here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class CommandError(ValueError):
    """A control command a simulated device does not know, or whose arguments are wrong."""


class SimulatedDevice(Protocol):
    """A running simulated device, serving its protocol on 127.0.0.1."""

    async def async_start(self) -> None:
        """Start serving; afterwards status() names the endpoint it listens on."""

    async def async_stop(self) -> None:
        """Stop serving and free the port."""

    def status(self) -> dict[str, Any]:
        """Return the device's endpoint and state as JSON-compatible data."""

    async def async_command(self, command: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Run a control command (fault injection, a person passing, a scan); raise CommandError."""


DeviceFactory = Callable[[str, Mapping[str, Any]], SimulatedDevice]
"""Builds a device of a kind from its id and settings."""

KINDS: dict[str, DeviceFactory] = {}


def register_kind(name: str) -> Callable[[DeviceFactory], DeviceFactory]:
    """Register factory as the builder of devices of kind name."""

    def register(factory: DeviceFactory) -> DeviceFactory:
        if name in KINDS:
            raise ValueError(f"device kind {name!r} is registered twice")
        KINDS[name] = factory
        return factory

    return register
