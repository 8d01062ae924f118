"""Tests of patrol routes in a running Home Assistant, with frozen time and real NFC tags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.tag import async_scan_tag
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigSubentryData
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
import yaml

from custom_components.hanyang_compound.const import DOMAIN, EVENT_PATROL
from custom_components.hanyang_compound.logbook import async_describe_events
from custom_components.hanyang_compound.modes import CompoundMode

from .conftest import TAGS, Mover, make_compound_entry

DEMO = Path(__file__).resolve().parent.parent / "simulator" / "demo.yaml"
SHANGHAI = "Asia/Shanghai"
CHECKPOINTS = ["tag.north_gate", "tag.e_bike_shed", "tag.east_gate"]
STATUS = "sensor.night_patrol_status"
NEXT_ROUND = "sensor.night_patrol_next_round"
PROGRESS = "sensor.night_patrol_progress"
COMPLETED_TODAY = "sensor.night_patrol_rounds_completed_today"
MISSED_TODAY = "sensor.night_patrol_rounds_missed_today"
LAST_COMPLETED = "sensor.night_patrol_last_completed_round"
CALENDAR = "calendar.night_patrol_rounds"
START = "button.night_patrol_start_round"


def route_data(**changes: Any) -> dict[str, Any]:
    """Return a night route's subentry data as the flow stores it."""
    return {
        "name": "Night patrol",
        "checkpoints": CHECKPOINTS,
        "ordered": True,
        "schedule_normal": "21:00, 01:00",
        "schedule_controlled": "every 4 h",
        "schedule_lockdown": "every 2 h",
        "schedule_evacuation": "",
        "grace_minutes": 15,
        "duration_minutes": 45,
        **changes,
    }


def local(text: str, zone: str = SHANGHAI) -> datetime:
    """Return a local wall-clock time of the zone as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


async def setup_route(
    hass: HomeAssistant, *, options: dict[str, Any] | None = None, **changes: Any
) -> MockConfigEntry:
    entry = make_compound_entry(
        options=options,
        subentries_data=(
            ConfigSubentryData(
                data=route_data(**changes),
                subentry_type="patrol_route",
                title=changes.get("name", "Night patrol"),
                unique_id=None,
            ),
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def scan(
    hass: HomeAssistant, tag_id: str, phone: str = "phone-1", user: str | None = None
) -> None:
    await async_scan_tag(hass, tag_id, phone, Context(user_id=user))
    await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state


def summary(events: list[Event]) -> list[tuple[str, str, str | None]]:
    return [(e.data["type"], e.data["round"][11:16], e.data["checkpoint"]) for e in events]


@pytest.fixture
async def shanghai(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Home Assistant in Wuhan's time zone, at 20:00 on 25 November 2026."""
    await hass.config.async_set_time_zone(SHANGHAI)
    freezer.move_to(local("2026-11-25T20:00"))


@pytest.mark.usefixtures("shanghai", "tags")
async def test_a_night_round_goes_from_due_to_completed_and_the_next_one_is_missed(
    hass: HomeAssistant, move_to: Mover
) -> None:
    events = async_capture_events(hass, EVENT_PATROL)
    await setup_route(hass)
    assert state(hass, STATUS) == "idle"
    assert state(hass, NEXT_ROUND) == local("2026-11-25T21:00").astimezone(UTC).isoformat()
    assert state(hass, PROGRESS) == "0"
    assert hass.states.get(PROGRESS).attributes["remaining"] == [
        "North gate",
        "E-bike shed",
        "East gate",
    ]  # type: ignore[union-attr]

    await move_to(local("2026-11-25T21:00"))
    assert state(hass, STATUS) == "due"
    assert state(hass, NEXT_ROUND) == local("2026-11-26T01:00").astimezone(UTC).isoformat()

    await move_to(local("2026-11-25T21:05"))
    await scan(hass, "tag-north-gate")
    assert state(hass, STATUS) == "in_progress"
    assert state(hass, PROGRESS) == "1"
    await scan(hass, "tag-shed")
    await move_to(local("2026-11-25T21:30"))
    await scan(hass, "tag-east-gate")
    assert state(hass, STATUS) == "completed"
    assert state(hass, COMPLETED_TODAY) == "1"
    assert state(hass, LAST_COMPLETED) == local("2026-11-25T21:30").astimezone(UTC).isoformat()
    assert summary(events) == [
        ("due", "21:00", None),
        ("started", "21:00", None),
        ("checkpoint", "21:00", "tag.north_gate"),
        ("checkpoint", "21:00", "tag.e_bike_shed"),
        ("checkpoint", "21:00", "tag.east_gate"),
        ("completed", "21:00", None),
    ]

    # Midnight starts the daily counts again; nobody walks the 01:00 round.
    await move_to(local("2026-11-26T00:00"))
    assert state(hass, COMPLETED_TODAY) == "0"
    await move_to(local("2026-11-26T01:00"))
    assert state(hass, STATUS) == "due"
    await move_to(local("2026-11-26T01:15"))
    assert state(hass, STATUS) == "overdue"
    await move_to(local("2026-11-26T02:00"))
    assert state(hass, STATUS) == "missed"
    assert state(hass, MISSED_TODAY) == "1"
    assert summary(events)[6:] == [
        ("due", "01:00", None),
        ("overdue", "01:00", None),
        ("missed", "01:00", None),
    ]
    assert events[-1].data["compound"] == "Longdengli"
    assert events[-1].data["route"] == "Night patrol"
    assert events[-1].data["user"] is None


