"""Bluetooth is optional: without Home Assistant's Bluetooth a compound's gates, modes and patrol run, its Bluetooth sensors wait."""

from __future__ import annotations

import logging
from pathlib import Path
import subprocess
import sys
from unittest.mock import AsyncMock, MagicMock, patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigSubentryData
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_set_domains_to_be_loaded, async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import (
    CONF_BIND_KEY,
    CONF_LOCATION,
    CONF_ROLE,
    DOMAIN,
    SUBENTRY_BTHOME_SENSOR,
)
from simulator.devices.bthome_encoding import encode_service_data
from simulator.devices.io_module import Gateway

from .conftest import make_compound_entry
from .iomodule.conftest import (
    NORTH_BARRIER,
    NORTH_GATE,
    gate_data,
    module_data,
    subentry,
    wait_for_state,
)
from .test_ble import (
    KEY,
    MANHOLE,
    SHED,
    advertisement,
    inject,
    manhole_subentry,
    shed_subentry,
    state,
    thermometer_subentry,
)
from .test_develop import UNMEASURED
from .test_patrol_route import route_data

ROOT = Path(__file__).resolve().parent.parent
ISSUE = "bluetooth_not_running"
BLUETOOTH_ENTITIES = (
    "binary_sensor.manhole_3_cover",
    "sensor.manhole_3_water_level_below_cover",
    "binary_sensor.manhole_3_needs_attention",
    "sensor.longdengli_manholes_needing_attention",
    "sensor.north_gate_thermometer_body_temperature",
    "binary_sensor.north_gate_thermometer_fever",
    "event.north_gate_thermometer_reading",
)


