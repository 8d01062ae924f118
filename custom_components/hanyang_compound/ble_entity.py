"""Entities of the compound's Bluetooth devices, restored after a restart until they are heard again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.event import EventEntity
from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    STATE_ON,
    EntityCategory,
    Platform,
    UnitOfLength,
    UnitOfTemperature,
)
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .ble import (
    BleThermometerDevice,
    BTHomeSensorDevice,
    ThermometerReading,
    bthome_sensors,
)
from .ble_base import BleDevice
from .compound import Compound
from .const import BTHomeRole
from .devices.ble.health_thermometer import TemperatureType
from .entity import CompoundDeviceEntity, CompoundEntity

ATTR_REASONS = "reasons"
ATTR_MANHOLES = "manholes"
ATTR_SHEDS = "sheds"
ATTR_TEMPERATURE = "temperature"
ATTR_TEMPERATURE_TYPE = "temperature_type"
ATTR_FEVER = "fever"
EVENT_READING = "reading"


class BleEntity(CompoundDeviceEntity):
    """An entity of a Bluetooth device, updated whenever the device is heard."""

    # Pushed: advertisements and indications update the entity, there is nothing to poll.
    _attr_should_poll = False

    def __init__(self, device: BleDevice, key: str, device_info: Any) -> None:
        """Initialise the entity keyed by key under the device."""
        super().__init__(device.compound, device.subentry, key, device_info)
        self.device = device

    async def async_added_to_hass(self) -> None:
        """Follow the device's updates."""
        await super().async_added_to_hass()
        self.async_on_remove(self.device.async_add_listener(self._handle_device_update))

    @property
    def available(self) -> bool:
        """Unavailable while Home Assistant's Bluetooth does not run."""
        return self.device.radio_ready

    @callback
    def _handle_device_update(self) -> None:
        self.async_write_ha_state()


class ChangeOnlyEntity(BleEntity):
    """A Bluetooth entity that writes its state only when what it shows changes.

    Sensors advertise every few seconds mostly the same values; skipping identical writes
    keeps the integration's cost per advertisement at or below core bthome's.
    """

    _shown: tuple[Any, ...] | None = None

    def shown(self) -> tuple[Any, ...]:
        """Return what the entity shows: availability and value."""
        raise NotImplementedError

    @callback
    def _handle_device_update(self) -> None:
        shown = self.shown()
        if shown != self._shown:
            self._shown = shown
            self.async_write_ha_state()


@dataclass(frozen=True, kw_only=True)
class BTHomeSensorDescription(SensorEntityDescription):
    """A sensor of a BTHome device: its value from the device."""

    value_fn: Callable[[BTHomeSensorDevice], float | int | datetime | None]
    roles: frozenset[BTHomeRole]


