"""The Hanyang Compound integration: a residential compound's gates, terminals and sensors in Home Assistant."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .assessment_store import AssessmentRecorder, assessment_store
from .blueprints import async_install_blueprints
from .bthome_sensor import BTHomeSensorDevice
from .compound import Compound
from .const import (
    CONF_DISTRICT_LINK,
    DOMAIN,
    SUBENTRY_ACCESS_TERMINAL,
    SUBENTRY_BARRIER_GATE,
    SUBENTRY_BLE_THERMOMETER,
    SUBENTRY_BTHOME_SENSOR,
    SUBENTRY_IO_MODULE,
    SUBENTRY_PATROL_ROUTE,
    SUBENTRY_SHED_LIGHT,
    SUBENTRY_SHED_SOCKET,
    is_district_data,
)
from .dashboard import async_setup_dashboard
from .device_set import DeviceFactory
from .district_link import DistrictLink
from .district_role import District
from .district_services import async_setup_district_services
from .entity import compound_device_info, district_device_info
from .flows.ble import async_offer_unowned_devices
from .gate import barrier_gate_factory
from .iomodule import IoModuleDevice
from .notification_actions import async_setup_notification_actions
from .patrol_route import PatrolRouteDevice, async_remove_route_stores
from .repairs import DeviceAvailabilityWatcher, async_check_fever_threshold
from .report_files import async_register_report_view
from .services import async_setup_services
from .shed import shed_output_factory
from .terminal import AccessTerminal
from .thermometer import BleThermometerDevice

type HanyangConfigEntry = ConfigEntry[Compound]

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.COVER,
    Platform.EVENT,
    Platform.LIGHT,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

DISTRICT_PLATFORMS: list[Platform] = [Platform.SELECT, Platform.SENSOR]
"""A district's entities: each zone's mode select and its roll-ups, the district's totals."""

DEVICE_FACTORIES: dict[str, DeviceFactory[Compound]] = {
    SUBENTRY_IO_MODULE: IoModuleDevice,
    SUBENTRY_BARRIER_GATE: barrier_gate_factory,
    SUBENTRY_SHED_LIGHT: shed_output_factory,
    SUBENTRY_SHED_SOCKET: shed_output_factory,
    SUBENTRY_ACCESS_TERMINAL: AccessTerminal,
    SUBENTRY_PATROL_ROUTE: PatrolRouteDevice,
    SUBENTRY_BLE_THERMOMETER: BleThermometerDevice,
    SUBENTRY_BTHOME_SENSOR: BTHomeSensorDevice,
}
"""How each kind of subentry becomes a device, in start order (a gate after its I/O module)."""

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, the report view and the dashboard, and install the blueprints, once for all."""
    async_setup_services(hass)
    async_register_report_view(hass)
    await async_setup_dashboard(hass)
    async_setup_district_services(hass)
    async_setup_notification_actions(hass)
    await async_install_blueprints(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: HanyangConfigEntry) -> bool:
    """Set up a compound: restore its mode, register its device and start its platforms.

    A district's entry sets up its view of the compounds instead.
    """
    if is_district_data(entry.data):
        return await _async_setup_district(hass, entry)
    compound = Compound(hass, entry)
    await compound.async_load()
    entry.runtime_data = compound

    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **compound_device_info(compound)
    )
    entry.async_on_unload(compound.devices.async_stop)
    # Before the devices: a patrol route reports on resuming what it missed while Home Assistant was down.
    assessment = AssessmentRecorder(hass, compound)
    await assessment.async_start()
    entry.async_on_unload(assessment.async_stop)
    compound.assessment = assessment
    try:
        await compound.devices.async_start(DEVICE_FACTORIES)
        assessment.async_follow_devices()
        await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    except BaseException:
        # Nothing started half-way may keep polling a compound that did not load.
        await compound.devices.async_stop()
        raise
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_change))
    async_check_fever_threshold(hass, compound)
    availability = DeviceAvailabilityWatcher(hass, compound)
    availability.async_start()
    entry.async_on_unload(availability.async_stop)
    async_offer_unowned_devices(hass)
    if entry.options.get(CONF_DISTRICT_LINK):
        link = DistrictLink(hass, compound)
        entry.async_on_unload(link.async_stop)
        link.start()
    return True


async def _async_setup_district(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    district = District(hass, entry)
    entry.runtime_data = district
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **district_device_info(district)
    )
    await hass.config_entries.async_forward_entry_setups(entry, DISTRICT_PLATFORMS)
    entry.async_on_unload(district.async_stop)
    district.start()
    return True


async def _async_reload_on_change(hass: HomeAssistant, entry: HanyangConfigEntry) -> None:
    # Options and subentries decide which devices exist and how they behave: rebuild from them.
    hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: HanyangConfigEntry) -> bool:
    """Stop a compound's platforms and devices (a district's platforms)."""
    platforms = DISTRICT_PLATFORMS if is_district_data(entry.data) else PLATFORMS
    return await hass.config_entries.async_unload_platforms(entry, platforms)


async def async_remove_entry(hass: HomeAssistant, entry: HanyangConfigEntry) -> None:
    """Forget a deleted compound's persisted mode, patrol rounds, assessment and district directives."""
    if is_district_data(entry.data):
        return  # a district keeps nothing: what stands is retained on the broker
    await Compound(hass, entry).async_remove_storage()
    await DistrictLink.async_remove_storage(hass, entry.entry_id)
    await async_remove_route_stores(hass, entry)
    await assessment_store(hass, entry.entry_id).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ConfigEntry[Any], device: dr.DeviceEntry
) -> bool:
    """Let a user delete a district's zone that none of its compounds is in any more.

    A compound's devices go with their subentries and the compound's own device with the entry.
    """
    if not is_district_data(entry.data):
        return False
    district: District = entry.runtime_data
    return district.may_remove_device(device)
