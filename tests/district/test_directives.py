"""Directives from the district: carried out through the compound's door, once, as the compound allows."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.hanyang_compound.const import EVENT_MODE_CHANGED
from custom_components.hanyang_compound.modes import CompoundMode

from .broker import Watcher, wait_until
from .conftest import (
    BASE,
    TARGET_COMPOUND,
    TOPIC_ALL,
    TOPIC_COMPOUND,
    TOPIC_ZONE,
    directive,
    linked_entry,
)

RESULT = f"{BASE}/result"


def result_of(watcher: Watcher, directive_id: str) -> str | None:
    """Return the last result the compound reported for a directive."""
    report = watcher.json(RESULT) if RESULT in watcher.messages else {}
    return report.get("result") if report.get("id") == directive_id else None


@pytest.mark.parametrize(
    ("topic", "target"),
    [(TOPIC_COMPOUND, TARGET_COMPOUND), (TOPIC_ZONE, "qingchuan"), (TOPIC_ALL, "all")],
)
async def test_a_lockdown_directive_to_the_compound_its_zone_or_all_is_applied(
    hass: HomeAssistant, linked: MockConfigEntry, watcher: Watcher, topic: str, target: str
) -> None:
    events = async_capture_events(hass, EVENT_MODE_CHANGED)

    watcher.publish(topic, directive("d-1", target, "lockdown"))
    await wait_until(lambda: result_of(watcher, "d-1") == "applied")

    assert linked.runtime_data.mode is CompoundMode.LOCKDOWN
    assert linked.runtime_data.mode_reason == "Epidemic control notice"
    assert events[-1].data["directive"] == "d-1"
    assert events[-1].data["issuer"] == "district-office"
    assert events[-1].data["user"] is None
    await wait_until(lambda: watcher.json(f"{BASE}/state")["mode"] == "lockdown")


async def test_the_district_lifts_its_own_lockdown_but_not_the_compounds(
    hass: HomeAssistant, linked: MockConfigEntry, watcher: Watcher
) -> None:
    compound = linked.runtime_data
    watcher.publish(TOPIC_ZONE, directive("d-1", "qingchuan", "lockdown"))
    await wait_until(lambda: result_of(watcher, "d-1") == "applied")
    watcher.publish(
        TOPIC_ZONE, directive("d-2", "qingchuan", "normal", issued_at="2026-12-01T09:00:00+00:00")
    )
    await wait_until(lambda: result_of(watcher, "d-2") == "applied")
    assert compound.mode is CompoundMode.NORMAL

    # A lockdown the compound started itself is the compound's to lift.
    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None, reason="Our own")
    watcher.publish(
        TOPIC_ZONE, directive("d-3", "qingchuan", "normal", issued_at="2026-12-01T10:00:00+00:00")
    )
    await wait_until(lambda: result_of(watcher, "d-3") == "refused")
    assert watcher.json(RESULT)["refusal"] == "mode_refused_district_not_its_own"
    assert compound.mode is CompoundMode.LOCKDOWN


@pytest.mark.parametrize(
    ("rights", "result", "mode"),
    [
        ("nothing", "refused", CompoundMode.LOCKDOWN),
        ("any_restriction", "applied", CompoundMode.NORMAL),
    ],
)
@pytest.mark.usefixtures("mqtt_ready")
async def test_what_the_district_may_do_is_the_compounds_option(
    hass: HomeAssistant,
    watcher: Watcher,
    rights: str,
    result: str,
    mode: CompoundMode,
) -> None:
    entry = linked_entry(rights)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await entry.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    await wait_until(lambda: f"{BASE}/state" in watcher.messages)

    watcher.publish(TOPIC_COMPOUND, directive("d-1", TARGET_COMPOUND, "normal"))

    await wait_until(lambda: result_of(watcher, "d-1") == result)
    assert entry.runtime_data.mode is mode


async def test_evacuation_is_started_and_ended_by_the_district(
    hass: HomeAssistant, linked: MockConfigEntry, watcher: Watcher
) -> None:
    watcher.publish(TOPIC_ALL, directive("d-1", "all", "evacuation"))
    await wait_until(lambda: result_of(watcher, "d-1") == "applied")
    watcher.publish(
        TOPIC_ALL, directive("d-2", "all", "normal", issued_at="2026-12-01T09:00:00+00:00")
    )
    await wait_until(lambda: result_of(watcher, "d-2") == "applied")
    assert linked.runtime_data.mode is CompoundMode.NORMAL


async def test_a_directive_is_carried_out_once_even_after_a_restart(
    hass: HomeAssistant, linked: MockConfigEntry, watcher: Watcher
) -> None:
    compound = linked.runtime_data
    watcher.publish(TOPIC_ZONE, directive("d-1", "qingchuan", "lockdown"))
    await wait_until(lambda: result_of(watcher, "d-1") == "applied")
    # The compound's administrator lifts it; the directive still stands, retained.
    await compound.async_set_mode(CompoundMode.NORMAL, context=None)

    watcher.publish(TOPIC_ZONE, directive("d-1", "qingchuan", "lockdown"))
    assert await hass.config_entries.async_reload(linked.entry_id)
    await hass.async_block_till_done()
    await wait_until(lambda: watcher.messages.get(f"{BASE}/availability") == b"online")
    await wait_until(lambda: watcher.json(f"{BASE}/state")["mode"] == "normal")

    assert linked.runtime_data.mode is CompoundMode.NORMAL


async def test_a_deleted_compound_forgets_its_directives(
    hass: HomeAssistant,
    linked: MockConfigEntry,
    watcher: Watcher,
    hass_storage: dict[str, Any],
) -> None:
    watcher.publish(TOPIC_COMPOUND, directive("d-1", TARGET_COMPOUND, "controlled"))
    await wait_until(lambda: result_of(watcher, "d-1") == "applied")
    key = f"hanyang_compound.district.{linked.entry_id}"
    await wait_until(lambda: key in hass_storage)

    assert await hass.config_entries.async_remove(linked.entry_id)
    await hass.async_block_till_done()

    assert key not in hass_storage
