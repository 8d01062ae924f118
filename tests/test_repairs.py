"""Tests of the compound's repair issues: an implausible fever threshold, a device offline for long."""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import timedelta
from unittest.mock import patch

from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.components.sensor import SensorEntity
from homeassistant.config_entries import ConfigSubentry, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.hanyang_compound import DEVICE_FACTORIES, sensor
from custom_components.hanyang_compound.compound import Compound
from custom_components.hanyang_compound.const import CONF_FEVER_THRESHOLD, DOMAIN
from custom_components.hanyang_compound.entity import CompoundDeviceEntity

from .conftest import make_compound_entry


async def test_an_implausible_fever_threshold_is_raised_and_fixed(hass: HomeAssistant) -> None:
    entry = make_compound_entry(options={CONF_FEVER_THRESHOLD: 38.6})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert await async_setup_component(hass, "repairs", {})
    issue_id = f"implausible_fever_threshold_{entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "compound": "Longdengli",
        "threshold": "38.6",
        "low": "37.2",
        "high": "38.0",
    }

    flows = repairs_flow_manager(hass)
    assert flows is not None
    result = await flows.async_init(DOMAIN, data={"issue_id": issue_id})
    assert result["step_id"] == "threshold"
    assert result["data_schema"]({}) == {CONF_FEVER_THRESHOLD: 37.3}
    result = await flows.async_configure(result["flow_id"], {CONF_FEVER_THRESHOLD: 37.5})
    await hass.async_block_till_done()

    assert result["type"] == "create_entry"
    assert entry.options[CONF_FEVER_THRESHOLD] == 37.5
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_a_fix_for_a_removed_compound_aborts(hass: HomeAssistant) -> None:
    entry = make_compound_entry(options={CONF_FEVER_THRESHOLD: 36.5})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert await async_setup_component(hass, "repairs", {})
    issue_id = f"implausible_fever_threshold_{entry.entry_id}"
    flows = repairs_flow_manager(hass)
    assert flows is not None
    result = await flows.async_init(DOMAIN, data={"issue_id": issue_id})

    await hass.config_entries.async_remove(entry.entry_id)
    result = await flows.async_configure(result["flow_id"], {CONF_FEVER_THRESHOLD: 37.3})

    assert result["type"] == "abort"
    assert result["reason"] == "compound_removed"


class Beacon:
    """A device with one sensor whose availability the test switches; it tells the compound."""

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        self.available = True
        self.listeners: list[Callable[[], None]] = []
        self.sensor = type("BeaconSensor", (CompoundDeviceEntity, SensorEntity), {})(
            compound,
            subentry,
            "level",
            {"identifiers": {(DOMAIN, subentry.subentry_id)}, "name": subentry.title},
        )
        self.sensor._attr_name = "Level"

    async def async_start(self) -> None:
        """Nothing to connect to."""

    async def async_stop(self) -> None:
        """Nothing to disconnect from."""

    def async_add_availability_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    async def async_set_available(self, hass: HomeAssistant, *, available: bool) -> None:
        self.available = self.sensor._attr_available = available
        self.sensor.async_write_ha_state()
        for listener in self.listeners:
            listener()
        await hass.async_block_till_done()


@pytest.fixture
def beacon_kind() -> Generator[None]:
    with (
        patch.dict(DEVICE_FACTORIES, {"beacon": Beacon}),
        patch.dict(sensor.ENTITY_BUILDERS, {Beacon: lambda beacon: [beacon.sensor]}),
    ):
        yield


@pytest.mark.usefixtures("beacon_kind")
async def test_a_device_offline_for_an_hour_raises_an_issue_until_it_is_back(
    hass: HomeAssistant,
) -> None:
    entry = make_compound_entry(
        subentries_data=(
            ConfigSubentryData(data={}, subentry_type="beacon", title="Shed beacon", unique_id="b"),
        )
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    (subentry_id,) = entry.subentries
    beacon = entry.runtime_data.devices[subentry_id]
    issue_id = f"device_unavailable_{subentry_id}"

    await beacon.async_set_available(hass, available=False)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=59))
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None

    await beacon.async_set_available(hass, available=True)
    await beacon.async_set_available(hass, available=False)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=61))
    await hass.async_block_till_done()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"device": "Shed beacon", "compound": "Longdengli"}

    await beacon.async_set_available(hass, available=True)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


@pytest.mark.usefixtures("beacon_kind")
async def test_issues_of_devices_that_were_removed_are_cleared(hass: HomeAssistant) -> None:
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    ir.async_create_issue(
        hass,
        DOMAIN,
        "device_unavailable_gone",
        data={"entry_id": entry.entry_id},
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="device_unavailable",
    )

    await hass.config_entries.async_setup(entry.entry_id)

    assert ir.async_get(hass).async_get_issue(DOMAIN, "device_unavailable_gone") is None


@pytest.mark.parametrize(
    ("threshold", "error"),
    [("nan", "number_invalid"), (float("inf"), "number_invalid"), (38.5, "number_out_of_range")],
)
async def test_the_threshold_fix_refuses_numbers_that_are_not_plausible(
    hass: HomeAssistant, threshold: object, error: str
) -> None:
    entry = make_compound_entry(options={CONF_FEVER_THRESHOLD: 38.6})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert await async_setup_component(hass, "repairs", {})
    flows = repairs_flow_manager(hass)
    assert flows is not None
    result = await flows.async_init(
        DOMAIN, data={"issue_id": f"implausible_fever_threshold_{entry.entry_id}"}
    )

    result = await flows.async_configure(result["flow_id"], {CONF_FEVER_THRESHOLD: threshold})

    assert result["errors"] == {CONF_FEVER_THRESHOLD: error}
    assert entry.options[CONF_FEVER_THRESHOLD] == 38.6
