"""Event platform: the access events of the compound's terminals and its thermometers' readings."""

from __future__ import annotations

import asyncio
from typing import Any, Final

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .const import (
    ATTR_FEVER,
    ATTR_TEMPERATURE,
    ATTR_TEMPERATURE_TYPE,
    EVENT_READING,
)
from .devices.isapi.events import Screening
from .entity import (
    BleEntity,
    EntityBuilder,
    TerminalEntity,
    device_platform_setup,
)
from .terminal import AccessTerminal
from .thermometer import BleThermometerDevice, ThermometerReading

PARALLEL_UPDATES = 0


CLOCK_WAITS: Final = 5
"""Milliseconds an event waits at most for the clock to move on (a frozen test clock never does)."""


ACCESS_EVENT: Final = EventEntityDescription(
    key="access", translation_key="access", event_types=[str(outcome) for outcome in Screening]
)


class TerminalAccessEvent(TerminalEntity, EventEntity):
    """Every screening at the terminal, as it happens (and, flagged, what was missed while offline)."""

    entity_description: EventEntityDescription

    follows_link = True

    async def async_added_to_hass(self) -> None:
        """Follow the terminal's events and link."""
        await super().async_added_to_hass()
        self.async_on_remove(self.terminal.async_subscribe_events(self))

    async def async_ready_for_next(self) -> None:
        """Wait until the clock is past the millisecond of the last event shown.

        The state is the time an event was shown, to the millisecond: two events within one
        would make one state change (the second an attribute change), which state triggers
        with not_to and the logbook fold into one.
        """
        for _ in range(CLOCK_WAITS):
            now = dt_util.utcnow()
            if now.isoformat(timespec="milliseconds") != self.state:
                return
            await asyncio.sleep((1000 - now.microsecond % 1000) / 1_000_000)

    @callback
    def show(self, event_type: str, attributes: dict[str, Any]) -> None:
        """Show one access event as the entity's new state."""
        self._trigger_event(event_type, attributes)
        self.async_write_ha_state()


class ThermometerReadingEvent(BleEntity, EventEntity):
    """An event per reading, for automations."""

    _attr_translation_key = "reading"
    _attr_event_types = [EVENT_READING]
    device: BleThermometerDevice

    def __init__(self, device: BleThermometerDevice) -> None:
        """Initialise the event entity."""
        super().__init__(device, "reading")

    async def async_added_to_hass(self) -> None:
        """Fire on every new reading."""
        await super().async_added_to_hass()
        self.async_on_remove(self.device.reading_listeners.add(self._handle_reading))

    @callback
    def _handle_device_update(self) -> None:
        # Only readings change this entity, not advertisements.
        return

    @callback
    def _handle_reading(self, reading: ThermometerReading) -> None:
        self._trigger_event(
            EVENT_READING,
            {
                ATTR_TEMPERATURE: reading.measurement.celsius,
                ATTR_TEMPERATURE_TYPE: reading.temperature_type,
                ATTR_FEVER: self.device.fever,
            },
        )
        self.async_write_ha_state()


ENTITY_BUILDERS: dict[type, EntityBuilder] = {
    AccessTerminal: lambda terminal: [TerminalAccessEvent(terminal, ACCESS_EVENT)],
    BleThermometerDevice: lambda thermometer: [ThermometerReadingEvent(thermometer)],
}
"""How each device kind's entities of this platform are built from its runtime."""

async_setup_entry = device_platform_setup(ENTITY_BUILDERS)