@dataclass(frozen=True, kw_only=True)
class BTHomeBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor of a BTHome device: its value from the device."""

    value_fn: Callable[[BTHomeSensorDevice], bool | None]
    roles: frozenset[BTHomeRole]


MANHOLE = frozenset({BTHomeRole.MANHOLE})
SHED = frozenset({BTHomeRole.SHED_THERMOMETER})
BOTH = MANHOLE | SHED


def _measurement(key: str) -> Callable[[BTHomeSensorDevice], float | None]:
    def value(device: BTHomeSensorDevice) -> float | None:
        raw = device.value(key)
        return None if raw is None else float(raw)

    return value


BTHOME_SENSORS: tuple[BTHomeSensorDescription, ...] = (
    BTHomeSensorDescription(
        key="water_level",
        translation_key="water_level",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.CENTIMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda device: device.water_level_cm,
        roles=MANHOLE,
    ),
    BTHomeSensorDescription(
        key="rotation",
        translation_key="rotation",
        native_unit_of_measurement="°",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_measurement("rotation"),
        roles=MANHOLE,
    ),
    BTHomeSensorDescription(
        key="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_measurement("temperature"),
        roles=SHED,
    ),
    BTHomeSensorDescription(
        key="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_measurement("humidity"),
        roles=SHED,
    ),
    BTHomeSensorDescription(
        key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_measurement("battery"),
        roles=BOTH,
    ),
)

BTHOME_BINARY_SENSORS: tuple[BTHomeBinarySensorDescription, ...] = (
    BTHomeBinarySensorDescription(
        key="cover_open",
        translation_key="cover_open",
        device_class=BinarySensorDeviceClass.OPENING,
        value_fn=lambda device: device.cover_open,
        roles=MANHOLE,
    ),
    BTHomeBinarySensorDescription(
        key="tilted",
        translation_key="tilted",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda device: device.tilted,
        roles=MANHOLE,
    ),
    BTHomeBinarySensorDescription(
        key="flooded",
        translation_key="flooded",
        device_class=BinarySensorDeviceClass.MOISTURE,
        value_fn=lambda device: device.flooded,
        roles=MANHOLE,
    ),
    BTHomeBinarySensorDescription(
        key="low_battery",
        device_class=BinarySensorDeviceClass.BATTERY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda device: device.low_battery,
        roles=BOTH,
    ),
    BTHomeBinarySensorDescription(
        key="overheating",
        translation_key="overheating",
        device_class=BinarySensorDeviceClass.HEAT,
        value_fn=lambda device: device.overheating,
        roles=SHED,
    ),
)

# The measurement each restored entity stands for, so a restart restores the device's values.
_RESTORED_MEASUREMENT = {
    "rotation": "rotation",
    "temperature": "temperature",
    "humidity": "humidity",
    "battery": "battery",
}


class BTHomeSensor(ChangeOnlyEntity, RestoreSensor):
    """A measurement of a BTHome sensor."""

    entity_description: BTHomeSensorDescription
    device: BTHomeSensorDevice

    def __init__(self, device: BTHomeSensorDevice, description: BTHomeSensorDescription) -> None:
        """Initialise the measurement."""
        super().__init__(device, description.key, device.device_info)
        self.entity_description = description

    async def async_added_to_hass(self) -> None:
        """Restore the last measurement until the sensor is heard."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is None or not isinstance(
            last.native_value, int | float
        ):
            return
        key = self.entity_description.key
        if key == "water_level":
            self.device.restored.setdefault("distance", float(last.native_value) * 10)
        elif measurement := _RESTORED_MEASUREMENT.get(key):
            self.device.restored.setdefault(measurement, float(last.native_value))
        self.device.notify()

    @property
    def available(self) -> bool:
        """Unavailable without Bluetooth, and once the sensor has been silent longer than its timeout."""
        return self.device.available

    @property
    def native_value(self) -> float | int | datetime | None:
        """The measurement, live or restored."""
        return self.entity_description.value_fn(self.device)

    def shown(self) -> tuple[Any, ...]:
        """Return availability and the measurement."""
        return (self.device.available, self.native_value)


class BTHomeBinarySensor(ChangeOnlyEntity, BinarySensorEntity, RestoreEntity):
    """An alarm of a BTHome sensor."""

    entity_description: BTHomeBinarySensorDescription
    device: BTHomeSensorDevice

    def __init__(
        self, device: BTHomeSensorDevice, description: BTHomeBinarySensorDescription
    ) -> None:
        """Initialise the alarm."""
        super().__init__(device, description.key, device.device_info)
        self.entity_description = description

    async def async_added_to_hass(self) -> None:
        """Restore the cover's state until the sensor is heard (the others derive from values)."""
        await super().async_added_to_hass()
        if self.entity_description.key == "cover_open" and (
            last := await self.async_get_last_state()
        ):
            self.device.restored.setdefault("opening", last.state == STATE_ON)
            self.device.notify()

    @property
    def available(self) -> bool:
        """Unavailable without Bluetooth, and once the sensor has been silent longer than its timeout."""
        return self.device.available

    @property
    def is_on(self) -> bool | None:
        """Whether the alarm is raised."""
        return self.entity_description.value_fn(self.device)

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
        super().__init__(device, "needs_attention", device.device_info)

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


class SignalStrengthSensor(BleEntity, SensorEntity):
    """The signal strength the device was last heard with."""

    _attr_device_class = SensorDeviceClass.SIGNAL_STRENGTH
    _attr_native_unit_of_measurement = SIGNAL_STRENGTH_DECIBELS_MILLIWATT
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False

    def __init__(self, device: BleDevice, device_info: Any) -> None:
        """Initialise the diagnostic."""
        super().__init__(device, "signal_strength", device_info)

    @property
    def native_value(self) -> int | None:
        """The last signal strength in dBm."""
        return self.device.rssi


