"""Tests of the fever-or-no-mask blueprint against a simulated access terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)

from custom_components.hanyang_compound import terminal as terminal_module
from custom_components.hanyang_compound.const import CONF_SHARE_RESIDENT_IDENTITY
from custom_components.hanyang_compound.notification_actions import EVENT_ALERT_ACKNOWLEDGED
from tests.terminal_sim import FAST, start_terminal, wait_until

from .conftest import make_compound_entry
from .test_terminal import add_terminal, entity_id

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.mark.parametrize("share_identity", [False, True])
async def test_the_duty_phone_hears_of_fevers_and_missing_masks_and_can_acknowledge(
    hass: HomeAssistant,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hass_admin_user: Any,
    *,
    share_identity: bool,
) -> None:
    monkeypatch.setattr(terminal_module, "TIMING", FAST)
    hass.config.config_dir = str(tmp_path)
    entry = make_compound_entry(options={CONF_SHARE_RESIDENT_IDENTITY: share_identity})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    phone_entry = MockConfigEntry(domain="mobile_app")
    phone_entry.add_to_hass(hass)
    phone = dr.async_get(hass).async_get_or_create(
        config_entry_id=phone_entry.entry_id,
        identifiers={("mobile_app", "duty")},
        name="Duty phone",
    )
    notifications = async_mock_service(hass, "notify", "mobile_app_duty_phone")
    simulated = await start_terminal(device_id="east", serial="DS-EAST-0001", history=5)
    try:
        terminal = await add_terminal(hass, entry, simulated)
        access = entity_id(hass, terminal, Platform.EVENT, "access")
        assert await async_setup_component(
            hass,
            "automation",
            {
                "automation": {
                    "alias": "screening",
                    "use_blueprint": {
                        "path": "hanyang_compound/fever_or_no_mask.yaml",
                        "input": {"terminals": [access], "duty_phone": phone.id},
                    },
                }
            },
        )
        await hass.async_block_till_done()

        # People pass one by one: each screening is its own event, as at a real entrance.
        for screening in (
            {"temperature": 36.5, "mask": True, "name": "张伟"},
            {"temperature": 38.2, "mask": True, "name": "张伟"},
            {"temperature": 36.6, "mask": False, "name": "李娜"},
        ):
            before = hass.states.get(access).attributes.get("serial_no")
            await simulated.async_command("pass", screening)
            await wait_until(
                lambda before=before: hass.states.get(access).attributes.get("serial_no") != before
            )
        await hass.async_block_till_done()
    finally:
        await simulated.async_stop()

    fever, no_mask = (call.data for call in notifications)
    entrance = terminal.entrance_name
    assert fever["title"] == f"{entrance} · Fever · 体温异常"
    assert no_mask["title"] == f"{entrance} · No mask · 未戴口罩"
    assert " · 38.2 °C" in fever["message"]
    assert ("张伟" in fever["message"]) is share_identity
    assert ("李娜" in no_mask["message"]) is share_identity

    acknowledged = async_capture_events(hass, EVENT_ALERT_ACKNOWLEDGED)
    (action,) = fever["data"]["actions"]
    hass.bus.async_fire("mobile_app_notification_action", {"action": action["action"]})
    await hass.async_block_till_done()
    assert acknowledged[0].data["alert"] == fever["data"]["tag"]
