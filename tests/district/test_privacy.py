"""Only summaries reach the district: no resident's name, number, face or temperature, ever."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import CONF_SHARE_RESIDENT_IDENTITY
from simulator.devices.access_terminal import RESIDENTS, AccessTerminal as SimulatedTerminal
from tests.terminal_fixtures import add_terminal, east_terminal, fast_links  # noqa: F401 - fixtures

from .broker import Watcher, wait_until
from .conftest import BASE, linked_entry


@pytest.fixture
async def sharing_identities(hass: HomeAssistant, mqtt_ready: MockConfigEntry) -> MockConfigEntry:
    """A linked compound whose entities may show residents' names and numbers."""
    entry = linked_entry()
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_SHARE_RESIDENT_IDENTITY: True}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_no_resident_name_number_or_temperature_is_published(
    hass: HomeAssistant,
    sharing_identities: MockConfigEntry,
    east: SimulatedTerminal,
    watcher: Watcher,
) -> None:
    device = await add_terminal(hass, sharing_identities, east)
    await east.async_command("pass", {"name": "王芳", "employee_no": "1002", "temperature": 38.7})
    await east.async_command("pass", {"name": "张伟", "employee_no": "1001", "temperature": 36.5})
    await wait_until(lambda: device.counts.fever == 1 and device.counts.passes >= 1)
    await wait_until(
        lambda: (
            f"{BASE}/state" in watcher.messages
            and watcher.json(f"{BASE}/state")["fever_today"] == 1
        ),
        within=15,
    )
    state = watcher.json(f"{BASE}/state")
    assert state["passes_today"] >= 1
    # The assessment goes too: indicators only, none of the report's details (who, which round, when).
    await wait_until(lambda: f"{BASE}/assessment" in watcher.messages)
    assessment = watcher.json(f"{BASE}/assessment")
    assert set(assessment) == {
        "property_company",
        "service_tier",
        "month",
        "day",
        "month_score",
        "today",
        "month_so_far",
    }
    for figures in (assessment["today"], assessment["month_so_far"]):
        assert set(figures) == {"alert_acknowledgement", "entrance_availability"}
        for figure in figures.values():
            assert set(figure) == {"value", "standard", "met", "days_met", "days_counted"}
    assert list(state["entrances"].values()) == [{"state": "free", "fault": False}]

    published = b"\n".join(payload for _topic, payload in watcher.history).decode()
    assert not [name for name in RESIDENTS if name in published]
    assert "1002" not in published
    assert "1001" not in published
    assert "38.7" not in published
    assert "36.5" not in published
    assert str(east.port) not in published
    assert "jpeg" not in published.lower()
