"""Actions of the integration: every one resolves its compound and enters through the Compound."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
import voluptuous as vol

from . import shed
from .const import (
    ATTR_COMPOUND,
    ATTR_MODE,
    ATTR_PIN,
    ATTR_REASON,
    ATTR_VOICE,
    DOMAIN,
    PIN_MAX_LENGTH,
    REASON_MAX_LENGTH,
)
from .interfaces import Entrance
from .modes import CompoundMode, EntranceAction

if TYPE_CHECKING:
    from .compound import Compound

SERVICE_SET_MODE = "set_mode"
SERVICE_CUT_SHED_POWER = "cut_shed_power"
SERVICE_OVERRIDE_GATE = "override_gate"

SET_MODE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_COMPOUND): cv.string,
        # Checked in the handler rather than by vol.In, so an unknown mode gets a translated message.
        vol.Required(ATTR_MODE): cv.string,
        vol.Optional(ATTR_REASON): vol.All(cv.string, vol.Length(max=REASON_MAX_LENGTH)),
        # A request someone spoke (a voice blueprint's sentence): voice rules apply, and the PIN said.
        vol.Optional(ATTR_VOICE, default=False): cv.boolean,
        vol.Optional(ATTR_PIN): vol.All(cv.string, vol.Length(max=PIN_MAX_LENGTH)),
    }
)

CUT_SHED_POWER_SCHEMA = vol.Schema({vol.Required(ATTR_COMPOUND): cv.string})


OVERRIDE_GATE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_ENTITY_ID): cv.entity_id,
        vol.Required(ATTR_REASON): vol.All(cv.string, vol.Length(min=1, max=REASON_MAX_LENGTH)),
    }
)


@callback
def async_resolve_entrance(hass: HomeAssistant, entity_id: str) -> tuple[Compound, Entrance]:
    """Return the compound and the entrance (gate or terminal door) that an entity belongs to."""
    entity = er.async_get(hass).async_get(entity_id)
    compound = async_resolve_compound(hass, entity_id)
    device: object = compound.devices.get(entity.config_subentry_id or "") if entity else None
    if not isinstance(device, Entrance):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_an_entrance",
            translation_placeholders={"reference": entity_id},
        )
    return compound, device


@callback
def async_resolve_compound(hass: HomeAssistant, reference: str) -> Compound:
    """Return the compound that a config entry id, a device id or an entity id refers to."""
    entry_id: str | None = None
    if (entry := hass.config_entries.async_get_entry(reference)) is not None:
        entry_id = entry.entry_id if entry.domain == DOMAIN else None
    elif (device := dr.async_get(hass).async_get(reference)) is not None:
        # Any device of a compound counts, its own or that of a gate, terminal or route in it.
        entry_id = next(
            (
                entry_id
                for entry_id in device.config_entries
                if (entry := hass.config_entries.async_get_entry(entry_id))
                and entry.domain == DOMAIN
            ),
            None,
        )
    elif (entity := er.async_get(hass).async_get(reference)) is not None:
        entry_id = entity.config_entry_id if entity.platform == DOMAIN else None
    else:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_compound",
            translation_placeholders={"reference": reference},
        )
    compound_entry = hass.config_entries.async_get_entry(entry_id) if entry_id else None
    if compound_entry is None or compound_entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_compound",
            translation_placeholders={"reference": reference},
        )
    if compound_entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="compound_not_loaded",
            translation_placeholders={"compound": compound_entry.title},
        )
    compound: Compound = compound_entry.runtime_data
    return compound


def parse_mode(value: str) -> CompoundMode:
    """Return the mode named value, or raise a translated error listing the valid ones."""
    try:
        return CompoundMode(value)
    except ValueError:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_mode",
            translation_placeholders={
                "mode": value,
                "modes": ", ".join(str(mode) for mode in CompoundMode),
            },
        ) from None


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""

    async def async_set_mode(call: ServiceCall) -> None:
        compound = async_resolve_compound(hass, call.data[ATTR_COMPOUND])
        await compound.async_set_mode(
            parse_mode(call.data[ATTR_MODE]),
            context=call.context,
            reason=call.data.get(ATTR_REASON),
            voice=call.data[ATTR_VOICE],
            pin=call.data.get(ATTR_PIN) or None,
        )

    async def async_override_gate(call: ServiceCall) -> None:
        compound, entrance = async_resolve_entrance(hass, call.data[ATTR_ENTITY_ID])
        await compound.async_command_entrance(
            entrance,
            EntranceAction.OPEN,
            context=call.context,
            override_reason=call.data[ATTR_REASON],
        )

    hass.services.async_register(DOMAIN, SERVICE_SET_MODE, async_set_mode, schema=SET_MODE_SCHEMA)
    # Who may override (administrators and automations) is decided by the compound, as for modes.
    hass.services.async_register(
        DOMAIN, SERVICE_OVERRIDE_GATE, async_override_gate, schema=OVERRIDE_GATE_SCHEMA
    )

    async def async_cut_shed_power(call: ServiceCall) -> None:
        await shed.async_cut_shed_power(async_resolve_compound(hass, call.data[ATTR_COMPOUND]))

    hass.services.async_register(
        DOMAIN, SERVICE_CUT_SHED_POWER, async_cut_shed_power, schema=CUT_SHED_POWER_SCHEMA
    )
