"""Sensor platform: the counters, measurements and link diagnostics of the compound's devices, and a district's roll-ups."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
import math
from typing import Any, Final

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
    EntityCategory,
    UnitOfLength,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .assessment import INDICATORS, Figure, Indicator
from .assessment_store import assessed_indicators
from .ble_base import BleDevice
from .bthome_sensor import BOTH, MANHOLE, SHED, BTHomeSensorDevice
from .compound import Compound
from .const import (
    ATTR_DIRECTIVE,
    ATTR_MANHOLES,
    ATTR_MET,
    ATTR_OUT_OF_ORDER,
    ATTR_ROUND,
    ATTR_SHEDS,
    ATTR_STANDARD,
    ATTR_VALUE,
    BTHomeRole,
)
from .coordinator import OncePerTurn
from .devices.ble.health_thermometer import TemperatureType
from .devices.isapi.monitor import LinkState
from .district_model import TOTALS, Ranked
from .district_protocol import TARGET_ALL
from .district_role import District, company_key
from .entity import (
    BleEntity,
    ChangeOnlyEntity,
    CompoundEntity,
    DistrictEntity,
    EntityBuilder,
    ModuleEntity,
    PatrolRouteEntity,
    TerminalEntity,
    device_platform_setup,
)
from .gate import BarrierGate
from .gate_entity import GateEntity
from .interfaces import AssessmentSource
from .iomodule import IoModuleDevice
from .patrol_rounds import RoundResult, RouteStatus
from .patrol_route import (
    ATTR_LAST_EVENT,
    ATTR_REMAINING,
    ATTR_TOTAL,
    STATUS_KEY,
    PatrolRouteDevice,
)
from .terminal import AccessTerminal
from .terminal_screening import TerminalFigure
from .thermometer import BleThermometerDevice, ThermometerReading

PARALLEL_UPDATES = 0


class LinkLatencySensor(ModuleEntity[IoModuleDevice], SensorEntity):
    """How long the last poll of the module took: a slow or congested link shows here first."""

    _attr_translation_key = "link_latency"
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False
    _attr_device_class = SensorDeviceClass.DURATION
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = UnitOfTime.MILLISECONDS
    _attr_suggested_display_precision = 0

    def __init__(self, device: IoModuleDevice) -> None:
        """Describe the latency of one module's link."""
        super().__init__(device, "link_latency")

    @property
    def native_value(self) -> float | None:
        """The last poll's duration in milliseconds."""
        snapshot = self.coordinator.data
        return None if snapshot is None else round(snapshot.latency * 1000, 1)


class LinkFailuresSensor(ModuleEntity[IoModuleDevice], SensorEntity):
    """How many polls of the module failed since the compound started."""

    _attr_translation_key = "link_failures"
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False
    _attr_state_class = SensorStateClass.TOTAL_INCREASING

    def __init__(self, device: IoModuleDevice) -> None:
        """Describe the failed polls of one module."""
        super().__init__(device, "link_failures")

    @property
    def available(self) -> bool:
        """Always: failures are counted while the module is unreachable too."""
        return True

    @property
    def native_value(self) -> int:
        """Failed polls so far."""
        return self.coordinator.failures