@pytest.mark.usefixtures("shanghai", "tags")
async def test_a_round_in_progress_runs_out_of_time_and_is_missed(
    hass: HomeAssistant, move_to: Mover
) -> None:
    events = async_capture_events(hass, EVENT_PATROL)
    await setup_route(hass)
    await move_to(local("2026-11-25T21:20"))
    assert state(hass, STATUS) == "overdue"
    await scan(hass, "tag-north-gate")
    assert state(hass, STATUS) == "in_progress"
    await move_to(local("2026-11-25T22:05"))
    assert state(hass, STATUS) == "missed"
    assert [e.data["type"] for e in events] == ["due", "overdue", "started", "checkpoint", "missed"]


@pytest.mark.usefixtures("shanghai", "tags")
async def test_scans_twice_out_of_order_and_from_two_phones(
    hass: HomeAssistant, move_to: Mover, hass_admin_user: Any
) -> None:
    events = async_capture_events(hass, EVENT_PATROL)
    await setup_route(hass, options={"share_resident_identity": True})
    await move_to(local("2026-11-25T21:02"))
    await scan(hass, "tag-north-gate", "phone-wang", hass_admin_user.id)
    await scan(hass, "tag-north-gate", "phone-wang", hass_admin_user.id)
    await scan(hass, "tag-east-gate", "phone-li")
    attributes = hass.states.get(PROGRESS).attributes  # type: ignore[union-attr]
    assert attributes["out_of_order"] == ["East gate"]
    assert attributes["remaining"] == ["E-bike shed", "East gate"]
    await scan(hass, "tag-shed", "phone-li")
    await scan(hass, "tag-east-gate", "phone-wang", hass_admin_user.id)
    assert state(hass, STATUS) == "completed"
    scans = [e.data for e in events if e.data["type"] == "checkpoint"]
    assert [(s["checkpoint"], s["out_of_order"], s["device_id"]) for s in scans] == [
        ("tag.north_gate", False, "phone-wang"),
        ("tag.east_gate", True, "phone-li"),
        ("tag.e_bike_shed", False, "phone-li"),
        ("tag.east_gate", False, "phone-wang"),
    ]
    assert scans[0]["user"] == hass_admin_user.id


@pytest.mark.usefixtures("shanghai", "tags")
async def test_the_scanning_phone_stays_private_by_default(
    hass: HomeAssistant, move_to: Mover, hass_admin_user: Any
) -> None:
    events = async_capture_events(hass, EVENT_PATROL)
    await setup_route(hass, ordered=False)
    await move_to(local("2026-11-25T20:50"))
    # Ten minutes early is within the grace: the scan starts the 21:00 round.
    await scan(hass, "tag-east-gate", "phone-wang", hass_admin_user.id)
    await scan(hass, "tag-unknown", "phone-wang", hass_admin_user.id)
    assert state(hass, STATUS) == "in_progress"
    assert [(e.data["type"], e.data["user"], "device_id" in e.data) for e in events] == [
        ("started", None, False),
        ("checkpoint", None, False),
    ]