class LastSeenSensor(BleEntity, SensorEntity):
    """When the device was last heard."""

    _attr_translation_key = "last_seen"
    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False

    def __init__(self, device: BleDevice, device_info: Any) -> None:
        """Initialise the diagnostic."""
        super().__init__(device, "last_seen", device_info)

    @property
    def native_value(self) -> datetime | None:
        """The time of the last accepted advertisement."""
        return self.device.last_seen


def _diagnostics(device: BleDevice, device_info: Any) -> list[Entity]:
    return [SignalStrengthSensor(device, device_info), LastSeenSensor(device, device_info)]


def bthome_entities(device: BTHomeSensorDevice, platform: Platform) -> list[Entity]:
    """Return a BTHome sensor's entities of one platform, by its role."""
    if platform is Platform.SENSOR:
        return [
            *(
                BTHomeSensor(device, description)
                for description in BTHOME_SENSORS
                if device.role in description.roles
            ),
            *_diagnostics(device, device.device_info),
        ]
    if platform is Platform.BINARY_SENSOR:
        entities: list[Entity] = [
            BTHomeBinarySensor(device, description)
            for description in BTHOME_BINARY_SENSORS
            if device.role in description.roles
        ]
        if device.role is BTHomeRole.MANHOLE:
            entities.append(ManholeAttentionSensor(device))
        return entities
    return []


def _temperature_type(reading: ThermometerReading) -> str | None:
    kind = reading.measurement.temperature_type
    return kind.name.lower() if kind else None


def _reading_time(reading: ThermometerReading) -> datetime:
    stamp = reading.measurement.timestamp
    if stamp is None:
        return reading.received
    # The thermometer's clock has no zone: it is set to local time.
    return stamp.replace(tzinfo=dt_util.get_default_time_zone())


@dataclass(frozen=True, kw_only=True)
class ThermometerSensorDescription(SensorEntityDescription):
    """A sensor of a thermometer: its value from the latest reading, and what a restored value is."""

    value_fn: Callable[[ThermometerReading], float | datetime | str | None]
    restored_type: type | tuple[type, ...]


THERMOMETER_SENSORS: tuple[ThermometerSensorDescription, ...] = (
    ThermometerSensorDescription(
        key="body_temperature",
        translation_key="body_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda reading: reading.measurement.celsius,
        restored_type=(int, float),
    ),
    ThermometerSensorDescription(
        key="reading_time",
        translation_key="reading_time",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_reading_time,
        restored_type=datetime,
    ),
    ThermometerSensorDescription(
        key="temperature_type",
        translation_key="temperature_type",
        device_class=SensorDeviceClass.ENUM,
        options=[kind.name.lower() for kind in TemperatureType],
        value_fn=_temperature_type,
        restored_type=str,
    ),
)


class ThermometerSensor(BleEntity, RestoreSensor):
    """What the latest reading says: body temperature in °C whatever the unit sent, time, body site."""

    entity_description: ThermometerSensorDescription
    device: BleThermometerDevice

    def __init__(
        self, device: BleThermometerDevice, description: ThermometerSensorDescription
    ) -> None:
        """Initialise the sensor."""
        super().__init__(device, description.key, device.device_info)
        self.entity_description = description
        self._restored: float | datetime | str | None = None

    async def async_added_to_hass(self) -> None:
        """Restore the last value until a new reading arrives."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) and isinstance(
            last.native_value, self.entity_description.restored_type
        ):
            self._restored = last.native_value  # type: ignore[assignment]

    @property
    def native_value(self) -> float | datetime | str | None:
        """The value of the latest reading, or the restored one."""
        if self.device.reading is None:
            return self._restored
        return self.entity_description.value_fn(self.device.reading)


class ThermometerFeverSensor(BleEntity, BinarySensorEntity, RestoreEntity):
    """Whether the latest reading is at or above the compound's fever threshold."""

    _attr_translation_key = "fever"
    _attr_device_class = BinarySensorDeviceClass.PROBLEM
    device: BleThermometerDevice

    def __init__(self, device: BleThermometerDevice) -> None:
        """Initialise the fever sensor."""
        super().__init__(device, "fever", device.device_info)
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


