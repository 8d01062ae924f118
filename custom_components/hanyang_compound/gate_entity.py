"""Base entity of a barrier gate: told by the gate when a poll changed what it shows, not at every poll."""

from __future__ import annotations

from homeassistant.core import callback

from .entity import PolledDeviceEntity
from .gate import BarrierGate


class GateEntity(PolledDeviceEntity):
    """An entity of a barrier gate; unavailable while the gate's module cannot be read.

    The gate hears every poll of its module and tells its entities only of the polls that
    changed the arm, its fault, the loop, the passes or the module's availability: most polls
    change nothing, and four entities per gate looking at each of them was a large part of
    the integration's own cost per poll. Each entity still writes only what it shows changed.
    """

    def __init__(self, gate: BarrierGate, key: str) -> None:
        """Attach the entity to the gate's device."""
        super().__init__(gate.compound, gate.subentry, key, gate.device_info)
        self.device = gate

    @property
    def available(self) -> bool:
        """Whether the last poll of the gate's module succeeded."""
        return self.device.available

    async def async_added_to_hass(self) -> None:
        """Follow the gate's changes."""
        await super().async_added_to_hass()
        self.async_on_remove(self.device.async_add_listener(self._handle_gate_update))

    async def async_update(self) -> None:
        """Read the module again: what the update_entity action does to a module-fed entity."""
        if self.enabled:
            await self.device.coordinator.async_request_refresh()

    @callback
    def _handle_gate_update(self) -> None:
        if self._shows_something_new():
            self.async_write_ha_state()
