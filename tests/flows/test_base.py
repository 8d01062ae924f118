"""Tests of the add and reconfigure steps that every device kind's subentry flow shares."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.hanyang_compound.config_flow import SUBENTRY_FLOWS
from custom_components.hanyang_compound.flows.base import DeviceSubentryFlow

SIGN = "test_sign"
"""The subentry type of the test device kind."""


class _SignFlow(DeviceSubentryFlow):
    """A minimal device kind that exercises the shared subentry steps."""

    def device_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        return vol.Schema({vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "")): str})

    async def async_validate_device(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        name = user_input[CONF_NAME].strip()
        return {CONF_NAME: name}, ({} if name else {CONF_NAME: "name_empty"})

    def device_title(self, data: dict[str, Any]) -> str:
        return f"Sign {data[CONF_NAME]}"


@pytest.fixture
def sign_kind() -> Generator[None]:
    """Register the test device kind only for the test that uses it."""
    SUBENTRY_FLOWS[SIGN] = _SignFlow
    yield
    del SUBENTRY_FLOWS[SIGN]


@pytest.mark.usefixtures("sign_kind")
async def test_device_subentries_are_added_and_reconfigured_through_the_shared_steps(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (loaded_compound.entry_id, "test_sign"), context={"source": SOURCE_USER}
    )
    result = await flows.async_configure(result["flow_id"], {CONF_NAME: " "})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_NAME: "name_empty"}

    result = await flows.async_configure(result["flow_id"], {CONF_NAME: "North"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = loaded_compound.subentries.values()
    assert (subentry.title, dict(subentry.data)) == ("Sign North", {CONF_NAME: "North"})

    result = await flows.async_init(
        (loaded_compound.entry_id, "test_sign"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id},
    )
    assert result["data_schema"]({})[CONF_NAME] == "North"
    result = await flows.async_configure(result["flow_id"], {CONF_NAME: ""})
    assert result["errors"] == {CONF_NAME: "name_empty"}
    result = await flows.async_configure(result["flow_id"], {CONF_NAME: "South"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_compound.subentries[subentry.subentry_id].title == "Sign South"


def test_the_devices_that_are_in_one_place_ask_for_their_area() -> None:
    asking = {kind for kind, flow in SUBENTRY_FLOWS.items() if flow.has_area}
    assert asking == {
        "barrier_gate",
        "shed_light",
        "shed_socket",
        "access_terminal",
        "bthome_sensor",
        "ble_thermometer",
    }