class PassesTodaySensor(GateEntity, SensorEntity, RestoreEntity):
    """Vehicles that passed the gate today (left its loop), restored across restarts."""

    _attr_translation_key = "vehicle_passes_today"
    _attr_state_class = SensorStateClass.TOTAL

    def __init__(self, gate: BarrierGate) -> None:
        """Describe the gate's daily count."""
        super().__init__(gate, "passes_today")
        self._count = 0
        self._counted_passes = gate.machine.passes
        self._day_start = dt_util.start_of_local_day()

    async def async_added_to_hass(self) -> None:
        """Continue today's count after a restart; start afresh at every local midnight."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state.isdigit() and last.last_updated >= self._day_start:
            self._count = int(last.state)
        # The gate tells of passes, not of a new day: that comes by the clock.
        self.async_on_remove(
            async_track_time_change(self.hass, self._new_day, hour=0, minute=0, second=0)
        )

    @property
    def last_reset(self) -> datetime:
        """Local midnight: the count starts afresh every day."""
        return self._day_start

    @property
    def native_value(self) -> int:
        """Passes today."""
        return self._count

    @callback
    def _new_day(self, _now: datetime) -> None:
        self._handle_gate_update()

    @callback
    def _handle_gate_update(self) -> None:
        if (day_start := dt_util.start_of_local_day()) != self._day_start:
            self._day_start, self._count = day_start, 0
        self._count += self.device.machine.passes - self._counted_passes
        self._counted_passes = self.device.machine.passes
        super()._handle_gate_update()


@dataclass(frozen=True, kw_only=True)
class TerminalSensorDescription(SensorEntityDescription):
    """A value of the terminal, read from the terminal object."""

    value_fn: Callable[[AccessTerminal], Any]
    figure: TerminalFigure | None = None
    """What the value follows besides the link; None for values that change with the link."""


TERMINAL_SENSORS: Final = (
    TerminalSensorDescription(
        key="passes_today",
        translation_key="passes_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda terminal: terminal.counts.passes,
        figure=TerminalFigure.PASSES,
    ),
    TerminalSensorDescription(
        key="fever_today",
        translation_key="fever_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda terminal: terminal.counts.fever,
        figure=TerminalFigure.FEVER,
    ),
    TerminalSensorDescription(
        key="no_mask_today",
        translation_key="no_mask_today",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda terminal: terminal.counts.no_mask,
        figure=TerminalFigure.NO_MASK,
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
        figure=TerminalFigure.MALFORMED_PARTS,
    ),
)


class TerminalSensor(TerminalEntity, SensorEntity):
    """Today's counts and the link's diagnostics."""

    entity_description: TerminalSensorDescription

    @property
    def native_value(self) -> Any:
        """The value read from the terminal."""
        return self.entity_description.value_fn(self.terminal)

    def figure(self) -> TerminalFigure | None:
        """Return the figure the value follows besides the link."""
        return self.entity_description.figure


@dataclass(frozen=True, kw_only=True)
class BTHomeSensorDescription(SensorEntityDescription):
    """A sensor of a BTHome device: its value from the device."""

    roles: frozenset[BTHomeRole]
    measurement: str
    """The measurement (bthome-ble key) the value comes from."""
    value_fn: Callable[[BTHomeSensorDevice], float | None] | None = None
    """How the value is worked out from the device; None: the measurement itself."""


BTHOME_SENSORS: tuple[BTHomeSensorDescription, ...] = (
    BTHomeSensorDescription(
        key="water_level",
        measurement="distance",
        translation_key="water_level",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.CENTIMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda device: device.water_level_cm,
        roles=MANHOLE,
    ),
    BTHomeSensorDescription(
        key="rotation",
        measurement="rotation",
        translation_key="rotation",
        native_unit_of_measurement="°",
        state_class=SensorStateClass.MEASUREMENT,
        roles=MANHOLE,
    ),
    BTHomeSensorDescription(
        key="temperature",
        measurement="temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        roles=SHED,
    ),
    BTHomeSensorDescription(
        key="humidity",
        measurement="humidity",
        device_class=SensorDeviceClass.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        roles=SHED,
    ),
    BTHomeSensorDescription(
        key="battery",
        measurement="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        roles=BOTH,
    ),
)


class BTHomeSensor(ChangeOnlyEntity, RestoreSensor):
    """A measurement of a BTHome sensor."""

    entity_description: BTHomeSensorDescription
    device: BTHomeSensorDevice

    def __init__(self, device: BTHomeSensorDevice, description: BTHomeSensorDescription) -> None:
        """Initialise the measurement."""
        super().__init__(device, description.key, (description.measurement,))
        self.entity_description = description

    async def async_added_to_hass(self) -> None:
        """Restore the last measurement until the sensor is heard."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is None or not isinstance(
            last.native_value, int | float
        ):
            return
        value = float(last.native_value)
        # The water level is shown in cm of the distance the sensor measures in mm.
        if self.entity_description.key == "water_level":
            value *= 10
        self.device.restore(self.entity_description.measurement, value)

    @property
    def available(self) -> bool:
        """Unavailable without Bluetooth, and once the sensor has been silent longer than its timeout."""
        return self.device.available

    def shown(self) -> tuple[Any, ...]:
        """Work out the measurement, live or restored, once per change; return it and availability."""
        description = self.entity_description
        if description.value_fn is not None:
            self._attr_native_value = description.value_fn(self.device)
        else:
            measured = self.device.value(description.measurement)
            self._attr_native_value = None if measured is None else float(measured)
        return (self.device.available, self._attr_native_value)


