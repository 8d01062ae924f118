"""Entities of barrier gates: the arm as a cover, its fault and vehicle sensors, the daily pass count."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.components.cover import (
    ATTR_POSITION,
    CoverDeviceClass,
    CoverEntity,
    CoverEntityFeature,
)
from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.core import callback
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .devices.iomodule.barrier import BarrierState
from .iomodule import ModuleEntity
from .modes import EntranceAction

if TYPE_CHECKING:
    from .barrier import BarrierGate


class GateEntity(ModuleEntity):
    """An entity of a barrier gate."""

    def __init__(self, gate: BarrierGate, key: str) -> None:
        """Attach the entity to the gate's device and its module's poller."""
        super().__init__(
            gate.compound, gate.subentry, key, gate.device_info, gate.module.coordinator
        )
        self.gate = gate


class GateCover(GateEntity, CoverEntity):
    """The gate's arm; every command goes through the compound, which checks the mode."""

    _attr_name = None
    _attr_device_class = CoverDeviceClass.GATE

    def __init__(self, gate: BarrierGate) -> None:
        """Describe the gate's arm."""
        super().__init__(gate, "gate")
        # A position is how Assist's "set the gate to 100 %" arrives: above 0 opens, 0 closes.
        self._attr_supported_features = (
            CoverEntityFeature.OPEN | CoverEntityFeature.CLOSE | CoverEntityFeature.SET_POSITION
        )
        if gate.machine.has_stop:
            self._attr_supported_features |= CoverEntityFeature.STOP

    @property
    def is_closed(self) -> bool | None:
        """Whether the arm is down; unknown in fault."""
        state = self.gate.machine.state
        if state is None or state is BarrierState.FAULT:
            return None
        return state is BarrierState.CLOSED

    @property
    def current_cover_position(self) -> int | None:
        """100 when the arm is up, 0 when it is down, unknown while it moves or is in fault."""
        state = self.gate.machine.state
        if state is BarrierState.OPEN:
            return 100
        return 0 if state is BarrierState.CLOSED else None

    @property
    def is_opening(self) -> bool:
        """Whether the arm is rising."""
        return self.gate.machine.state is BarrierState.OPENING

    @property
    def is_closing(self) -> bool:
        """Whether the arm is lowering."""
        return self.gate.machine.state is BarrierState.CLOSING

    async def _async_command(self, action: EntranceAction) -> None:
        await self.compound.async_command_entrance(self.gate, action, context=self._context)

    async def async_open_cover(self, **kwargs: Any) -> None:
        """Open the gate, if the compound's mode allows it."""
        await self._async_command(EntranceAction.OPEN)

    async def async_close_cover(self, **kwargs: Any) -> None:
        """Close the gate once the loop is clear, if the compound's mode allows it."""
        await self._async_command(EntranceAction.CLOSE)

    async def async_stop_cover(self, **kwargs: Any) -> None:
        """Stop the arm, if the compound's mode allows it."""
        await self._async_command(EntranceAction.STOP)

    async def async_set_cover_position(self, **kwargs: Any) -> None:
        """Open the gate for any position above 0, close it for 0, if the mode allows it."""
        position = int(kwargs[ATTR_POSITION])
        await self._async_command(EntranceAction.OPEN if position > 0 else EntranceAction.CLOSE)


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
        return self.gate.machine.state is BarrierState.FAULT

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Why the gate is in fault."""
        fault = self.gate.machine.fault
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
        return self.gate.machine.vehicle_present


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
        """Continue today's count after a restart."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is not None and last.state.isdigit() and last.last_updated >= self._day_start:
            self._count = int(last.state)

    @property
    def last_reset(self) -> datetime:
        """Local midnight: the count starts afresh every day."""
        return self._day_start

    @property
    def native_value(self) -> int:
        """Passes today."""
        return self._count

    @callback
    def _handle_coordinator_update(self) -> None:
        if (day_start := dt_util.start_of_local_day()) != self._day_start:
            self._day_start, self._count = day_start, 0
        self._count += self.gate.machine.passes - self._counted_passes
        self._counted_passes = self.gate.machine.passes
        super()._handle_coordinator_update()
