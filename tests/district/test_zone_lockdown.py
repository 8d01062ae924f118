"""A zone lockdown from the district shuts the compound's gates, and the district sees it applied."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.devices.io_module import Gateway
from tests.iomodule import conftest as wiring
from tests.iomodule.conftest import wait_for_state, wired_compound

from .broker import Watcher, wait_until
from .conftest import BASE, DISTRICT, TOPIC_ZONE, directive
from .test_directives import result_of

NORTH_GATE = "cover.north_gate"
north_gateway = wiring.gateway
"""The gate tests' simulated gateway, as the fixture north_gateway."""


@pytest.fixture
async def wired(
    hass: HomeAssistant, mqtt_ready: MockConfigEntry, north_gateway: Gateway
) -> AsyncGenerator[MockConfigEntry]:
    """The compound with its north gate on a simulated module, linked to the district."""
    entry = wired_compound(north_gateway.port)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={"district_link": True, "district": DISTRICT}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_zone_lockdown_shuts_the_gate_and_is_reported_applied(
    hass: HomeAssistant, wired: MockConfigEntry, watcher: Watcher
) -> None:
    await hass.services.async_call("cover", "open_cover", {"entity_id": NORTH_GATE}, blocking=True)
    await wait_for_state(hass, NORTH_GATE, "open")

    watcher.publish(TOPIC_ZONE, directive("d-1", "qingchuan", "lockdown"))

    await wait_until(lambda: result_of(watcher, "d-1") == "applied")
    await wait_for_state(hass, NORTH_GATE, "closed")
    await wait_until(
        lambda: (
            watcher.json(f"{BASE}/state")["entrances"]["gate1"]
            == {"state": "closed", "fault": False}
        ),
        within=15,
    )
    config = watcher.json(f"homeassistant/device/hanyang_{DISTRICT}_qingchuan_longdengli/config")
    assert config["cmps"]["entrance_gate1"]["name"] == "North gate"
