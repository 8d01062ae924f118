"""Tests that a device whose stored settings were corrupted is left out, never the compound."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import DOMAIN
from custom_components.hanyang_compound.modes import CompoundMode
from simulator.devices.io_module import Gateway
from tests.conftest import make_compound_entry

from .conftest import NORTH_GATE, gate_data, module_data, subentry, wait_for_state

ISSUE = "device_settings_invalid_module2"


@pytest.fixture
async def corrupted(
    hass: HomeAssistant, gateway: Gateway, request: pytest.FixtureRequest
) -> AsyncGenerator[MockConfigEntry]:
    """The compound with the north gate's module and gate, and a second module changed by hand."""
    spare = {key: value for key, value in module_data(gateway.port, 2).items() if key != "port"}
    spare |= request.param
    entry = make_compound_entry(
        subentries_data=(
            subentry("module1", "io_module", "North gate I/O module", module_data(gateway.port)),
            subentry("gate1", "barrier_gate", "North gate", gate_data()),
            subentry("module2", "io_module", "Spare module", spare),
        )
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


CORRUPTIONS = [{}, {"port": "five hundred"}, {"port": None}, {"port": [502]}]


@pytest.mark.parametrize("corrupted", CORRUPTIONS, indirect=True)
async def test_a_corrupted_device_leaves_the_compound_running_and_able_to_evacuate(
    hass: HomeAssistant, corrupted: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    assert corrupted.state is ConfigEntryState.LOADED
    assert "module2" not in corrupted.runtime_data.devices
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {"device": "Spare module", "compound": "Longdengli"}
    # The compound was set up by the fixture: its log lines are the setup phase's.
    setup_log = "\n".join(
        record.getMessage()
        for record in caplog.get_records("setup")
        if record.name.startswith("custom_components")
    )
    assert "Spare module of Longdengli is left out" in setup_log
    assert "127.0.0.1" not in setup_log

    await wait_for_state(hass, NORTH_GATE, "closed")
    await hass.services.async_call(
        DOMAIN, "set_mode", {"compound": corrupted.entry_id, "mode": "evacuation"}, blocking=True
    )
    assert corrupted.runtime_data.mode is CompoundMode.EVACUATION
    await wait_for_state(hass, NORTH_GATE, "open")


@pytest.mark.parametrize("corrupted", [{}], indirect=True)
async def test_the_repair_shows_the_devices_own_form_and_brings_it_back(
    hass: HomeAssistant, corrupted: MockConfigEntry, gateway: Gateway, hass_client: Any
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": ISSUE}
    )
    flow = await response.json()
    assert flow["type"] == "form"
    assert flow["step_id"] == "reconfigure"
    assert {field["name"] for field in flow["data_schema"]} >= {"host", "port", "unit_id"}

    fixed = module_data(gateway.port, 2, name="Spare module")
    fixed["port"] = "nan"
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json=fixed)
    flow = await response.json()
    assert flow["errors"] == {"port": "number_invalid"}

    fixed["port"] = gateway.port
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json=fixed)
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()

    assert corrupted.subentries["module2"].data["port"] == gateway.port
    assert "module2" in corrupted.runtime_data.devices
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is None


@pytest.mark.parametrize("corrupted", [{}], indirect=True)
async def test_the_repair_of_a_device_removed_meanwhile_aborts(
    hass: HomeAssistant, corrupted: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    flows = repairs_flow_manager(hass)
    assert flows is not None
    hass.config_entries.async_remove_subentry(corrupted, "module2")
    await hass.async_block_till_done()

    result = await flows.async_init(DOMAIN, data={"issue_id": ISSUE})

    assert result["type"] == "abort"
    assert result["reason"] == "device_removed"
