"""The compound's summary and discovery config as the district's broker sees them."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .broker import Watcher, wait_until
from .conftest import BASE, HA_STATUS

DISCOVERY = "homeassistant/device/hanyang_hanyang_qingchuan_longdengli/config"


async def test_a_linked_compound_publishes_its_summary_and_discovery_retained(
    hass: HomeAssistant, linked: MockConfigEntry, watcher: Watcher
) -> None:
    await wait_until(lambda: DISCOVERY in watcher.messages)
    assert watcher.messages[f"{BASE}/availability"] == b"online"
    state = watcher.json(f"{BASE}/state")
    assert state["mode"] == "normal"
    config = watcher.json(DISCOVERY)
    assert config["dev"]["sa"] == "Qingchuan"
    assert config["avty_mode"] == "all"
    assert [a["t"] for a in config["avty"]] == [HA_STATUS, f"{BASE}/availability"]
