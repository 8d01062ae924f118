"""Binary sensor platform: gate faults and vehicles, screening alerts, manholes, sheds and fevers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import (
    STATE_ON,
    EntityCategory,
)
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.restore_state import RestoreEntity

from .bthome_sensor import ATTENTION, BOTH, MANHOLE, SHED, BTHomeSensorDevice
from .const import (
    ATTR_REASONS,
    BTHomeRole,
)
from .devices.iomodule.barrier import BarrierState
from .devices.isapi.events import Screening
from .entity import (
    BleEntity,
    ChangeOnlyEntity,
    EntityBuilder,
    TerminalEntity,
    device_platform_setup,
)
from .gate import BarrierGate
from .gate_entity import GateEntity
from .terminal import AccessTerminal
from .terminal_screening import ALERT_FIGURES, TerminalFigure
from .thermometer import BleThermometerDevice

PARALLEL_UPDATES = 0


class GateFaultSensor(GateEntity, BinarySensorEntity):
    """On while the arm is jammed (travel timeout) or its limit switches contradict each other."""

    _attr_translation_key = "gate_fault"
    _attr_device_class = BinarySensorDeviceClass.PROBLEM

    def __init__(self, gate: BarrierGate) -> None:
        """Describe the gate's fault."""
        super().__init__(gate, "fault")

    @property
    def is_on(self) -> bool:
        """Whether the gate is in fault."""
        return self.device.machine.state is BarrierState.FAULT

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Why the gate is in fault."""
        fault = self.device.machine.fault
        return {"cause": str(fault) if fault else None}


class VehiclePresentSensor(GateEntity, BinarySensorEntity):
    """On while a vehicle stands on the gate's loop."""

    _attr_translation_key = "vehicle_present"
    _attr_device_class = BinarySensorDeviceClass.OCCUPANCY

    def __init__(self, gate: BarrierGate) -> None:
        """Describe the gate's vehicle loop."""
        super().__init__(gate, "vehicle_present")

    @property
    def is_on(self) -> bool:
        """Whether a vehicle is on the loop."""
        return self.device.machine.vehicle_present


@dataclass(frozen=True, kw_only=True)
class TerminalAlertDescription(BinarySensorEntityDescription):
    """An alert raised by a kind of screening."""

    alert: Screening


