"""Select platform: the compound's mode, and a district's mode of each zone."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.core import Context, callback
from homeassistant.helpers.entity import Entity

from .compound import Compound
from .const import ATTR_DIRECTIVE, ATTR_ISSUER, ATTR_REASON, MODE_KEY
from .district_role import District
from .entity import CompoundEntity, DistrictEntity, EntityBuilder, device_platform_setup
from .modes import CompoundMode

PARALLEL_UPDATES = 0


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


class ZoneModeSelect(DistrictEntity, SelectEntity):
    """A zone's mode: what its compounds report; choosing one issues the zone's directive."""

    _attr_translation_key = "zone_mode"
    _attr_options = [str(mode) for mode in CompoundMode]

    def __init__(self, district: District, zone: str) -> None:
        """Initialise the mode select of a zone of the district."""
        super().__init__(district, zone, "zone_mode")
        self._zone = zone

    @property
    def current_option(self) -> str | None:
        """The mode all the zone's compounds report; unknown while they differ."""
        mode = self.district.model.zone_mode(self._zone)
        return str(mode) if mode else None

    @property
    def extra_state_attributes(self) -> dict[str, object]:
        """How many compounds report each mode, and the zone's standing directive."""
        directive = self.district.model.standing.get(self._zone)
        return {
            "compounds_by_mode": self.district.model.modes(self._zone),
            ATTR_DIRECTIVE: directive.directive_id if directive else None,
            "directive_mode": str(directive.mode) if directive else None,
            ATTR_ISSUER: directive.issuer if directive else None,
            ATTR_REASON: directive.reason if directive else None,
        }

    async def async_select_option(self, option: str) -> None:
        """Issue the zone's directive: every compound of the zone is to be in this mode."""
        await self.district.async_issue(self._zone, CompoundMode(option), None, self._context)


def _district_entities(district: District, zone: str | None) -> list[Entity]:
    return [ZoneModeSelect(district, zone)] if zone else []


ENTITY_BUILDERS: dict[type, EntityBuilder] = {}
"""How each device kind's entities of this platform are built from its runtime."""

async_setup_entry = device_platform_setup(
    ENTITY_BUILDERS, lambda compound: [CompoundModeSelect(compound)], _district_entities
)