class ThermometerReadingEvent(BleEntity, EventEntity):
    """An event per reading, for automations."""

    _attr_translation_key = "reading"
    _attr_event_types = [EVENT_READING]
    device: BleThermometerDevice

    def __init__(self, device: BleThermometerDevice) -> None:
        """Initialise the event entity."""
        super().__init__(device, "reading", device.device_info)

    async def async_added_to_hass(self) -> None:
        """Fire on every new reading."""
        await super().async_added_to_hass()
        self.async_on_remove(self.device.async_add_reading_listener(self._handle_reading))

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
                ATTR_TEMPERATURE_TYPE: _temperature_type(reading),
                ATTR_FEVER: self.device.fever,
            },
        )
        self.async_write_ha_state()


def thermometer_entities(device: BleThermometerDevice, platform: Platform) -> list[Entity]:
    """Return a thermometer's entities of one platform."""
    if platform is Platform.SENSOR:
        return [
            *(ThermometerSensor(device, description) for description in THERMOMETER_SENSORS),
            *_diagnostics(device, device.device_info),
        ]
    if platform is Platform.BINARY_SENSOR:
        return [ThermometerFeverSensor(device)]
    if platform is Platform.EVENT:
        return [ThermometerReadingEvent(device)]
    return []


class BTHomeSummarySensor(CompoundEntity, SensorEntity):
    """How many of the compound's manholes need attention, or sheds overheat, and which."""

    _attr_state_class = SensorStateClass.MEASUREMENT
    # Pushed by its sensors' updates.
    _attr_should_poll = False

    def __init__(
        self,
        compound: Compound,
        key: str,
        role: BTHomeRole,
        attribute: str,
        applies: Callable[[BTHomeSensorDevice], bool | None],
    ) -> None:
        """Initialise the summary of the devices of one role for which applies is true."""
        super().__init__(compound, key)
        self._attr_translation_key = key
        self._devices = [device for device in bthome_sensors(compound) if device.role is role]
        self._attribute = attribute
        self._applies = applies
        self._matching: set[str] = set()
        self._shown_available = False

    async def async_added_to_hass(self) -> None:
        """Follow every device of the summary."""
        await super().async_added_to_hass()
        self._matching = {device.address for device in self._devices if self._applies(device)}
        self._shown_available = self.available
        for device in self._devices:
            self.async_on_remove(device.async_add_listener(partial(self._handle_device, device)))

    @callback
    def _handle_device(self, device: BTHomeSensorDevice) -> None:
        # Only the device that changed is looked at again, so the cost does not grow with the compound.
        changed = bool(self._applies(device)) != (device.address in self._matching)
        if changed:
            self._matching ^= {device.address}
        if changed or self.available != self._shown_available:
            self._shown_available = self.available
            self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Unavailable while Home Assistant's Bluetooth does not run: nothing is known then."""
        return any(device.radio_ready for device in self._devices)

    @property
    def native_value(self) -> int:
        """How many devices match."""
        return len(self._matching)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Which devices match, by name."""
        return {
            self._attribute: [
                device.title for device in self._devices if device.address in self._matching
            ]
        }


def compound_ble_sensors(compound: Compound) -> list[Entity]:
    """Return the compound-level summaries of the roles its Bluetooth sensors have."""
    roles = {device.role for device in bthome_sensors(compound)}
    summaries: list[Entity] = []
    if BTHomeRole.MANHOLE in roles:
        summaries.append(
            BTHomeSummarySensor(
                compound,
                "manholes_needing_attention",
                BTHomeRole.MANHOLE,
                ATTR_MANHOLES,
                lambda device: bool(device.attention_reasons),
            )
        )
    if BTHomeRole.SHED_THERMOMETER in roles:
        summaries.append(
            BTHomeSummarySensor(
                compound,
                "sheds_overheating",
                BTHomeRole.SHED_THERMOMETER,
                ATTR_SHEDS,
                lambda device: device.overheating,
            )
        )
    return summaries
