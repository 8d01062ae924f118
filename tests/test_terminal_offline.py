"""Tests that a terminal that cannot be reached for an hour is a repair issue, gone when it is back."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.hanyang_compound.const import DOMAIN
from custom_components.hanyang_compound.terminal import AccessTerminal
from simulator.devices.access_terminal import AccessTerminal as SimulatedTerminal
from tests.terminal_sim import start_terminal, wait_until

from .terminal_fixtures import add_terminal, east_terminal, fast_links  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def test_a_terminal_offline_for_an_hour_raises_an_issue_until_it_is_back(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    device = await add_terminal(hass, loaded_compound, east)
    assert isinstance(device, AccessTerminal)
    issue_id = f"device_unavailable_{device.subentry.subentry_id}"
    port = east.port

    await east.async_stop()
    await wait_until(lambda: not device.available)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=61))
    await hass.async_block_till_done()
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "device": device.subentry.title,
        "compound": "Longdengli",
    }

    back = await start_terminal(device_id="east", serial=east.serial, port=port)
    try:
        await wait_until(lambda: device.available, within=90)
        assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    finally:
        await back.async_stop()
