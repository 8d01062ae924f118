"""Cover platform: the arms of the compound's barrier gates."""

from __future__ import annotations

from typing import Any

from homeassistant.components.cover import (
    ATTR_POSITION,
    CoverDeviceClass,
    CoverEntity,
    CoverEntityFeature,
)

from .devices.iomodule.barrier import BarrierState
from .entity import EntityBuilder, device_platform_setup
from .gate import BarrierGate
from .gate_entity import GateEntity
from .modes import EntranceAction

PARALLEL_UPDATES = 0


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
        state = self.device.machine.state
        if state is None or state is BarrierState.FAULT:
            return None
        return state is BarrierState.CLOSED

    @property
    def current_cover_position(self) -> int | None:
        """100 when the arm is up, 0 when it is down, unknown while it moves or is in fault."""
        state = self.device.machine.state
        if state is BarrierState.OPEN:
            return 100
        return 0 if state is BarrierState.CLOSED else None

    @property
    def is_opening(self) -> bool:
        """Whether the arm is rising."""
        return self.device.machine.state is BarrierState.OPENING

    @property
    def is_closing(self) -> bool:
        """Whether the arm is lowering."""
        return self.device.machine.state is BarrierState.CLOSING

    async def _async_command(self, action: EntranceAction) -> None:
        await self.compound.async_command_entrance(self.device, action, context=self._context)

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


ENTITY_BUILDERS: dict[type, EntityBuilder] = {BarrierGate: lambda gate: [GateCover(gate)]}
"""How each device kind's entities of this platform are built from its runtime."""

async_setup_entry = device_platform_setup(ENTITY_BUILDERS)
