"""Tests of the area a device is put in: the form's area field, the device registry and Assist."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from homeassistant.components.conversation import async_converse
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import DOMAIN
from simulator.devices.io_module import Gateway
from tests.conftest import make_compound_entry

from .conftest import subentry, wait_for_state, wired_subentries

SHED = "E-bike shed"


def device_of(hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str) -> dr.DeviceEntry:
    """Return the registered device of the compound's subentry."""
    devices = dr.async_get(hass)
    (device,) = (
        device
        for device in dr.async_entries_for_config_entry(devices, entry.entry_id)
        if (DOMAIN, subentry_id) in device.identifiers
    )
    return device


def area_name(hass: HomeAssistant, device: dr.DeviceEntry) -> str | None:
    """Return the name of the area the device is in, None when it is in none."""
    area = ar.async_get(hass).async_get_area(device.area_id) if device.area_id else None
    return area.name if area else None


async def add_shed_light(hass: HomeAssistant, entry: MockConfigEntry, area: str) -> Any:
    """Fill in the shed light form with the area; return the flow's answer."""
    flows = hass.config_entries.subentries
    result = await flows.async_init((entry.entry_id, "shed_light"), context={"source": SOURCE_USER})
    assert "area" in result["data_schema"].schema
    return await flows.async_configure(
        result["flow_id"],
        {"name": "West shed light", "module": "module1", "relay": 6, "area": area},
    )


async def test_a_device_added_with_an_area_is_put_in_it(
    hass: HomeAssistant, compound: MockConfigEntry
) -> None:
    result = await add_shed_light(hass, compound, "x" * 51)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"area": "area_too_long"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            "name": "West shed light",
            "module": "module1",
            "relay": 6,
            "area": f"  E-bike  shed {'':<30}",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["area"] == SHED
    await hass.async_block_till_done()  # the compound reloads with the new light

    (added,) = (s for s in compound.subentries.values() if s.title == "West shed light")
    assert area_name(hass, device_of(hass, compound, added.subentry_id)) == SHED
    # The module and the devices added without an area stay in none.
    assert area_name(hass, device_of(hass, compound, "light1")) is None
    assert area_name(hass, device_of(hass, compound, "module1")) is None


async def test_a_device_added_without_an_area_stores_none(
    hass: HomeAssistant, compound: MockConfigEntry
) -> None:
    result = await add_shed_light(hass, compound, "   ")

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "area" not in result["data"]
    await hass.async_block_till_done()
    (added,) = (s for s in compound.subentries.values() if s.title == "West shed light")
    assert area_name(hass, device_of(hass, compound, added.subentry_id)) is None


async def test_the_io_module_form_asks_for_no_area(
    hass: HomeAssistant, compound: MockConfigEntry
) -> None:
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (compound.entry_id, "io_module"), context={"source": SOURCE_USER}
    )
    assert "area" not in result["data_schema"].schema


async def reconfigure_light(hass: HomeAssistant, entry: MockConfigEntry, **changes: Any) -> Any:
    """Change the east shed light through its reconfigure form; return the flow's answer."""
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (entry.entry_id, "shed_light"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": "light1"},
    )
    shown = result["data_schema"]({})
    result = await flows.async_configure(result["flow_id"], {**shown, **changes})
    await hass.async_block_till_done()
    return result


async def test_changing_the_area_moves_the_device_and_nothing_else_does(
    hass: HomeAssistant, compound: MockConfigEntry
) -> None:
    result = await reconfigure_light(hass, compound, area="Lane 3")
    assert result["reason"] == "reconfigure_successful"
    assert compound.subentries["light1"].data["area"] == "Lane 3"
    assert area_name(hass, device_of(hass, compound, "light1")) == "Lane 3"
    assert area_name(hass, device_of(hass, compound, "socket1")) is None

    # Moved by hand: a change that leaves the area field as it was leaves the device there.
    office = ar.async_get(hass).async_create("Office")
    dr.async_get(hass).async_update_device(
        device_of(hass, compound, "light1").id, area_id=office.id
    )
    result = await reconfigure_light(hass, compound, relay=7)
    assert result["reason"] == "reconfigure_successful"
    assert area_name(hass, device_of(hass, compound, "light1")) == "Office"

    # Emptying the field takes the area out of the settings, not the device out of its area.
    await reconfigure_light(hass, compound, area="")
    assert "area" not in compound.subentries["light1"].data
    assert area_name(hass, device_of(hass, compound, "light1")) == "Office"

    # Naming an existing area again (in other spacing) moves it there without a second area.
    await reconfigure_light(hass, compound, area=" Lane   3 ")
    assert area_name(hass, device_of(hass, compound, "light1")) == "Lane 3"
    assert [area.name for area in ar.async_get(hass).async_list_areas()].count("Lane 3") == 1


