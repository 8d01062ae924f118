"""Tests of shed lights and sockets, cutting shed power, and the module's link diagnostics."""

from __future__ import annotations

import asyncio

from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import async_get_platforms
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import DOMAIN
from simulator.devices.io_module import Gateway
from tests.conftest import make_compound_entry

from .conftest import NORTH_GATE, module_data, subentry, wait_for_state, wait_until

LIGHT = "light.east_shed_light"
SOCKETS = "switch.east_shed_sockets"
LATENCY = "sensor.north_gate_i_o_module_link_latency"
FAILURES = "sensor.north_gate_i_o_module_failed_polls"


async def test_shed_light_and_sockets_switch_their_relays(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    await hass.services.async_call("light", "turn_on", {"entity_id": LIGHT}, blocking=True)
    assert hass.states.get(LIGHT).state == "on"  # read back right after the command
    await hass.services.async_call("switch", "turn_on", {"entity_id": SOCKETS}, blocking=True)
    assert gateway.modules[1].coils[4:6] == [True, True]
    assert hass.states.get(SOCKETS).attributes["device_class"] == "outlet"

    await hass.services.async_call(
        "hanyang_compound", "cut_shed_power", {"compound": compound.entry_id}, blocking=True
    )
    assert hass.states.get(SOCKETS).state == "off"
    assert hass.states.get(LIGHT).state == "on"  # light stays on for people in the shed

    await hass.services.async_call("light", "turn_off", {"entity_id": LIGHT}, blocking=True)
    assert gateway.modules[1].coils[4] is False


async def test_commands_to_an_unreachable_module_fail_with_a_reason(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    await wait_for_state(hass, NORTH_GATE, "closed")
    await gateway.async_command("power_off", {})
    await wait_for_state(hass, SOCKETS, STATE_UNAVAILABLE)
    with pytest.raises(HomeAssistantError) as failed:
        await (
            hass.config_entries.async_get_entry(compound.entry_id)
            .runtime_data.devices["light1"]
            .async_switch(on=True)
        )
    assert failed.value.translation_key == "shed_command_failed"
    with pytest.raises(HomeAssistantError) as incomplete:
        await hass.services.async_call(
            "hanyang_compound", "cut_shed_power", {"compound": compound.entry_id}, blocking=True
        )
    assert incomplete.value.translation_key == "cut_shed_power_incomplete"
    assert incomplete.value.translation_placeholders == {"names": "East shed sockets"}


async def test_gate_pulses_that_fail_are_reported(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    await wait_for_state(hass, NORTH_GATE, "closed")
    gateway.fault = gateway.fault.EXCEPTION
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            "cover", "open_cover", {"entity_id": NORTH_GATE}, blocking=True
        )
    assert failed.value.translation_key == "gate_command_failed"
    gateway.fault = gateway.fault.NONE


async def test_link_diagnostics_are_disabled_by_default_and_report_the_link(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    registry = er.async_get(hass)
    for entity_id in (LATENCY, FAILURES):
        entity = registry.async_get(entity_id)
        assert entity is not None
        assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert entity.entity_category is not None
        registry.async_update_entity(entity_id, disabled_by=None)
    await hass.config_entries.async_reload(compound.entry_id)
    await hass.async_block_till_done()
    # Reloaded, the module is read again in the background: unavailable until it answers.
    latency = await wait_for_state(
        hass, LATENCY, lambda state: state.state not in ("unknown", STATE_UNAVAILABLE)
    )
    assert float(latency.state) >= 0
    assert latency.attributes["unit_of_measurement"] == "ms"
    assert hass.states.get(FAILURES).state == "0"
    await gateway.async_command("power_off", {})
    await wait_for_state(hass, FAILURES, "1")
    assert hass.states.get(LATENCY).state == STATE_UNAVAILABLE


async def test_modules_behind_one_gateway_share_one_connection(
    hass: HomeAssistant, gateway: Gateway
) -> None:
    entry = make_compound_entry(
        subentries_data=(
            subentry("module1", "io_module", "North module", module_data(gateway.port)),
            subentry("module2", "io_module", "Spare module", module_data(gateway.port, 2)),
            subentry(
                "light1",
                "shed_light",
                "North light",
                {"name": "N", "module": "module1", "relay": 0},
            ),
            subentry(
                "light2",
                "shed_light",
                "Spare light",
                {"name": "S", "module": "module2", "relay": 0},
            ),
        )
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()  # first reads
    for light in ("light.north_light", "light.spare_light"):
        # On a busy machine a first read may time out: the next poll brings the module back.
        await wait_for_state(hass, light, lambda state: state.state != STATE_UNAVAILABLE)
    await hass.services.async_call(
        "light", "turn_on", {"entity_id": ["light.north_light", "light.spare_light"]}, blocking=True
    )
    assert gateway.modules[1].coils[0]
    assert gateway.modules[2].coils[0]
    assert gateway.status()["connections"] == 1
    await hass.config_entries.async_unload(entry.entry_id)
    await wait_until(lambda: not gateway.status()["connections"])  # closed with the compound


async def test_only_the_modules_poll_and_only_for_what_is_wired_to_them(
    hass: HomeAssistant, compound: MockConfigEntry, gateway: Gateway
) -> None:
    entities = [
        entity
        for platform in async_get_platforms(hass, DOMAIN)
        for entity in platform.entities.values()
    ]
    assert {entity.entity_id for entity in entities} >= {NORTH_GATE, LIGHT, SOCKETS}
    assert [entity.entity_id for entity in entities if entity.should_poll] == []

    # A module with nothing wired to it (its link diagnostics disabled) is read once at start.
    spare = make_compound_entry(
        "Spare compound",
        subentries_data=(subentry("module2", "io_module", "Spare", module_data(gateway.port, 2)),),
    )
    spare.add_to_hass(hass)
    assert await hass.config_entries.async_setup(spare.entry_id)
    await hass.async_block_till_done()  # first reads
    await hass.config_entries.async_unload(compound.entry_id)
    requests = gateway.requests
    await asyncio.sleep(2.5)
    assert gateway.requests == requests
    await hass.config_entries.async_unload(spare.entry_id)
