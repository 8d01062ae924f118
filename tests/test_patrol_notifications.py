"""Tests of the patrol reminder blueprint and the phone notification actions the integration handles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)

from custom_components.hanyang_compound.notification_actions import EVENT_ALERT_ACKNOWLEDGED

from .conftest import Mover
from .test_patrol_route import SHANGHAI, local, setup_route, state

STATUS = "sensor.night_patrol_status"


def _phone(hass: HomeAssistant, name: str) -> str:
    entry = MockConfigEntry(domain="mobile_app", title=name)
    entry.add_to_hass(hass)
    return (
        dr.async_get(hass)
        .async_get_or_create(
            config_entry_id=entry.entry_id, identifiers={("mobile_app", name)}, name=name
        )
        .id
    )


@pytest.fixture
async def reminded_route(
    hass: HomeAssistant, tmp_path: Path, freezer: FrozenDateTimeFactory, tags: Any
) -> tuple[MockConfigEntry, list[ServiceCall], list[ServiceCall], list[ServiceCall]]:
    """The night route at 20:50 with the patrol reminder set up for two volunteers and a manager."""
    hass.config.config_dir = str(tmp_path)
    await hass.config.async_set_time_zone(SHANGHAI)
    freezer.move_to(local("2026-11-25 20:50"))
    entry = await setup_route(hass)
    volunteers = [_phone(hass, "Volunteer Li"), _phone(hass, "Volunteer Wang")]
    manager = _phone(hass, "Manager Zhang")
    li = async_mock_service(hass, "notify", "mobile_app_volunteer_li")
    wang = async_mock_service(hass, "notify", "mobile_app_volunteer_wang")
    zhang = async_mock_service(hass, "notify", "mobile_app_manager_zhang")
    async_mock_service(hass, "logbook", "log")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "patrol reminder",
                "use_blueprint": {
                    "path": "hanyang_compound/patrol_reminder.yaml",
                    "input": {"route_status": STATUS, "volunteers": volunteers, "manager": manager},
                },
            }
        },
    )
    await hass.async_block_till_done()
    return entry, li, wang, zhang


async def _tap(hass: HomeAssistant, action: str, user_id: str | None = None) -> None:
    hass.bus.async_fire(
        "mobile_app_notification_action", {"action": action}, context=Context(user_id=user_id)
    )
    await hass.async_block_till_done()


async def test_a_due_round_reminds_volunteers_who_snooze_then_start_it(
    hass: HomeAssistant, reminded_route: Any, move_to: Mover, hass_admin_user: Any
) -> None:
    entry, li, wang, zhang = reminded_route
    (route_id,) = entry.subentries

    await move_to(local("2026-11-25 21:00"))

    assert len(li) == len(wang) == 1
    assert zhang == []
    reminder = li[0].data
    assert reminder["title"] == "Night patrol · 巡逻"
    assert reminder["message"] == "The 21:00 round is due. · 21:00 轮次巡逻时间到了。"
    actions = [action["action"] for action in reminder["data"]["actions"]]
    assert actions == [f"HANYANG_START_ROUND_{route_id}", f"HANYANG_SNOOZE_ROUND_{route_id}"]

    await _tap(hass, actions[1])
    await move_to(local("2026-11-25 21:09"))
    assert len(li) == 1
    await move_to(local("2026-11-25 21:10:01"))
    assert len(li) == len(wang) == 2

    await _tap(hass, actions[0], hass_admin_user.id)
    assert state(hass, STATUS) == "in_progress"

    await _tap(hass, actions[1])
    await move_to(local("2026-11-25 21:21"))
    assert len(li) == 2, "no reminder for a round that has started"


async def test_the_manager_hears_of_overdue_and_missed_rounds(
    hass: HomeAssistant, reminded_route: Any, move_to: Mover
) -> None:
    _entry, li, _wang, zhang = reminded_route
    logbook = async_mock_service(hass, "logbook", "log")

    await move_to(local("2026-11-25 21:00"))
    await move_to(local("2026-11-25 21:15:01"))
    assert [call.data["title"] for call in zhang] == ["Night patrol · 巡逻超时"]

    await move_to(local("2026-11-25 22:00:01"))
    assert [call.data["message"] for call in zhang][1] == (
        "The 21:00 round was missed. · 21:00 轮次巡逻已错过。"
    )
    assert logbook[0].data["name"] == "Night patrol"
    assert logbook[0].data["entity_id"] == STATUS
    assert len(li) == 1


async def test_acknowledging_an_alert_is_announced_and_unknown_routes_are_ignored(
    hass: HomeAssistant, reminded_route: Any, hass_admin_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    acknowledged = async_capture_events(hass, EVENT_ALERT_ACKNOWLEDGED)

    await _tap(hass, "HANYANG_ACKNOWLEDGE_fever-north-1234", hass_admin_user.id)
    await _tap(hass, "HANYANG_START_ROUND_no-such-route")
    await _tap(hass, "SOMEONE_ELSES_ACTION")

    assert [event.data for event in acknowledged] == [
        {"alert": "fever-north-1234", "user": hass_admin_user.id}
    ]
    assert "Ignored a phone's start of a round of a route that does not exist" in caplog.text


async def test_taps_for_unknown_routes_start_nothing_and_a_snooze_ends_with_its_route(
    hass: HomeAssistant, reminded_route: Any, move_to: Mover, caplog: pytest.LogCaptureFixture
) -> None:
    entry, li, _wang, _zhang = reminded_route
    (route_id,) = entry.subentries
    await move_to(local("2026-11-25 21:00"))
    timers = len(hass.loop._scheduled)

    for made_up in range(50):
        await _tap(hass, f"HANYANG_SNOOZE_ROUND_made-up-{made_up}")
        await _tap(hass, f"HANYANG_START_ROUND_made-up-{made_up}")

    assert len(hass.loop._scheduled) == timers
    assert "made-up" not in caplog.text

    await _tap(hass, f"HANYANG_SNOOZE_ROUND_{route_id}")
    await _tap(hass, f"HANYANG_SNOOZE_ROUND_{route_id}")
    await move_to(local("2026-11-25 21:10:01"))
    assert len(li) == 2, "one reminder however often the route was snoozed"

    await _tap(hass, f"HANYANG_SNOOZE_ROUND_{route_id}")
    assert await hass.config_entries.async_unload(entry.entry_id)
    await move_to(local("2026-11-25 21:20:01"))
    assert len(li) == 2, "no reminder from an unloaded compound"
