"""Finding a compound, one of its devices or an entrance across every compound of this Home Assistant."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .compound import Compound
from .const import DOMAIN, is_district_data
from .device_links import device_owners
from .errors import request_error
from .interfaces import Entrance
from .patrol_route import PatrolRouteDevice


@callback
def loaded_compounds(hass: HomeAssistant) -> list[Compound]:
    """Return the compounds that are running, in the order they were added."""
    return [
        entry.runtime_data
        for entry in hass.config_entries.async_loaded_entries(DOMAIN)
        if not is_district_data(entry.data)
    ]


@callback
def find_device[DeviceT](
    hass: HomeAssistant, kind: type[DeviceT], subentry_id: str
) -> DeviceT | None:
    """Return the running device of a kind with this subentry id, in whichever compound it is."""
    for compound in loaded_compounds(hass):
        if isinstance(device := compound.devices.get(subentry_id), kind):
            return device
    return None


@callback
def async_resolve_entrance(hass: HomeAssistant, entity_id: str) -> tuple[Compound, Entrance]:
    """Return the compound and the entrance (gate or terminal door) that an entity belongs to."""
    entity = er.async_get(hass).async_get(entity_id)
    compound = async_resolve_compound(hass, entity_id)
    device: object = compound.devices.get(entity.config_subentry_id or "") if entity else None
    if not isinstance(device, Entrance):
        raise request_error("not_an_entrance", reference=entity_id)
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
                owner
                for owner in device_owners(device)
                if (owning := hass.config_entries.async_get_entry(owner))
                and owning.domain == DOMAIN
            ),
            None,
        )
    elif (entity := er.async_get(hass).async_get(reference)) is not None:
        entry_id = entity.config_entry_id if entity.platform == DOMAIN else None
    else:
        raise request_error("unknown_compound", reference=reference)
    compound_entry = hass.config_entries.async_get_entry(entry_id) if entry_id else None
    if (
        compound_entry is None
        or compound_entry.domain != DOMAIN
        or is_district_data(compound_entry.data)
    ):
        raise request_error("not_a_compound", reference=reference)
    if compound_entry.state is not ConfigEntryState.LOADED:
        raise request_error("compound_not_loaded", compound=compound_entry.title)
    compound: Compound = compound_entry.runtime_data
    return compound


@callback
def async_resolve_route(hass: HomeAssistant, reference: str) -> PatrolRouteDevice:
    """Return the running route that a device id or one of its entity ids refers to."""
    subentry_id: str | None = None
    if device := dr.async_get(hass).async_get(reference):
        subentry_id = next(
            (
                subentry
                for entry_id, subentries in device_owners(device).items()
                if (entry := hass.config_entries.async_get_entry(entry_id))
                and entry.domain == DOMAIN
                for subentry in subentries
                if subentry is not None
            ),
            None,
        )
    elif entity := er.async_get(hass).async_get(reference):
        subentry_id = entity.config_subentry_id
    if subentry_id and (route := find_device(hass, PatrolRouteDevice, subentry_id)):
        return route
    raise request_error("unknown_route", reference=reference)
