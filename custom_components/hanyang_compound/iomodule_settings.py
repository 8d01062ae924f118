"""Stored settings of I/O modules, barrier gates and shed outputs: their ranges and checks.

Forms draw their number fields from these ranges, and every device checks its stored settings
with them before it holds a link or enforces anything, so a value changed by hand never
reaches the hardware.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final, Self

from homeassistant.const import CONF_HOST, CONF_PORT, UnitOfTime

from .const import (
    CONF_CLOSE_RELAY,
    CONF_CLOSED_LIMIT,
    CONF_KEPT_OPEN_IN_LOCKDOWN,
    CONF_OPEN_LIMIT,
    CONF_OPEN_RELAY,
    CONF_POLL_INTERVAL,
    CONF_PROFILE,
    CONF_PULSE_SECONDS,
    CONF_STOP_RELAY,
    CONF_TRANSPORT,
    CONF_TRAVEL_TIMEOUT,
    CONF_UNIT_ID,
    CONF_VEHICLE_LOOP,
)
from .devices.iomodule.barrier import BarrierCommand
from .devices.iomodule.profiles import MAX_CHANNELS, PROFILES, TRANSPORTS, ModuleProfile
from .validation import InvalidSettingError, NumberRange

PORT: Final = NumberRange(1, 65535)
UNIT_ID: Final = NumberRange(0, 247)
POLL_INTERVAL: Final = NumberRange(1, 60, unit=UnitOfTime.SECONDS)
"""Whole seconds: Home Assistant's poll scheduler aligns polls to whole seconds."""
CHANNEL: Final = NumberRange(0, MAX_CHANNELS - 1)
"""Any channel a module may have; the chosen module's profile bounds it further.

The module is chosen in the same form, so the profile's bound cannot be drawn into the field.
"""
PULSE_SECONDS: Final = NumberRange(0.1, 5, 0.1, UnitOfTime.SECONDS)
TRAVEL_TIMEOUT: Final = NumberRange(1, 120, 1, UnitOfTime.SECONDS)


def stored_text(
    data: Mapping[str, Any], key: str, *, choices: Collection[str] | None = None
) -> str:
    """Return a stored non-empty text (one of choices, if given); raise InvalidSettingError."""
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidSettingError(key)
    if choices is not None and value not in choices:
        raise InvalidSettingError(key)
    return value


def stored_optional_channel(data: Mapping[str, Any], key: str, count: int) -> int | None:
    """Return a stored channel of a module with count of them, None when unset."""
    channel = CHANNEL.stored_optional(data, key)
    if channel is not None and channel >= count:
        raise InvalidSettingError(key)
    return None if channel is None else int(channel)


def stored_channel(data: Mapping[str, Any], key: str, count: int) -> int:
    """Return a stored channel that must be set, of a module with count of them."""
    if (channel := stored_optional_channel(data, key, count)) is None:
        raise InvalidSettingError(key)
    return channel


@dataclass(frozen=True, slots=True)
class ModuleSettings:
    """The stored settings of an I/O module, checked."""

    host: str
    port: int
    unit_id: int
    profile: ModuleProfile
    transport: str
    poll_interval: int

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """Check a module subentry's data; raise InvalidSettingError naming the first bad setting."""
        return cls(
            host=stored_text(data, CONF_HOST).strip(),
            port=int(PORT.stored(data, CONF_PORT)),
            unit_id=int(UNIT_ID.stored(data, CONF_UNIT_ID)),
            profile=PROFILES[stored_text(data, CONF_PROFILE, choices=PROFILES)],
            transport=stored_text(data, CONF_TRANSPORT, choices=TRANSPORTS),
            poll_interval=int(POLL_INTERVAL.stored(data, CONF_POLL_INTERVAL)),
        )


BUTTONS: Final = {
    CONF_OPEN_RELAY: BarrierCommand.OPEN,
    CONF_CLOSE_RELAY: BarrierCommand.CLOSE,
    CONF_STOP_RELAY: BarrierCommand.STOP,
}
"""The barrier controller's button each relay of a gate is wired to."""


@dataclass(frozen=True, slots=True)
class GateSettings:
    """The stored wiring and timings of a gate, checked against its module's profile."""

    relays: dict[BarrierCommand, int]
    """The pulse relay of each button that is wired (the stop button need not be)."""
    open_limit: int
    closed_limit: int
    vehicle_loop: int | None
    pulse_seconds: float
    travel_timeout: float
    kept_open_in_lockdown: bool

    @classmethod
    def from_data(cls, data: Mapping[str, Any], profile: ModuleProfile) -> Self:
        """Check a gate subentry's data; raise InvalidSettingError naming the first bad setting."""
        relays = {
            CONF_OPEN_RELAY: stored_channel(data, CONF_OPEN_RELAY, profile.relays),
            CONF_CLOSE_RELAY: stored_channel(data, CONF_CLOSE_RELAY, profile.relays),
            CONF_STOP_RELAY: stored_optional_channel(data, CONF_STOP_RELAY, profile.relays),
        }
        open_limit = stored_channel(data, CONF_OPEN_LIMIT, profile.inputs)
        closed_limit = stored_channel(data, CONF_CLOSED_LIMIT, profile.inputs)
        vehicle_loop = stored_optional_channel(data, CONF_VEHICLE_LOOP, profile.inputs)
        inputs = {
            CONF_OPEN_LIMIT: open_limit,
            CONF_CLOSED_LIMIT: closed_limit,
            CONF_VEHICLE_LOOP: vehicle_loop,
        }
        for wired in (relays, inputs):
            seen: set[int] = set()
            for key, channel in wired.items():
                if channel in seen:
                    raise InvalidSettingError(key)  # a channel wired twice
                if channel is not None:
                    seen.add(channel)
        if not isinstance(kept_open := data.get(CONF_KEPT_OPEN_IN_LOCKDOWN), bool):
            raise InvalidSettingError(CONF_KEPT_OPEN_IN_LOCKDOWN)
        return cls(
            relays={BUTTONS[key]: relay for key, relay in relays.items() if relay is not None},
            open_limit=open_limit,
            closed_limit=closed_limit,
            vehicle_loop=vehicle_loop,
            pulse_seconds=PULSE_SECONDS.stored(data, CONF_PULSE_SECONDS),
            travel_timeout=TRAVEL_TIMEOUT.stored(data, CONF_TRAVEL_TIMEOUT),
            kept_open_in_lockdown=kept_open,
        )