@pytest.fixture
async def shed_compound(
    hass: HomeAssistant, gateway: Gateway, tmp_path: Path
) -> AsyncGenerator[MockConfigEntry]:
    """A compound whose shed light and sockets are in the e-bike shed, with Assist set up."""
    hass.config.config_dir = str(tmp_path)
    module, gate, light, socket = wired_subentries(gateway.port)
    entry = make_compound_entry(
        subentries_data=(
            module,
            gate,
            subentry("light1", "shed_light", light["title"], {**light["data"], "area": SHED}),
            subentry("socket1", "shed_socket", socket["title"], {**socket["data"], "area": SHED}),
        )
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    for component in ("homeassistant", "conversation", "intent"):
        assert await async_setup_component(hass, component, {})
    await hass.async_block_till_done()
    yield entry
    await hass.config_entries.async_unload(entry.entry_id)


def shed_light_entity(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the entity id of the shed light (on newer releases it starts with the area)."""
    device = device_of(hass, entry, "light1")
    (light,) = (
        e.entity_id
        for e in er.async_entries_for_device(er.async_get(hass), device.id)
        if e.domain == "light"
    )
    return light


async def test_assist_turns_on_the_light_in_the_shed_by_its_area(
    hass: HomeAssistant, shed_compound: MockConfigEntry, hass_admin_user: Any
) -> None:
    assert area_name(hass, device_of(hass, shed_compound, "light1")) == SHED
    light = shed_light_entity(hass, shed_compound)
    await wait_for_state(hass, light, "off")

    result = await async_converse(
        hass,
        "turn on the light in the e-bike shed",
        None,
        Context(user_id=hass_admin_user.id),
        language="en",
    )

    assert result.response.response_type.value == "action_done", result.response.speech
    await wait_for_state(hass, light, "on")
    # Only the lights: the shed's sockets, in the same area, stay off.
    sockets = [
        s.entity_id
        for s in hass.states.async_all("switch")
        if s.entity_id.endswith("east_shed_sockets")
    ]
    assert sockets
    assert all(hass.states.get(s).state == "off" for s in sockets)


async def test_assist_turns_on_the_shed_light_in_chinese_by_the_areas_alias(
    hass: HomeAssistant, shed_compound: MockConfigEntry, hass_admin_user: Any
) -> None:
    areas = ar.async_get(hass)
    shed = areas.async_get_area_by_name(SHED)
    assert shed is not None
    areas.async_update(shed.id, aliases={"电动车棚"})
    light = shed_light_entity(hass, shed_compound)
    await wait_for_state(hass, light, "off")

    result = await async_converse(
        hass, "打开电动车棚的灯", None, Context(user_id=hass_admin_user.id), language="zh-cn"
    )

    assert result.response.response_type.value == "action_done", result.response.speech
    await wait_for_state(hass, light, "on")


async def test_the_repair_of_a_left_out_device_keeps_its_area(
    hass: HomeAssistant, gateway: Gateway, hass_client: Any
) -> None:
    module, gate, light, _ = wired_subentries(gateway.port)
    damaged = {**light["data"], "relay": "four", "area": SHED}
    entry = make_compound_entry(
        subentries_data=(module, gate, subentry("light1", "shed_light", light["title"], damaged))
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert await async_setup_component(hass, "repairs", {})
    await hass.async_block_till_done()
    assert "light1" not in entry.runtime_data.devices
    client = await hass_client()

    response = await client.post(
        "/api/repairs/issues/fix",
        json={"handler": DOMAIN, "issue_id": "device_settings_invalid_light1"},
    )
    flow = await response.json()
    fields = {field["name"]: field for field in flow["data_schema"]}
    assert fields["area"]["default"] == SHED
    fixed = {key: field.get("default") for key, field in fields.items()} | {"relay": 4}
    response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json=fixed)
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done()

    assert entry.subentries["light1"].data["area"] == SHED
    assert area_name(hass, device_of(hass, entry, "light1")) == SHED
    await hass.config_entries.async_unload(entry.entry_id)
