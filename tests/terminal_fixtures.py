"""Fixtures and helpers of the access terminal tests that run Home Assistant.

Test modules import the fixtures they use (east_terminal is the fixture east, and so on);
fast_links applies to every test of a module that imports it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound import terminal as terminal_module
from custom_components.hanyang_compound.const import DOMAIN
from custom_components.hanyang_compound.terminal import AccessTerminal
from simulator.devices.access_terminal import AccessTerminal as SimulatedTerminal
from tests.terminal_sim import FAST, start_terminal, terminal_input, wait_until

SUBENTRY_TYPE = "access_terminal"
HISTORY = 20
"""Records the east terminal holds before a test: its past, never shown."""


@pytest.fixture(autouse=True)
def fast_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make terminal links as patient as the simulated terminals need, no more."""
    monkeypatch.setattr(terminal_module, "TIMING", FAST)


@pytest.fixture(name="east")
async def east_terminal() -> AsyncGenerator[SimulatedTerminal]:
    """The simulated terminal of the east pedestrian gate, with some history."""
    terminal = await start_terminal(device_id="east", serial="DS-EAST-0001", history=HISTORY)
    yield terminal
    await terminal.async_stop()


@pytest.fixture(name="north")
async def north_terminal() -> AsyncGenerator[SimulatedTerminal]:
    """The simulated terminal of the north pedestrian gate."""
    terminal = await start_terminal(device_id="north", serial="DS-NORTH-0002")
    yield terminal
    await terminal.async_stop()


async def add_terminal(
    hass: HomeAssistant, entry: MockConfigEntry, sim: SimulatedTerminal, **changes: Any
) -> AccessTerminal:
    """Add a terminal through the subentry flow and wait until its stream is read."""
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (entry.entry_id, SUBENTRY_TYPE), context={"source": SOURCE_USER}
    )
    result = await flows.async_configure(result["flow_id"], terminal_input(sim, **changes))
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return await running_terminal(hass, entry, sim)


async def running_terminal(
    hass: HomeAssistant, entry: MockConfigEntry, sim: SimulatedTerminal
) -> AccessTerminal:
    """Return the integration's terminal for a simulated one, once its stream is being read."""
    subentry_id = next(
        s.subentry_id for s in entry.subentries.values() if s.data["serial_number"] == sim.serial
    )
    await wait_until(lambda: subentry_id in getattr(entry, "runtime_data").devices)  # noqa: B009
    device = entry.runtime_data.devices[subentry_id]
    assert isinstance(device, AccessTerminal)
    await streaming(device)
    return device


async def streaming(device: AccessTerminal) -> None:
    """Wait until the terminal's stream is read (the backfill after connecting is done)."""
    await wait_until(
        lambda: device.monitor is not None and device.monitor.stats.last_heartbeat is not None
    )


def entity_id(hass: HomeAssistant, device: AccessTerminal, platform: Platform, key: str) -> str:
    """Return the entity id of one of the terminal's entities."""
    unique_id = f"{device.compound.entry.entry_id}_{device.subentry.subentry_id}_{key}"
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found, unique_id
    return found