@pytest.mark.usefixtures("shanghai", "tags")
async def test_lockdown_brings_the_next_round_forward_and_a_round_in_progress_continues(
    hass: HomeAssistant, move_to: Mover
) -> None:
    await move_to(local("2026-11-25T14:00"))
    entry = await setup_route(hass, schedule_normal="14:30, 21:00")
    compound = entry.runtime_data
    assert state(hass, NEXT_ROUND) == local("2026-11-25T14:30").astimezone(UTC).isoformat()
    await move_to(local("2026-11-25T14:30"))
    await scan(hass, "tag-north-gate")

    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "in_progress"
    assert state(hass, NEXT_ROUND) == local("2026-11-25T16:00").astimezone(UTC).isoformat()
    await scan(hass, "tag-shed")
    await scan(hass, "tag-east-gate")
    assert state(hass, STATUS) == "completed"
    await move_to(local("2026-11-25T16:00"))
    assert state(hass, STATUS) == "due"

    # Evacuation has no rounds: the due one runs its course, no next one is planned.
    await compound.async_set_mode(CompoundMode.EVACUATION, context=None)
    await hass.async_block_till_done()
    assert state(hass, NEXT_ROUND) == "unknown"
    await move_to(local("2026-11-25T17:00"))
    assert state(hass, STATUS) == "missed"


@pytest.mark.usefixtures("shanghai", "tags")
async def test_a_round_in_progress_survives_a_restart(hass: HomeAssistant, move_to: Mover) -> None:
    entry = await setup_route(hass)
    await move_to(local("2026-11-25T21:05"))
    await scan(hass, "tag-north-gate")
    assert await hass.config_entries.async_unload(entry.entry_id)
    await move_to(local("2026-11-25T21:10"))
    events = async_capture_events(hass, EVENT_PATROL)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert events == []
    assert state(hass, STATUS) == "in_progress"
    assert state(hass, PROGRESS) == "1"
    await scan(hass, "tag-shed")
    await scan(hass, "tag-east-gate")
    assert state(hass, STATUS) == "completed"


@pytest.mark.usefixtures("shanghai", "tags")
async def test_rounds_that_fell_due_while_home_assistant_was_down_are_reported_once(
    hass: HomeAssistant, move_to: Mover
) -> None:
    entry = await setup_route(hass)
    await entry.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    assert await hass.config_entries.async_unload(entry.entry_id)
    # Down from 20:00 to 03:10: lockdown rounds at 22:00, 00:00 and 02:00 passed.
    await move_to(local("2026-11-26T03:10"))
    events = async_capture_events(hass, EVENT_PATROL)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert summary(events) == [("missed", "02:00", None)]
    assert state(hass, MISSED_TODAY) == "1"
    assert state(hass, NEXT_ROUND) == local("2026-11-26T04:00").astimezone(UTC).isoformat()


@pytest.mark.usefixtures("shanghai", "tags")
async def test_the_start_button_starts_the_due_round_or_an_extra_one(
    hass: HomeAssistant, move_to: Mover
) -> None:
    events = async_capture_events(hass, EVENT_PATROL)
    await setup_route(hass)
    await move_to(local("2026-11-25T21:01"))
    await hass.services.async_call("button", "press", {"entity_id": START}, blocking=True)
    assert state(hass, STATUS) == "in_progress"
    with pytest.raises(HomeAssistantError) as error:
        await hass.services.async_call("button", "press", {"entity_id": START}, blocking=True)
    assert error.value.translation_key == "round_already_started"
    assert str(error.value) == "The round of Night patrol is already in progress"
    await move_to(local("2026-11-25T21:50"))
    assert state(hass, STATUS) == "missed"

    # Nothing is due until 01:00: the button starts an extra round now.
    await move_to(local("2026-11-25T23:00"))
    await hass.services.async_call("button", "press", {"entity_id": START}, blocking=True)
    for tag_id in TAGS:
        await scan(hass, tag_id)
    assert state(hass, STATUS) == "completed"
    assert summary(events)[-5:] == [
        ("started", "23:00", None),
        ("checkpoint", "23:00", "tag.north_gate"),
        ("checkpoint", "23:00", "tag.e_bike_shed"),
        ("checkpoint", "23:00", "tag.east_gate"),
        ("completed", "23:00", None),
    ]
    assert state(hass, NEXT_ROUND) == local("2026-11-26T01:00").astimezone(UTC).isoformat()


