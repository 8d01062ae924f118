"""A patrol round walked with the simulated phone, through mobile_app's webhook as a real phone does."""

from __future__ import annotations

from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.auth.models import TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.hanyang_compound.const import EVENT_PATROL
from simulator.phone import PhoneError, SimulatedPhone, main

from .test_patrol_route import (  # noqa: F401 - shanghai is a fixture shared with the route tests
    local,
    setup_route,
    shanghai,
    state,
)


@pytest.fixture
async def mobile_app(hass: HomeAssistant) -> None:
    """The companion app's integration; set up before anything starts HTTP."""
    for component in ("mobile_app", "repairs"):
        assert await async_setup_component(hass, component, {})


@pytest.mark.usefixtures("shanghai", "socket_enabled", "mobile_app", "tags")
async def test_the_simulated_phone_walks_a_round_like_the_companion_app(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client: Any,
    hass_admin_user: Any,
    tmp_path: Path,
) -> None:
    events = async_capture_events(hass, EVENT_PATROL)
    tag_scans = async_capture_events(hass, "tag_scanned")
    await setup_route(hass, options={"share_resident_identity": True})
    freezer.move_to(local("2026-11-25T21:00"))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    client = await hass_client()
    # A long-lived access token, as a volunteer coordinator creates on their profile page.
    refresh_token = await hass.auth.async_create_refresh_token(
        hass_admin_user,
        client_name="Simulated phone",
        token_type=TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN,
        access_token_expiration=timedelta(days=30),
    )
    token = hass.auth.async_create_access_token(refresh_token)
    state_file = tmp_path / "phone.json"
    phone = SimulatedPhone(client.session, str(client.make_url("")), token, state_file)

    for tag_id in ("tag-north-gate", "tag-shed", "tag-east-gate"):
        await phone.async_scan(tag_id)
        await hass.async_block_till_done()

    assert state(hass, "sensor.night_patrol_status") == "completed"
    (registration,) = hass.config_entries.async_entries("mobile_app")
    (phone_device,) = dr.async_entries_for_config_entry(dr.async_get(hass), registration.entry_id)
    assert phone_device.name == "Volunteer phone (simulated)"
    scans = [event.data for event in events if event.data["type"] == "checkpoint"]
    assert {(scan["device_id"], scan["user"]) for scan in scans} == {
        (phone_device.id, hass_admin_user.id)
    }
    # One registration served every scan.
    assert len(hass.config_entries.async_entries("mobile_app")) == 1

    # A kept registration needs no token: scripts/develop's stand-in phone file has only its webhook.
    stand_in = tmp_path / "stand-in.json"
    webhook_id = json.loads(state_file.read_text(encoding="utf-8"))["webhook_id"]
    stand_in.write_text(json.dumps({"webhook_id": webhook_id}), encoding="utf-8")
    again = SimulatedPhone(client.session, str(client.make_url("")), None, stand_in)
    await again.async_scan("tag-north-gate")
    await hass.async_block_till_done()
    assert len(hass.config_entries.async_entries("mobile_app")) == 1
    assert [scan.data["tag_id"] for scan in tag_scans][-1] == "tag-north-gate"
    assert len(tag_scans) == 4

    refused = SimulatedPhone(
        client.session, str(client.make_url("")), "not-a-token", tmp_path / "other.json"
    )
    with pytest.raises(PhoneError):
        await refused.async_scan("tag-north-gate")


def test_without_a_registration_the_command_line_asks_for_a_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("HASS_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # where no .develop/phone.json lies
    assert main(["scan", "tag-north-gate"]) == 1
    assert "HASS_TOKEN" in capsys.readouterr().err


@pytest.mark.usefixtures("socket_enabled")
def test_the_command_line_reports_an_unreachable_home_assistant(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        [
            "--ha-url",
            "http://127.0.0.1:9",
            "--token",
            "t",
            "--state-file",
            str(tmp_path / "p.json"),
            "scan",
            "x",
        ]
    )
    assert code == 1
    assert "simulated phone:" in capsys.readouterr().err
