"""Entities of an access terminal: its access events, open-door button, alerts and counters."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Final

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.util import dt as dt_util

from .devices.isapi.events import Screening
from .devices.isapi.monitor import LinkState
from .entity import CompoundDeviceEntity
from .modes import EntranceAction
from .terminal import AccessTerminal

CLOCK_WAITS: Final = 5
"""Milliseconds an event waits at most for the clock to move on (a frozen test clock never does)."""


def terminal_entities(terminal: AccessTerminal, platform: Platform) -> list[Entity]:
    """Return a terminal's entities of one platform."""
    match platform:
        case Platform.EVENT:
            return [TerminalAccessEvent(terminal, ACCESS_EVENT)]
        case Platform.BUTTON:
            return [TerminalOpenDoorButton(terminal, OPEN_DOOR)]
        case Platform.BINARY_SENSOR:
            return [TerminalAlert(terminal, description) for description in ALERTS]
        case Platform.SENSOR:
            return [TerminalSensor(terminal, description) for description in SENSORS]
    return []


class TerminalEntity(CompoundDeviceEntity):
    """An entity of an access terminal, described by its description, updated when the terminal reports."""

    def __init__(self, terminal: AccessTerminal, description: EntityDescription) -> None:
        """Initialise the entity keyed by its description's key under the terminal's device."""
        super().__init__(
            terminal.compound, terminal.subentry, description.key, terminal.device_info
        )
        self.entity_description = description
        self.terminal = terminal

    _attr_should_poll = False  # the terminal pushes every change
    follows_link: ClassVar[bool] = False
    """Whether the entity is unavailable while the terminal is not heard from; counts and alerts stay."""
    _written: tuple[Any, ...] | None = None

    @property
    def available(self) -> bool:
        """Whether the entity has something current to show."""
        return self.terminal.available or not self.follows_link

    async def async_added_to_hass(self) -> None:
        """Follow the terminal's changes."""
        self.async_on_remove(self.terminal.async_subscribe(self._terminal_changed))

    def _shown(self) -> tuple[Any, ...]:
        return (self.available, self.state, self.state_attributes, self.extra_state_attributes)

    @callback
    def async_write_ha_state(self) -> None:
        """Write the state, remembering what it showed."""
        self._written = self._shown()
        super().async_write_ha_state()

    @callback
    def _terminal_changed(self) -> None:
        # The terminal reports every change of its link, counts and alerts to all its
        # entities; each writes only when what it shows has changed.
        if self._shown() != self._written:
            self.async_write_ha_state()


ACCESS_EVENT: Final = EventEntityDescription(
    key="access", translation_key="access", event_types=[str(outcome) for outcome in Screening]
)
OPEN_DOOR: Final = ButtonEntityDescription(key="open_door", translation_key="open_door")


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


class TerminalOpenDoorButton(TerminalEntity, ButtonEntity):
    """Opens the door once, through the compound's policy (refused in lockdown unless kept open)."""

    entity_description: ButtonEntityDescription

    follows_link = True

    async def async_press(self) -> None:
        """Ask the compound to open the door."""
        await self.compound.async_command_entrance(
            self.terminal, EntranceAction.OPEN, context=self._context
        )


@dataclass(frozen=True, kw_only=True)
class TerminalAlertDescription(BinarySensorEntityDescription):
    """An alert raised by a kind of screening."""

    alert: Screening


ALERTS: Final = (
    TerminalAlertDescription(
        key="fever_alert",
        translation_key="fever_alert",
        device_class=BinarySensorDeviceClass.PROBLEM,
        alert=Screening.FEVER_DETECTED,
    ),
    TerminalAlertDescription(
        key="no_mask_alert",
        translation_key="no_mask_alert",
        device_class=BinarySensorDeviceClass.PROBLEM,
        alert=Screening.NO_MASK,
    ),
)


class TerminalAlert(TerminalEntity, BinarySensorEntity):
    """On from a fever or no-mask screening until the terminal's alert duration has passed."""

    entity_description: TerminalAlertDescription

    @property
    def is_on(self) -> bool:
        """Whether such a screening happened within the alert duration."""
        return self.terminal.alerts[self.entity_description.alert] is not None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the alert was last raised."""
        raised = self.terminal.alerts[self.entity_description.alert]
        return {"raised_at": raised.isoformat() if raised else None}


@dataclass(frozen=True, kw_only=True)
class TerminalSensorDescription(SensorEntityDescription):
    """A value of the terminal, read from the terminal object."""

    value_fn: Callable[[AccessTerminal], Any]


SENSORS: Final = (
    TerminalSensorDescription(
        key="passes_today",
        translation_key="passes_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda terminal: terminal.counts.passes,
    ),
    TerminalSensorDescription(
        key="fever_today",
        translation_key="fever_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda terminal: terminal.counts.fever,
    ),
    TerminalSensorDescription(
        key="no_mask_today",
        translation_key="no_mask_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda terminal: terminal.counts.no_mask,
    ),
    TerminalSensorDescription(
        key="link",
        translation_key="link",
        device_class=SensorDeviceClass.ENUM,
        options=[str(state) for state in LinkState],
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda terminal: str(terminal.link_state),
    ),
    TerminalSensorDescription(
        key="reconnects",
        translation_key="reconnects",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda terminal: terminal.monitor.stats.reconnects if terminal.monitor else 0,
    ),
    TerminalSensorDescription(
        key="malformed_parts",
        translation_key="malformed_parts",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda terminal: terminal.monitor.stats.malformed_parts if terminal.monitor else 0,
    ),
)


class TerminalSensor(TerminalEntity, SensorEntity):
    """Today's counts and the link's diagnostics."""

    entity_description: TerminalSensorDescription

    @property
    def native_value(self) -> Any:
        """The value read from the terminal."""
        return self.entity_description.value_fn(self.terminal)
