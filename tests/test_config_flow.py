"""Tests of the compound's config, reconfigure and options flows."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import (
    CONF_CLEAR_MODE_PIN,
    CONF_FEVER_THRESHOLD,
    CONF_SERVICE_TIER,
    CONF_SHARE_RESIDENT_IDENTITY,
    CONF_USERS_MAY_RESTRICT,
    CONF_ZONE,
    DOMAIN,
)

from .conftest import make_compound_entry

LONGDENGLI = {CONF_NAME: "Longdengli", CONF_ZONE: "Qingchuan", CONF_SERVICE_TIER: "standard"}


async def _submit_user_step(hass: HomeAssistant, user_input: dict[str, Any]) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == ["compound", "district"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "compound"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "compound"
    assert result["errors"] == {}
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


@pytest.mark.usefixtures("no_setup")
async def test_user_step_creates_the_compound(hass: HomeAssistant) -> None:
    result = await _submit_user_step(
        hass, {**LONGDENGLI, CONF_NAME: "  Longdengli  ", CONF_ZONE: " Qingchuan "}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Longdengli"
    assert result["data"] == {CONF_ZONE: "Qingchuan", CONF_SERVICE_TIER: "standard"}
    assert result["result"].unique_id == "longdengli"


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        ({**LONGDENGLI, CONF_NAME: "   "}, {CONF_NAME: "name_empty"}),
        ({**LONGDENGLI, CONF_ZONE: ""}, {CONF_ZONE: "zone_empty"}),
        (
            {**LONGDENGLI, CONF_NAME: "", CONF_ZONE: " "},
            {CONF_NAME: "name_empty", CONF_ZONE: "zone_empty"},
        ),
    ],
)
@pytest.mark.usefixtures("no_setup")
async def test_user_step_rejects_empty_fields_and_stores_nothing(
    hass: HomeAssistant, user_input: dict[str, Any], errors: dict[str, str]
) -> None:
    result = await _submit_user_step(hass, user_input)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert hass.config_entries.async_entries(DOMAIN) == []

    result = await hass.config_entries.flow.async_configure(result["flow_id"], LONGDENGLI)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("no_setup")
async def test_user_step_rejects_a_duplicate_name_ignoring_case_and_spaces(
    hass: HomeAssistant, compound_entry: MockConfigEntry
) -> None:
    compound_entry.add_to_hass(hass)

    result = await _submit_user_step(hass, {**LONGDENGLI, CONF_NAME: "LONGDENGLI "})

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_NAME: "name_taken"}
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reconfigure_renames_the_compound_and_its_device(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    result = await loaded_compound.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["data_schema"]({})[CONF_NAME] == "Longdengli"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_NAME: "Qintai", CONF_ZONE: "Yuehu", CONF_SERVICE_TIER: "enhanced"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_compound.title == "Qintai"
    assert loaded_compound.unique_id == "qintai"
    assert loaded_compound.data == {CONF_ZONE: "Yuehu", CONF_SERVICE_TIER: "enhanced"}
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), loaded_compound.entry_id)
    assert device.name == "Qintai"


@pytest.mark.usefixtures("no_setup")
async def test_reconfigure_refuses_another_compounds_name_but_keeps_its_own(
    hass: HomeAssistant, compound_entry: MockConfigEntry
) -> None:
    compound_entry.add_to_hass(hass)
    make_compound_entry("Qintai").add_to_hass(hass)

    result = await compound_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**LONGDENGLI, CONF_NAME: "qintai"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_NAME: "name_taken"}
    assert compound_entry.title == "Longdengli"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**LONGDENGLI, CONF_SERVICE_TIER: "basic"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert compound_entry.data[CONF_SERVICE_TIER] == "basic"


async def test_options_default_to_privacy_and_are_saved(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    assert loaded_compound.runtime_data.share_resident_identity is False
    assert loaded_compound.runtime_data.fever_threshold == 37.3

    result = await hass.config_entries.options.async_init(loaded_compound.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["data_schema"]({}) == {
        CONF_SHARE_RESIDENT_IDENTITY: False,
        CONF_FEVER_THRESHOLD: 37.3,
        CONF_USERS_MAY_RESTRICT: False,
        CONF_CLEAR_MODE_PIN: False,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SHARE_RESIDENT_IDENTITY: True, CONF_FEVER_THRESHOLD: 37.5}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_compound.runtime_data.share_resident_identity is True
    assert loaded_compound.runtime_data.fever_threshold == 37.5


@pytest.mark.parametrize(
    ("threshold", "error"),
    [
        ("nan", "number_invalid"),
        (float("nan"), "number_invalid"),
        (float("inf"), "number_invalid"),
        (float("-inf"), "number_invalid"),
        ("warm", "number_invalid"),
        (True, "number_invalid"),
        (36.9, "number_out_of_range"),
        (39.1, "number_out_of_range"),
    ],
)
async def test_options_refuse_a_threshold_that_is_no_number_in_range(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, threshold: Any, error: str
) -> None:
    result = await hass.config_entries.options.async_init(loaded_compound.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SHARE_RESIDENT_IDENTITY: False, CONF_FEVER_THRESHOLD: threshold}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_FEVER_THRESHOLD: error}
    assert CONF_FEVER_THRESHOLD not in loaded_compound.options


@pytest.mark.parametrize("stored", [float("nan"), "hot", None, float("inf")])
async def test_a_threshold_changed_by_hand_falls_back_and_is_a_repair_issue(
    hass: HomeAssistant, stored: Any
) -> None:
    entry = make_compound_entry(options={CONF_FEVER_THRESHOLD: stored})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)

    assert entry.runtime_data.fever_threshold == 37.3
    issue_id = f"implausible_fever_threshold_{entry.entry_id}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