@dataclass(frozen=True, kw_only=True)
class BleDiagnosticDescription(SensorEntityDescription):
    """A diagnostic of any Bluetooth device: how it was last heard."""

    value_fn: Callable[[BleDevice], int | datetime | None]


BLE_DIAGNOSTICS: tuple[BleDiagnosticDescription, ...] = (
    BleDiagnosticDescription(
        key="signal_strength",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda device: device.rssi,
    ),
    BleDiagnosticDescription(
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda device: device.last_seen,
    ),
)


class BleDiagnosticSensor(BleEntity, SensorEntity):
    """How a Bluetooth device was last heard: its signal strength in dBm, or when."""

    entity_description: BleDiagnosticDescription

    def __init__(self, device: BleDevice, description: BleDiagnosticDescription) -> None:
        """Initialise the diagnostic."""
        super().__init__(device, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> int | datetime | None:
        """The diagnostic's value."""
        return self.entity_description.value_fn(self.device)


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
        value_fn=lambda reading: reading.temperature_type,
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
        super().__init__(device, description.key)
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
        self._devices = [
            device for device in compound.devices.of_kind(BTHomeSensorDevice) if device.role is role
        ]
        self._attribute = attribute
        self._applies = applies
        # The matching devices' places among the devices, in order, and their names alike: a
        # change inserts or removes one, and the attribute is a copy, not a walk over all.
        self._matching: list[int] = []
        self._names: list[str] = []
        self._shown_available = False
        # Sensors that change in the same instant make one write of the count.
        self._write_count = OncePerTurn(self._write)

    async def async_added_to_hass(self) -> None:
        """Follow every device of the summary."""
        await super().async_added_to_hass()
        matching = [place for place, device in enumerate(self._devices) if self._applies(device)]
        self._matching = matching
        self._names = [self._devices[place].title for place in matching]
        self._shown_available = self.available
        for place, device in enumerate(self._devices):
            self.async_on_remove(
                device.async_add_listener(
                    partial(self._handle_device, place, device), (device.incident_figure,)
                )
            )

    @callback
    def _handle_device(self, place: int, device: BTHomeSensorDevice) -> None:
        # Only the device that changed is looked at again, so the cost does not grow with the compound.
        index = bisect_left(self._matching, place)
        matched = index < len(self._matching) and self._matching[index] == place
        changed = bool(self._applies(device)) != matched
        if changed and matched:
            del self._matching[index], self._names[index]
        elif changed:
            self._matching.insert(index, place)
            self._names.insert(index, device.title)
        if changed or self.available != self._shown_available:
            self._write_count.request()

    @callback
    def _write(self) -> None:
        self._shown_available = self.available
        self.async_write_ha_state()

    async def async_will_remove_from_hass(self) -> None:
        """Drop a write not yet made."""
        self._write_count.cancel()

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
        """Which devices match, by name, in the devices' order."""
        return {self._attribute: list(self._names)}


def _status_attributes(device: PatrolRouteDevice) -> dict[str, Any]:
    current = device.route.open_round
    return {
        ATTR_LAST_EVENT: str(device.last_event) if device.last_event else None,
        ATTR_ROUND: dt_util.as_local(current.slot).isoformat() if current else None,
    }


def _progress_attributes(device: PatrolRouteDevice) -> dict[str, Any]:
    current = device.route.open_round
    name = device.checkpoint_name
    return {
        ATTR_TOTAL: len(device.config.checkpoints),
        ATTR_REMAINING: [name(point) for point in device.route.remaining],
        ATTR_OUT_OF_ORDER: [name(point) for point in current.out_of_order] if current else [],
    }


def _last_completed(device: PatrolRouteDevice) -> datetime | None:
    completed = [
        past.finished_at for past in device.route.history if past.result is RoundResult.COMPLETED
    ]
    return completed[-1] if completed else None


def _counter(result: RoundResult) -> Callable[[PatrolRouteDevice], int]:
    return lambda device: device.route.count_today(result, dt_util.utcnow())


@dataclass(frozen=True, kw_only=True)
class PatrolSensorDescription(SensorEntityDescription):
    """A sensor of a route: its value (and attributes) from the route."""

    value_fn: Callable[[PatrolRouteDevice], str | int | datetime | None]
    attributes_fn: Callable[[PatrolRouteDevice], dict[str, Any]] | None = None


PATROL_SENSORS: tuple[PatrolSensorDescription, ...] = (
    PatrolSensorDescription(
        key=STATUS_KEY,
        translation_key=STATUS_KEY,
        device_class=SensorDeviceClass.ENUM,
        options=[str(status) for status in RouteStatus],
        value_fn=lambda device: str(device.route.status),
        attributes_fn=_status_attributes,
    ),
    PatrolSensorDescription(
        key="next_round",
        translation_key="next_round",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda device: device.route.next_round,
    ),
    PatrolSensorDescription(
        key="progress",
        translation_key="progress",
        value_fn=lambda device: (
            len(device.route.open_round.visited) if device.route.open_round else 0
        ),
        attributes_fn=_progress_attributes,
    ),
    PatrolSensorDescription(
        key="last_completed",
        translation_key="last_completed",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_last_completed,
    ),
    *(
        PatrolSensorDescription(
            key=f"{result}_today",
            translation_key=f"{result}_today",
            # The count starts again from 0 at midnight, which statistics take as a reset.
            state_class=SensorStateClass.TOTAL_INCREASING,
            value_fn=_counter(result),
        )
        for result in (RoundResult.COMPLETED, RoundResult.MISSED)
    ),
)


class PatrolSensor(PatrolRouteEntity, SensorEntity):
    """A sensor of a patrol route, described by a PatrolSensorDescription."""

    entity_description: PatrolSensorDescription

    def __init__(self, device: PatrolRouteDevice, description: PatrolSensorDescription) -> None:
        """Initialise the sensor of a route that description describes."""
        super().__init__(device, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> str | int | datetime | None:
        """The sensor's value now."""
        return self.entity_description.value_fn(self.device)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The sensor's attributes, if it has any."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.device)


def _ble_diagnostics(device: BleDevice) -> list[Entity]:
    return [BleDiagnosticSensor(device, description) for description in BLE_DIAGNOSTICS]


def _compound_summaries(compound: Compound) -> list[Entity]:
    """Return the compound-level summaries of the roles its Bluetooth sensors have."""
    roles = {device.role for device in compound.devices.of_kind(BTHomeSensorDevice)}
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


ENTITY_BUILDERS: dict[type, EntityBuilder] = {
    IoModuleDevice: lambda module: [LinkLatencySensor(module), LinkFailuresSensor(module)],
    BarrierGate: lambda gate: [PassesTodaySensor(gate)] if gate.vehicle_loop is not None else [],
    AccessTerminal: lambda terminal: [
        TerminalSensor(terminal, description) for description in TERMINAL_SENSORS
    ],
    BTHomeSensorDevice: lambda device: [
        *(
            BTHomeSensor(device, description)
            for description in BTHOME_SENSORS
            if device.role in description.roles
        ),
        *_ble_diagnostics(device),
    ],
    BleThermometerDevice: lambda device: [
        *(ThermometerSensor(device, description) for description in THERMOMETER_SENSORS),
        *_ble_diagnostics(device),
    ],
    PatrolRouteDevice: lambda route: [
        PatrolSensor(route, description) for description in PATROL_SENSORS
    ],
}
"""How each device kind's entities of this platform are built from its runtime."""


ASSESSMENT_UNITS: Final = {"rounds": None, "%": PERCENTAGE, "min": UnitOfTime.MINUTES}


class AssessmentSensor(CompoundEntity, SensorEntity):
    """One of today's assessment indicators of the compound, with its standard and whether it is met."""

    _attr_state_class = SensorStateClass.MEASUREMENT
    _written: tuple[float | None, float, bool] | None = None

    def __init__(self, compound: Compound, source: AssessmentSource, indicator: Indicator) -> None:
        """Initialise the sensor of one indicator of source."""
        super().__init__(compound, f"assessment_{indicator}")
        self._attr_translation_key = f"assessment_{indicator}"
        self._attr_native_unit_of_measurement = ASSESSMENT_UNITS[INDICATORS[indicator].unit]
        self._source = source
        self._indicator = indicator

    async def async_added_to_hass(self) -> None:
        """Follow the recorder."""
        await super().async_added_to_hass()
        self._written = self._shown()
        self.async_on_remove(self._source.async_add_listener(self._handle_recorder_update))

    def _figure(self) -> Figure:
        return self._source.figure(self._indicator)

    def _shown(self) -> tuple[float | None, float, bool]:
        figure = self._figure()
        # NaN (no day counted) equals nothing, itself included: compare it as None.
        return (None if math.isnan(figure.value) else figure.value, figure.standard, figure.met)

    @callback
    def _handle_recorder_update(self) -> None:
        # The recorder tells every change of any indicator (an incident beginning at a manhole,
        # a pass): write only when this indicator's figure changed.
        if (shown := self._shown()) != self._written:
            self._written = shown
            self.async_write_ha_state()

    @property
    def native_value(self) -> float:
        """Today's value so far."""
        return self._figure().value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The value, the standard in force and whether today meets it so far."""
        figure = self._figure()
        return {ATTR_VALUE: figure.value, ATTR_STANDARD: figure.standard, ATTR_MET: figure.met}


def _compound_entities(compound: Compound) -> list[Entity]:
    """Return the compound's own sensors: its Bluetooth summaries and its assessment."""
    source = compound.assessment
    assessment = (
        []
        if source is None
        else [
            AssessmentSensor(compound, source, indicator)
            for indicator in assessed_indicators(compound.entry)
        ]
    )
    return [*_compound_summaries(compound), *assessment]


class DistrictTotalSensor(DistrictEntity, SensorEntity):
    """A roll-up of a zone's compounds (or all the district's): how many, and the sums of their counts."""

    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, district: District, zone: str | None, key: str) -> None:
        """Initialise the roll-up keyed by key (one of the model's totals) of a zone or the district."""
        super().__init__(district, zone, f"district_{key}")
        self._attr_translation_key = f"district_{key}"
        self._key = key

    @property
    def native_value(self) -> int:
        """The roll-up now."""
        return self.district.model.totals(self.zone)[self._key]


DIRECTIVE_RESULTS: Final = ("applied", "pending", "refused")


class DirectiveResultSensor(DistrictEntity, SensorEntity):
    """How many compounds of a zone (or all) applied, refused or have yet to report its standing directive."""

    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, district: District, zone: str | None, result: str) -> None:
        """Initialise the count of one result of the standing directive of a zone or of all."""
        super().__init__(district, zone, f"directive_{result}")
        self._attr_translation_key = f"directive_{result}"
        self._result = result

    @property
    def native_value(self) -> int:
        """How many compounds are at this result of the standing directive."""
        return self.district.model.directive_results(self.zone or TARGET_ALL)[self._result]

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The standing directive the count is of."""
        directive = self.district.model.standing.get(self.zone or TARGET_ALL)
        return {ATTR_DIRECTIVE: directive.directive_id if directive else None}


class RankedAssessmentSensor(DistrictEntity, SensorEntity):
    """The share of indicator-days met this month by a zone's or a property company's compounds, and its rank."""

    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_suggested_display_precision = 1
    follows_district = True

    def __init__(self, district: District, zone: str | None, company: str | None) -> None:
        """Initialise the ranked assessment of a zone, or of a company (on the district's device)."""
        key = company_key(company) if company else "assessment"
        super().__init__(district, zone, key)
        if company:
            self._attr_translation_key = "company_assessment"
            self._attr_translation_placeholders = {"company": company}
        else:
            self._attr_translation_key = "zone_assessment"
        self._by, self._key = ("company", company) if company else ("zone", zone)

    def _ranked(self) -> Ranked | None:
        ranking = self.district.model.ranking(self._by)
        return next((row for row in ranking if row.key == self._key), None)

    @property
    def native_value(self) -> float | None:
        """The share of indicator-days met this month, in percent."""
        return row.score if (row := self._ranked()) else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The rank among its peers, and how many compounds and indicators count."""
        row = self._ranked()
        return {
            "rank": row.rank if row else None,
            "of": len(self.district.model.ranking(self._by)),
            "compounds": row.compounds if row else 0,
            "indicators_met": row.indicators_met if row else 0,
            "indicators": row.indicators if row else 0,
        }


def _district_entities(district: District, zone: str | None) -> list[Entity]:
    """Return a zone's roll-ups (zone None: the district's totals)."""
    entities: list[Entity] = [DistrictTotalSensor(district, zone, key) for key in TOTALS]
    entities += [DirectiveResultSensor(district, zone, result) for result in DIRECTIVE_RESULTS]
    if zone:
        entities.append(RankedAssessmentSensor(district, zone, None))
    return entities


async_setup_entry = device_platform_setup(
    ENTITY_BUILDERS,
    _compound_entities,
    _district_entities,
    lambda district, company: [RankedAssessmentSensor(district, None, company)],
)