def _issues(hass: HomeAssistant) -> list[ir.IssueEntry]:
    """Return the integration's active repair issues about Bluetooth not running."""
    return [
        issue
        for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue.translation_key == ISSUE and issue.active
    ]


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("socket_enabled", "tags")
async def test_gates_modes_and_patrol_run_when_bluetooth_fails_to_set_up(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    gateway = Gateway("north", {"modules": [{"unit_id": 1, "barriers": [NORTH_BARRIER]}]})
    await gateway.async_start()
    entry = make_compound_entry(
        subentries_data=(
            subentry("module1", "io_module", "North gate I/O module", module_data(gateway.port)),
            subentry("gate1", "barrier_gate", "North gate", gate_data()),
            ConfigSubentryData(
                data=route_data(),
                subentry_type="patrol_route",
                title="Night patrol",
                unique_id=None,
            ),
            manhole_subentry(),
            thermometer_subentry(),
        )
    )
    try:
        # As Home Assistant starts: Bluetooth (stage 1) fails before the compound (stage 2) is set up.
        async_set_domains_to_be_loaded(hass, {"bluetooth", DOMAIN})
        with patch("homeassistant.components.bluetooth.async_setup", AsyncMock(return_value=False)):
            assert not await async_setup_component(hass, "bluetooth", {})
        await _set_up(hass, entry)

        await wait_for_state(hass, NORTH_GATE, "closed")
        await hass.services.async_call(
            "cover", "open_cover", {"entity_id": NORTH_GATE}, blocking=True
        )
        await wait_for_state(hass, NORTH_GATE, "open")
        await hass.services.async_call(
            "select",
            "select_option",
            {"entity_id": "select.longdengli_mode", "option": "lockdown"},
            blocking=True,
        )
        await wait_for_state(hass, NORTH_GATE, "closed")
        assert state(hass, "select.longdengli_mode") == "lockdown"
        # Which round is due depends on the hour the test runs; that the route runs does not.
        assert state(hass, "sensor.night_patrol_status") not in {STATE_UNAVAILABLE, STATE_UNKNOWN}

        assert {
            entity_id: state(hass, entity_id) for entity_id in BLUETOOTH_ENTITIES
        } == dict.fromkeys(BLUETOOTH_ENTITIES, STATE_UNAVAILABLE)
        assert len(_issues(hass)) == 1
        assert sum("Bluetooth integration is not running" in r.message for r in caplog.records) == 1
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await gateway.async_stop()


async def test_bluetooth_sensors_are_heard_once_bluetooth_runs(
    hass: HomeAssistant, mock_bleak_scanner_start: MagicMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    entry = make_compound_entry(subentries_data=(manhole_subentry(),))
    await _set_up(hass, entry)
    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_UNAVAILABLE
    assert len(_issues(hass)) == 1

    # A Bluetooth adapter is added: Home Assistant sets its Bluetooth integration up.
    adapter = MockConfigEntry(domain="bluetooth", unique_id="00:00:00:00:00:01")
    adapter.add_to_hass(hass)
    assert await hass.config_entries.async_setup(adapter.entry_id)
    await hass.async_block_till_done()
    assert _issues(hass) == []
    assert state(hass, "binary_sensor.manhole_3_cover") != STATE_UNAVAILABLE

    inject(hass, advertisement(MANHOLE, encode_service_data({"opening": 1}, address=MANHOLE)))
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.manhole_3_cover") == STATE_ON
    assert state(hass, "sensor.longdengli_manholes_needing_attention") == "1"
    assert sum("Bluetooth runs now" in record.message for record in caplog.records) == 1

    await hass.config_entries.async_unload(adapter.entry_id)
    await hass.async_block_till_done()


async def test_the_issue_stays_while_any_sensor_waits_for_bluetooth(hass: HomeAssistant) -> None:
    longdengli = make_compound_entry(subentries_data=(manhole_subentry(),))
    qintai = make_compound_entry("Qintai", subentries_data=(shed_subentry(),))
    await _set_up(hass, longdengli)
    await _set_up(hass, qintai)
    assert len(_issues(hass)) == 1

    (manhole,) = longdengli.subentries
    assert hass.config_entries.async_remove_subentry(longdengli, manhole)
    await hass.async_block_till_done()
    assert longdengli.state is ConfigEntryState.LOADED
    assert len(_issues(hass)) == 1  # the shed of Qintai still waits

    await hass.config_entries.async_unload(qintai.entry_id)
    await hass.async_block_till_done()
    assert _issues(hass) == []


@pytest.mark.usefixtures("enable_bluetooth")
async def test_with_bluetooth_there_is_no_issue_and_sensors_are_heard(hass: HomeAssistant) -> None:
    await _set_up(hass, make_compound_entry(subentries_data=(shed_subentry(),)))
    inject(hass, advertisement(SHED, encode_service_data({"temperature": 30.5}, address=SHED)))
    await hass.async_block_till_done()
    assert state(hass, "binary_sensor.shed_2_overheating") == STATE_OFF
    assert _issues(hass) == []


@pytest.mark.usefixtures("no_setup")
async def test_a_sensor_can_be_added_while_bluetooth_does_not_run(hass: HomeAssistant) -> None:
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_BTHOME_SENSOR), context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "address": MANHOLE,
            CONF_ROLE: "manhole",
            CONF_LOCATION: "Manhole 3",
            CONF_BIND_KEY: KEY.hex(),
        },
    )
    # Nothing heard it, so the key cannot be checked against it yet: it is kept as given.
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert next(iter(entry.subentries.values())).data[CONF_BIND_KEY] == KEY.hex()


def test_the_integration_imports_without_home_assistants_bluetooth() -> None:
    # As where Bluetooth's (or USB's) requirements could not be installed: its module cannot be imported.
    script = """
import importlib, pkgutil, sys

class RefuseBluetooth:
    def find_spec(self, name, path=None, target=None):
        if name == "homeassistant.components.bluetooth" or name.startswith("homeassistant.components.bluetooth."):
            raise ImportError(name)
        return None

sys.meta_path.insert(0, RefuseBluetooth())
import homeassistant.const
import custom_components.hanyang_compound as package
# The triggers' and conditions' classes, which the platforms import only where a release offers
# integrations triggers and conditions (whose options key it then has).
newer_releases_only = {"integration_triggers", "integration_conditions"}
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    if module.name.rpartition(".")[2] in newer_releases_only and not hasattr(homeassistant.const, "CONF_OPTIONS"):
        continue
    importlib.import_module(module.name)
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=UNMEASURED,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