@pytest.mark.usefixtures("shanghai", "tags")
async def test_skipping_a_round_is_logged_and_announced(
    hass: HomeAssistant,
    move_to: Mover,
    hass_admin_user: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await setup_route(hass)
    events = async_capture_events(hass, EVENT_PATROL)
    status_entry = er.async_get(hass).async_get(STATUS)
    assert status_entry is not None
    assert status_entry.device_id is not None
    device = dr.async_get(hass).async_get(status_entry.device_id)
    assert device is not None
    assert device.via_device_id is not None
    caplog.set_level(logging.INFO)
    await hass.services.async_call(
        DOMAIN,
        "skip_round",
        {"route": device.id, "reason": "Typhoon warning"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )
    assert "Patrol round 21:00 of Night patrol skipped by user" in caplog.text
    assert state(hass, NEXT_ROUND) == local("2026-11-26T01:00").astimezone(UTC).isoformat()
    await move_to(local("2026-11-26T01:00"))
    await hass.services.async_call(
        DOMAIN, "skip_round", {"route": STATUS, "reason": "Drill"}, blocking=True
    )
    assert state(hass, STATUS) == "idle"
    assert [(e.data["type"], e.data["round"][11:16], e.data["reason"]) for e in events] == [
        ("skipped", "21:00", "Typhoon warning"),
        ("due", "01:00", None),
        ("skipped", "01:00", "Drill"),
    ]
    assert events[0].data["user"] == hass_admin_user.id

    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN, "skip_round", {"route": "sensor.nothing", "reason": "x"}, blocking=True
        )
    assert error.value.translation_key == "unknown_route"
    await entry.runtime_data.async_set_mode(CompoundMode.EVACUATION, context=None)
    with pytest.raises(ServiceValidationError) as error:
        await hass.services.async_call(
            DOMAIN, "skip_round", {"route": STATUS, "reason": "x"}, blocking=True
        )
    assert error.value.translation_key == "no_round_to_skip"


async def calendar_events(hass: HomeAssistant, start: str, end: str) -> list[dict[str, Any]]:
    """Return the route calendar's events between two Shanghai wall-clock times."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {
            "entity_id": CALENDAR,
            "start_date_time": local(start).isoformat(),
            "end_date_time": local(end).isoformat(),
        },
        blocking=True,
        return_response=True,
    )
    assert response is not None
    events: list[dict[str, Any]] = response[CALENDAR]["events"]  # type: ignore[index]
    return events


@pytest.mark.usefixtures("shanghai", "tags")
async def test_the_calendar_shows_past_open_and_upcoming_rounds(
    hass: HomeAssistant, move_to: Mover
) -> None:
    await setup_route(hass)
    await move_to(local("2026-11-25T21:00"))
    assert state(hass, CALENDAR) == "on"
    await move_to(local("2026-11-25T22:00"))
    await move_to(local("2026-11-26T01:05"))
    await scan(hass, "tag-north-gate")
    await move_to(local("2026-11-26T01:50"))
    await hass.services.async_call(
        DOMAIN, "skip_round", {"route": CALENDAR, "reason": "Typhoon"}, blocking=True
    )
    rounds = await calendar_events(hass, "2026-11-25T12:00", "2026-11-27T12:00")
    assert [(r["start"][8:16], r["end"][11:16], r.get("description")) for r in rounds] == [
        ("25T21:00", "22:00", "Round missed"),
        ("26T01:00", "01:50", "Round missed"),
        ("26T21:00", "22:00", "Round skipped"),
        ("27T01:00", "02:00", None),
    ]
    # Beyond six weeks nothing is predicted.
    assert await calendar_events(hass, "2027-06-01T00:00", "2027-07-01T00:00") == []

    await move_to(local("2026-11-27T01:05"))
    await scan(hass, "tag-north-gate")
    event = hass.states.get(CALENDAR)
    assert event is not None
    assert event.attributes["description"] == "In progress"
    assert {r["summary"] for r in rounds} == {"Night patrol"}


@pytest.mark.usefixtures("shanghai", "tags")
async def test_a_deleted_tag_raises_a_repair_issue_naming_the_route(
    hass: HomeAssistant, tags: Any
) -> None:
    await setup_route(hass)
    registry = ir.async_get(hass)
    assert not [i for i in registry.issues.values() if i.domain == DOMAIN]
    await tags.send_json_auto_id({"type": "tag/delete", "tag_id": "tag-shed"})
    assert (await tags.receive_json())["success"]
    await hass.async_block_till_done()
    issues = [i for i in registry.issues.values() if i.domain == DOMAIN]
    assert len(issues) == 1
    assert issues[0].translation_key == "patrol_checkpoint_missing"
    assert issues[0].translation_placeholders == {
        "route": "Night patrol",
        "checkpoint": "tag.e_bike_shed",
    }
    await tags.send_json_auto_id(
        {"type": "tag/create", "tag_id": "tag-shed", "name": "E-bike shed"}
    )
    assert (await tags.receive_json())["success"]
    await hass.async_block_till_done()
    assert not [i for i in registry.issues.values() if i.domain == DOMAIN]


@pytest.mark.usefixtures("tags")
async def test_rounds_keep_local_times_over_a_daylight_saving_night(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, move_to: Mover
) -> None:
    berlin = "Europe/Berlin"
    await hass.config.async_set_time_zone(berlin)
    # Clocks go forward from 02:00 to 03:00 on 29 March 2026.
    freezer.move_to(local("2026-03-28T20:00", berlin))
    await setup_route(hass, schedule_normal="01:00, 03:30")
    assert state(hass, NEXT_ROUND) == local("2026-03-29T01:00", berlin).astimezone(UTC).isoformat()
    await move_to(local("2026-03-29T01:00", berlin))
    assert state(hass, STATUS) == "due"
    await move_to(local("2026-03-29T02:00", berlin))
    assert state(hass, STATUS) == "missed"
    # Only one hour passed since 01:00 in real time, but 03:30 is the next local time.
    assert state(hass, NEXT_ROUND) == "2026-03-29T01:30:00+00:00"
    await move_to(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert state(hass, STATUS) == "due"


@pytest.mark.usefixtures("shanghai", "tags")
async def test_patrol_events_are_described_in_the_logbook(
    hass: HomeAssistant, move_to: Mover
) -> None:
    events = async_capture_events(hass, EVENT_PATROL)
    await setup_route(hass)
    await move_to(local("2026-11-25T21:00"))
    await scan(hass, "tag-shed")
    describers: dict[str, Callable[[Event], dict[str, Any]]] = {}

    def register(domain: str, event_type: str, describe: Callable[[Event], dict[str, Any]]) -> None:
        assert domain == DOMAIN
        describers[event_type] = describe

    async_describe_events(hass, register)
    described = [describers[EVENT_PATROL](event) for event in events]
    assert [d["message"] for d in described] == [
        "Round due (21:00)",
        "Round started (21:00)",
        "Checkpoint scanned (21:00): E-bike shed · Scanned out of order",
    ]
    assert {d["name"] for d in described} == {"Night patrol"}
    assert {d["entity_id"] for d in described} == {STATUS}
    assert er.async_get(hass).async_get(STATUS) is not None


def _suggested(schema: Any, key: str) -> Any:
    marker = next(marker for marker in schema.schema if marker == key)
    return (marker.description or {}).get("suggested_value")


@pytest.mark.usefixtures("shanghai", "tags")
async def test_a_route_is_added_and_reconfigured_with_checked_schedules(
    hass: HomeAssistant,
) -> None:
    loaded_compound = await setup_route(hass)
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (loaded_compound.entry_id, "patrol_route"), context={"source": SOURCE_USER}
    )
    assert _suggested(result["data_schema"], "schedule_normal") == "21:00, 01:00"
    assert _suggested(result["data_schema"], "schedule_lockdown") == "every 2 h"
    assert (
        result["data_schema"]({"name": "x", "checkpoints": ["tag.north_gate"]})["grace_minutes"]
        == 15
    )

    result = await flows.async_configure(
        result["flow_id"],
        {
            "name": "  ",
            "checkpoints": [],
            "schedule_normal": "21:00",
            "schedule_lockdown": "every day",
            "grace_minutes": 15,
            "duration_minutes": 45,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {
        "name": "route_name_empty",
        "checkpoints": "checkpoints_empty",
        "schedule_lockdown": "schedule_invalid",
    }
    # A cleared schedule stays cleared when the form is shown again.
    assert _suggested(result["data_schema"], "schedule_controlled") == ""

    result = await flows.async_configure(
        result["flow_id"],
        {
            "name": " Shed  check ",
            "checkpoints": ["tag.e_bike_shed", "tag.north_gate", "tag.e_bike_shed"],
            "ordered": False,
            "schedule_normal": "22:30\uff0c6:00",
            "schedule_lockdown": "every 3 h",
            "grace_minutes": 10,
            "duration_minutes": 20,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = [s for s in loaded_compound.subentries.values() if s.title != "Night patrol"]
    assert subentry.title == "Shed check"
    assert dict(subentry.data) == {
        "name": "Shed check",
        "checkpoints": ["tag.e_bike_shed", "tag.north_gate"],
        "ordered": False,
        "schedule_normal": "22:30\uff0c6:00",
        "schedule_controlled": "",
        "schedule_lockdown": "every 3 h",
        "schedule_evacuation": "",
        "grace_minutes": 10,
        "duration_minutes": 20,
    }
    await hass.async_block_till_done()
    assert (
        state(hass, "sensor.shed_check_next_round")
        == local("2026-11-25T22:30").astimezone(UTC).isoformat()
    )

    result = await flows.async_init(
        (loaded_compound.entry_id, "patrol_route"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id},
    )
    assert _suggested(result["data_schema"], "schedule_lockdown") == "every 3 h"
    # Its own name is no clash; another route's is.
    result = await flows.async_configure(
        result["flow_id"], {**subentry.data, "name": "night  PATROL"}
    )
    assert result["errors"] == {"name": "route_name_taken"}
    result = await flows.async_configure(result["flow_id"], {**subentry.data, "name": "Shed check"})
    assert result["type"] is FlowResultType.ABORT
    result = await flows.async_init(
        (loaded_compound.entry_id, "patrol_route"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id},
    )
    result = await flows.async_configure(
        result["flow_id"], {**subentry.data, "schedule_normal": "20:30"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert (
        state(hass, "sensor.shed_check_next_round")
        == local("2026-11-25T20:30").astimezone(UTC).isoformat()
    )


@pytest.mark.usefixtures("shanghai")
async def test_the_demo_night_route_is_added_as_scripts_develop_adds_it(
    hass: HomeAssistant, hass_ws_client: Any, loaded_compound: MockConfigEntry
) -> None:
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))["home_assistant"]
    assert await async_setup_component(hass, "tag", {})
    client = await hass_ws_client(hass)
    for tag in demo["tags"]:
        await client.send_json_auto_id(
            {"type": "tag/create", "tag_id": tag["id"], "name": tag["name"]}
        )
        assert (await client.receive_json())["success"]
    routes = [wanted for wanted in demo["subentries"] if wanted["type"] == "patrol_route"]
    assert [route["title"] for route in routes] == ["Night patrol"]
    for wanted in routes:
        result = await hass.config_entries.subentries.async_init(
            (loaded_compound.entry_id, wanted["type"]), context={"source": SOURCE_USER}
        )
        for step in wanted["steps"]:
            result = await hass.config_entries.subentries.async_configure(result["flow_id"], step)
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["title"] == wanted["title"]
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "idle"
    assert state(hass, NEXT_ROUND) == local("2026-11-25T21:00").astimezone(UTC).isoformat()
    assert not [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]


@pytest.mark.usefixtures("shanghai", "tags")
async def test_removed_routes_and_compounds_leave_no_stored_rounds(
    hass: HomeAssistant, hass_storage: dict[str, Any], move_to: Mover
) -> None:
    entry = await setup_route(hass)
    (subentry_id,) = entry.subentries
    key = f"{DOMAIN}.patrol.{entry.entry_id}.{subentry_id}"
    await move_to(local("2026-11-25T21:00"))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass_storage[key]["data"]["open_round"]["slot"] == "2026-11-25T13:00:00+00:00"

    assert hass.config_entries.async_remove_subentry(entry, subentry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    assert hass.states.get(STATUS) is None
    assert await hass.config_entries.async_remove(entry.entry_id)

    second = await setup_route(hass, name="Shed check")
    (second_id,) = second.subentries
    assert await hass.config_entries.async_unload(second.entry_id)
    assert f"{DOMAIN}.patrol.{second.entry_id}.{second_id}" in hass_storage
    assert await hass.config_entries.async_remove(second.entry_id)
    await hass.async_block_till_done()
    assert f"{DOMAIN}.patrol.{second.entry_id}.{second_id}" not in hass_storage
