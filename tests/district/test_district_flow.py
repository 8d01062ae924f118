"""Adding a district: the config flow's menu, its district step, its errors and one entry per district."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.hanyang_compound.const import (
    CONF_DISTRICT,
    CONF_ENTRY_KIND,
    DOMAIN,
    ENTRY_KIND_DISTRICT,
)

from .conftest import district_entry


async def _district_step(hass: HomeAssistant) -> dict:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "district"}
    )


@pytest.fixture
def mqtt_configured(hass: HomeAssistant) -> MockConfigEntry:
    """Home Assistant's mqtt integration configured (not started: the flow only asks whether it is)."""
    entry = MockConfigEntry(domain="mqtt", data={"broker": "127.0.0.1"})
    entry.add_to_hass(hass)
    return entry


@pytest.mark.usefixtures("no_setup", "mqtt_configured")
async def test_the_menu_adds_a_district_after_checking_its_fields(hass: HomeAssistant) -> None:
    result = await _district_step(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "district"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "  ", CONF_DISTRICT: "Han Yang"}
    )
    assert result["errors"] == {CONF_NAME: "district_name_empty", CONF_DISTRICT: "district_invalid"}
    assert hass.config_entries.async_entries(DOMAIN) == []

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: " Hanyang  District ", CONF_DISTRICT: "hanyang"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Hanyang District"
    assert result["data"] == {CONF_ENTRY_KIND: ENTRY_KIND_DISTRICT, CONF_DISTRICT: "hanyang"}
    entry = result["result"]
    assert entry.unique_id == "district hanyang"
    # A district has no devices to add and no options.
    assert entry.supported_subentry_types == {}
    assert not entry.supports_options


@pytest.mark.usefixtures("no_setup", "mqtt_configured")
async def test_one_entry_per_district(hass: HomeAssistant) -> None:
    district_entry().add_to_hass(hass)

    result = await _district_step(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Another name", CONF_DISTRICT: "hanyang"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "district_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


@pytest.mark.usefixtures("no_setup")
async def test_a_district_needs_the_mqtt_integration(hass: HomeAssistant) -> None:
    result = await _district_step(hass)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "mqtt_missing"


@pytest.mark.usefixtures("no_setup")
async def test_reconfigure_renames_the_district_and_keeps_its_id(hass: HomeAssistant) -> None:
    entry = district_entry()
    entry.add_to_hass(hass)

    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_district"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_NAME: " "})
    assert result["errors"] == {CONF_NAME: "district_name_empty"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "汉阳区"}
    )

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.title == "汉阳区"
    assert entry.data[CONF_DISTRICT] == "hanyang"
    # The flow schedules a reload; let it run while setting up is still stubbed out.
    await hass.async_block_till_done()


@pytest.mark.usefixtures("no_setup", "mqtt_configured")
async def test_a_district_is_provisioned_over_the_rest_flow_api(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    response = await client.post("/api/config/config_entries/flow", json={"handler": DOMAIN})
    flow = await response.json()
    assert (flow["type"], flow["menu_options"]) == ("menu", ["compound", "district"])
    url = f"/api/config/config_entries/flow/{flow['flow_id']}"
    form = await (await client.post(url, json={"next_step_id": "district"})).json()
    assert (form["type"], form["step_id"]) == ("form", "district")
    created = await (
        await client.post(url, json={CONF_NAME: "Hanyang District", CONF_DISTRICT: "hanyang"})
    ).json()

    assert created["type"] == "create_entry"
    [entry] = hass.config_entries.async_entries(DOMAIN)
    assert entry.data == {CONF_ENTRY_KIND: ENTRY_KIND_DISTRICT, CONF_DISTRICT: "hanyang"}
