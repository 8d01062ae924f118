"""Linking a compound to its district from its options, and what happens without MQTT."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import (
    CONF_DISTRICT,
    CONF_DISTRICT_LINK,
    CONF_DISTRICT_MAY,
    CONF_FEVER_THRESHOLD,
    CONF_SHARE_RESIDENT_IDENTITY,
)
from custom_components.hanyang_compound.modes import CompoundMode
from tests.conftest import make_compound_entry

from .broker import Broker, Watcher, wait_until
from .conftest import BASE, linked_entry, mqtt_entry, unload_all

SETTINGS = {CONF_SHARE_RESIDENT_IDENTITY: False, CONF_FEVER_THRESHOLD: 37.3}


async def test_the_options_link_the_compound_to_a_district(
    hass: HomeAssistant, mqtt_ready: MockConfigEntry, watcher: Watcher
) -> None:
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], SETTINGS | {CONF_DISTRICT_LINK: True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "district"
    assert result["data_schema"]({CONF_DISTRICT: "x"})[CONF_DISTRICT_MAY] == "own_restrictions"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DISTRICT: "Han Yang!", CONF_DISTRICT_MAY: "nothing"}
    )
    assert result["errors"] == {CONF_DISTRICT: "district_invalid"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_DISTRICT: "hanyang", CONF_DISTRICT_MAY: "nothing"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_DISTRICT] == "hanyang"
    assert entry.options[CONF_DISTRICT_MAY] == "nothing"
    await wait_until(lambda: watcher.messages.get(f"{BASE}/availability") == b"online")

    # Turned off again: the district's settings go, and the compound says it is offline.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], SETTINGS | {CONF_DISTRICT_LINK: False}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_DISTRICT not in entry.options
    await wait_until(lambda: watcher.messages.get(f"{BASE}/availability") == b"offline")


async def test_the_district_step_needs_the_mqtt_integration(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_compound.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], SETTINGS | {CONF_DISTRICT_LINK: True}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "mqtt_missing"


async def test_a_linked_compound_without_mqtt_runs_and_waits_for_it(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    entry = linked_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert "waits for Home Assistant's MQTT integration" in caplog.text
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("no_yaml")
async def test_a_will_topic_every_home_assistant_shares_is_warned_about_once(
    hass: HomeAssistant, broker: Broker, watcher: Watcher, caplog: pytest.LogCaptureFixture
) -> None:
    shared = mqtt_entry(broker.port, own_status=False)
    shared.add_to_hass(hass)
    assert await hass.config_entries.async_setup(shared.entry_id)
    await wait_until(lambda: watcher.messages.get("homeassistant/status") == b"online")
    entry = linked_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await wait_until(lambda: f"{BASE}/state" in watcher.messages)
    await entry.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    await wait_until(lambda: watcher.json(f"{BASE}/state")["mode"] == "lockdown")

    warnings = [r for r in caplog.records if "every Home Assistant on the broker" in r.message]
    assert len(warnings) == 1
    config = watcher.json("homeassistant/device/hanyang_hanyang_qingchuan_longdengli/config")
    assert config["avty"][0]["t"] == "homeassistant/status"
    await unload_all(hass)
