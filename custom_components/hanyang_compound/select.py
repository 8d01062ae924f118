"""Select platform: the compound's mode."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.const import Platform
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import HanyangConfigEntry
from .compound import Compound
from .const import ATTR_REASON, MODE_KEY
from .entity import CompoundEntity, device_platform_setup
from .modes import CompoundMode

PARALLEL_UPDATES = 0

_async_setup_device_selects = device_platform_setup(Platform.SELECT)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HanyangConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the mode select of a compound, and its devices' selects."""
    async_add_entities([CompoundModeSelect(entry.runtime_data)])
    await _async_setup_device_selects(hass, entry, async_add_entities)


class CompoundModeSelect(CompoundEntity, SelectEntity):
    """The compound's operating mode; choosing an option enforces it on every device."""

    _attr_translation_key = MODE_KEY
    _attr_options = [str(mode) for mode in CompoundMode]

    def __init__(self, compound: Compound) -> None:
        """Initialise the mode select of compound."""
        super().__init__(compound, MODE_KEY)

    async def async_added_to_hass(self) -> None:
        """Follow mode changes from every command path, not only this entity."""
        self.async_on_remove(self.compound.async_add_listener(self._async_mode_changed))

    @callback
    def _async_mode_changed(self, context: Context | None) -> None:
        # The new state carries the requester's context, so the logbook names who changed it.
        if context is not None:
            self.async_set_context(context)
        self.async_write_ha_state()

    @property
    def current_option(self) -> str:
        """The mode the compound is in."""
        return str(self.compound.mode)

    @property
    def extra_state_attributes(self) -> dict[str, str | None]:
        """Why the compound is in this mode."""
        return {ATTR_REASON: self.compound.mode_reason}

    async def async_select_option(self, option: str) -> None:
        """Switch the compound to the chosen mode."""
        await self.compound.async_set_mode(CompoundMode(option), context=self._context)
