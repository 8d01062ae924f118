"""A sensor a compound has is offered by Bluetooth discovery no more, whichever way it was added."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, UnknownFlow
import pytest

from custom_components.hanyang_compound.const import (
    CONF_LOCATION,
    CONF_ROLE,
    DOMAIN,
    SUBENTRY_BTHOME_SENSOR,
)
from simulator.devices.bthome_encoding import encode_service_data

from .conftest import make_compound_entry
from .test_ble import MANHOLE, SHED, advertisement, inject

pytestmark = pytest.mark.usefixtures("enable_bluetooth")


def _offered(hass: HomeAssistant) -> list[str]:
    """Return the addresses discovery offers under Discovered, as the integration page lists them."""
    return sorted(
        flow["context"]["unique_id"].removeprefix("bluetooth ")
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    )


async def _hear_manhole_and_shed(hass: HomeAssistant) -> None:
    inject(hass, advertisement(MANHOLE, encode_service_data({"opening": 0}, address=MANHOLE)))
    inject(hass, advertisement(SHED, encode_service_data({"temperature": 30}, address=SHED)))
    await hass.async_block_till_done(wait_background_tasks=True)


async def _loaded_compound(hass: HomeAssistant, name: str = "Longdengli") -> str:
    entry = make_compound_entry(name)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry.entry_id


async def _add_through_the_compound(hass: HomeAssistant, entry_id: str) -> None:
    result = await hass.config_entries.subentries.async_init(
        (entry_id, SUBENTRY_BTHOME_SENSOR), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {"address": MANHOLE, CONF_ROLE: "manhole", CONF_LOCATION: "Manhole 3"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_adding_a_sensor_through_the_compound_ends_its_discovery(
    hass: HomeAssistant,
) -> None:
    entry_id = await _loaded_compound(hass)
    await _hear_manhole_and_shed(hass)
    assert _offered(hass) == [MANHOLE, SHED]

    await _add_through_the_compound(hass, entry_id)

    assert _offered(hass) == [SHED]


async def test_a_sensor_heard_before_the_compound_had_it_is_not_offered_after_a_restart(
    hass: HomeAssistant,
) -> None:
    # As on a fresh demo: sensors are heard, then provisioning adds two of them.
    await _hear_manhole_and_shed(hass)
    entry_id = await _loaded_compound(hass)
    assert _offered(hass) == [MANHOLE, SHED]
    await _add_through_the_compound(hass, entry_id)

    assert await hass.config_entries.async_reload(entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _offered(hass) == [SHED]


async def test_confirming_a_discovery_leaves_no_offer_of_the_sensor(hass: HomeAssistant) -> None:
    entry_id = await _loaded_compound(hass)
    await _hear_manhole_and_shed(hass)
    (flow,) = (
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["unique_id"] == f"bluetooth {MANHOLE}"
    )
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {"compound": entry_id, CONF_ROLE: "manhole", CONF_LOCATION: "Manhole 3"},
    )
    assert result["reason"] == "device_added"
    await hass.async_block_till_done(wait_background_tasks=True)

    inject(hass, advertisement(MANHOLE, encode_service_data({"opening": 1}, address=MANHOLE)))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _offered(hass) == [SHED]


async def test_an_open_discovery_of_a_sensor_added_meanwhile_is_ended(hass: HomeAssistant) -> None:
    longdengli = await _loaded_compound(hass)
    qintai = await _loaded_compound(hass, "Qintai")
    await _hear_manhole_and_shed(hass)
    (flow,) = (
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["unique_id"] == f"bluetooth {MANHOLE}"
    )
    await _add_through_the_compound(hass, longdengli)

    with pytest.raises(UnknownFlow):
        await hass.config_entries.flow.async_configure(
            flow["flow_id"],
            {"compound": qintai, CONF_ROLE: "manhole", CONF_LOCATION: "Manhole 3"},
        )