TERMINAL_ALERTS: Final = (
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

    def figure(self) -> TerminalFigure:
        """Return the alert the entity follows besides the link."""
        return ALERT_FIGURES[self.entity_description.alert]


@dataclass(frozen=True, kw_only=True)
class BTHomeBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a BTHome device: its value from the device."""

    roles: frozenset[BTHomeRole]


BTHOME_BINARY_SENSORS: tuple[BTHomeBinarySensorDescription, ...] = (
    BTHomeBinarySensorDescription(
        key="cover_open",
        translation_key="cover_open",
        device_class=BinarySensorDeviceClass.OPENING,
        roles=MANHOLE,
    ),
    BTHomeBinarySensorDescription(
        key="tilted",
        translation_key="tilted",
        device_class=BinarySensorDeviceClass.PROBLEM,
        roles=MANHOLE,
    ),
    BTHomeBinarySensorDescription(
        key="flooded",
        translation_key="flooded",
        device_class=BinarySensorDeviceClass.MOISTURE,
        roles=MANHOLE,
    ),
    BTHomeBinarySensorDescription(
        key="low_battery",
        device_class=BinarySensorDeviceClass.BATTERY,
        entity_category=EntityCategory.DIAGNOSTIC,
        roles=BOTH,
    ),
    BTHomeBinarySensorDescription(
        key="overheating",
        translation_key="overheating",
        device_class=BinarySensorDeviceClass.HEAT,
        roles=SHED,
    ),
)


class BTHomeBinarySensor(ChangeOnlyEntity, BinarySensorEntity, RestoreEntity):
    """An alarm of a BTHome sensor."""

    entity_description: BTHomeBinarySensorDescription
    device: BTHomeSensorDevice

    def __init__(
        self, device: BTHomeSensorDevice, description: BTHomeBinarySensorDescription
    ) -> None:
        """Initialise the alarm."""
        # The device tells an alarm's change by the alarm's key.
        super().__init__(device, description.key, (description.key,))
        self.entity_description = description

    async def async_added_to_hass(self) -> None:
        """Restore the cover's state until the sensor is heard (the others derive from values)."""
        await super().async_added_to_hass()
        if self.entity_description.key == "cover_open" and (
            last := await self.async_get_last_state()
        ):
            self.device.restore("opening", last.state == STATE_ON)

    @property
    def available(self) -> bool:
        """Unavailable without Bluetooth, and once the sensor has been silent longer than its timeout."""
        return self.device.available

    @property
    def is_on(self) -> bool | None:
        """Whether the alarm is raised, as the device worked it out last."""
        return self.device.alarms.get(self.entity_description.key)

    def shown(self) -> tuple[Any, ...]:
        """Return availability and the alarm."""
        return (self.device.available, self.is_on)


class ManholeAttentionSensor(ChangeOnlyEntity, BinarySensorEntity):
    """Whether a manhole needs someone to look at it, and why (also when it has gone silent)."""

    _attr_translation_key = "needs_attention"
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    device: BTHomeSensorDevice

    def __init__(self, device: BTHomeSensorDevice) -> None:
        """Initialise the problem sensor of a manhole."""
        super().__init__(device, "needs_attention", (ATTENTION,))

    @property
    def is_on(self) -> bool:
        """Whether there is any reason to look at the manhole."""
        return bool(self.device.attention_reasons)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Why the manhole needs attention: open, tilted, flooded, low_battery, silent."""
        return {ATTR_REASONS: self.device.attention_reasons}

    def shown(self) -> tuple[Any, ...]:
        """Return availability and the reasons, which decide the state too."""
        return (self.available, *self.device.attention_reasons)


class ThermometerFeverSensor(BleEntity, BinarySensorEntity, RestoreEntity):
    """Whether the latest reading is at or above the compound's fever threshold."""

    _attr_translation_key = "fever"
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    device: BleThermometerDevice

    def __init__(self, device: BleThermometerDevice) -> None:
        """Initialise the fever sensor."""
        super().__init__(device, "fever")
        self._restored: bool | None = None

    async def async_added_to_hass(self) -> None:
        """Restore the last verdict until a new reading arrives."""
        await super().async_added_to_hass()
        if last := await self.async_get_last_state():
            self._restored = last.state == STATE_ON

    @property
    def is_on(self) -> bool | None:
        """Whether the latest reading is a fever."""
        fever = self.device.fever
        return self._restored if fever is None else fever


def _bthome_binary_sensors(device: BTHomeSensorDevice) -> list[Entity]:
    entities: list[Entity] = [
        BTHomeBinarySensor(device, description)
        for description in BTHOME_BINARY_SENSORS
        if device.role in description.roles
    ]
    if device.role is BTHomeRole.MANHOLE:
        entities.append(ManholeAttentionSensor(device))
    return entities


ENTITY_BUILDERS: dict[type, EntityBuilder] = {
    BarrierGate: lambda gate: [
        GateFaultSensor(gate),
        *([VehiclePresentSensor(gate)] if gate.vehicle_loop is not None else []),
    ],
    AccessTerminal: lambda terminal: [
        TerminalAlert(terminal, description) for description in TERMINAL_ALERTS
    ],
    BTHomeSensorDevice: _bthome_binary_sensors,
    BleThermometerDevice: lambda thermometer: [ThermometerFeverSensor(thermometer)],
}
"""How each device kind's entities of this platform are built from its runtime."""

async_setup_entry = device_platform_setup(ENTITY_BUILDERS)
