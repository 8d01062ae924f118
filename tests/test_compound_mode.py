"""Tests of the compound's mode: the select, the set_mode action, persistence, events and logbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.select import (
    ATTR_OPTION,
    ATTR_OPTIONS,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.translation import async_load_integrations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.hanyang_compound.const import DOMAIN, EVENT_MODE_CHANGED
from custom_components.hanyang_compound.logbook import async_describe_events
from custom_components.hanyang_compound.modes import CompoundMode

from .conftest import make_compound_entry

MODE_ENTITY = "select.longdengli_mode"


async def _set_mode(hass: HomeAssistant, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, "set_mode", data, blocking=True)


async def test_mode_select_starts_normal_on_the_compound_device(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    state = hass.states.get(MODE_ENTITY)
    assert state is not None
    assert state.state == "normal"
    assert state.attributes[ATTR_OPTIONS] == ["normal", "controlled", "lockdown", "evacuation"]

    entity = er.async_get(hass).async_get(MODE_ENTITY)
    assert entity is not None
    device = dr.async_get(hass).async_get(entity.device_id or "")
    assert device is not None
    assert device.name == "Longdengli"
    assert (DOMAIN, loaded_compound.entry_id) in device.identifiers


async def test_selecting_a_mode_fires_one_event_with_the_user(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, hass_admin_user: Any
) -> None:
    events = async_capture_events(hass, EVENT_MODE_CHANGED)

    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: MODE_ENTITY, ATTR_OPTION: "lockdown"},
        blocking=True,
        context=Context(user_id=hass_admin_user.id),
    )

    state = hass.states.get(MODE_ENTITY)
    assert state.state == "lockdown"
    assert state.context.user_id == hass_admin_user.id
    assert [event.data for event in events] == [
        {
            "compound": "Longdengli",
            "config_entry_id": loaded_compound.entry_id,
            "old": "normal",
            "new": "lockdown",
            "reason": None,
            "user": hass_admin_user.id,
        }
    ]


@pytest.mark.parametrize("reference", ["device", "entity", "entry"])
async def test_set_mode_action_accepts_the_compound_by_device_entity_or_entry(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, reference: str
) -> None:
    entity = er.async_get(hass).async_get(MODE_ENTITY)
    assert entity is not None
    target = {
        "device": entity.device_id,
        "entity": MODE_ENTITY,
        "entry": loaded_compound.entry_id,
    }[reference]
    events = async_capture_events(hass, EVENT_MODE_CHANGED)

    await _set_mode(hass, compound=target, mode="controlled", reason="District notice 12")
    await _set_mode(hass, compound=target, mode="controlled", reason="District notice 12")

    state = hass.states.get(MODE_ENTITY)
    assert state.state == "controlled"
    assert state.attributes["reason"] == "District notice 12"
    assert [event.data["reason"] for event in events] == ["District notice 12"]


async def test_setting_the_same_mode_again_announces_nothing(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_MODE_CHANGED)

    await _set_mode(hass, compound=MODE_ENTITY, mode="normal")

    assert events == []


@pytest.mark.parametrize(
    ("data", "translation_key"),
    [
        ({"compound": MODE_ENTITY, "mode": "curfew"}, "unknown_mode"),
        ({"compound": "select.nowhere", "mode": "lockdown"}, "unknown_compound"),
        ({"compound": "sun.sun", "mode": "lockdown"}, "unknown_compound"),
    ],
)
async def test_set_mode_action_rejects_bad_input_with_a_translated_error(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    data: dict[str, str],
    translation_key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as error:
        await _set_mode(hass, **data)

    assert error.value.translation_domain == DOMAIN
    assert error.value.translation_key == translation_key
    assert hass.states.get(MODE_ENTITY).state == "normal"


async def test_set_mode_action_refuses_entities_and_devices_of_other_integrations(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain="demo")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("demo", "lamp")}
    )
    er.async_get(hass).async_get_or_create("light", "demo", "lamp", config_entry=other)

    for reference in (device.id, "light.demo_lamp", other.entry_id):
        with pytest.raises(ServiceValidationError) as error:
            await _set_mode(hass, compound=reference, mode="lockdown")
        assert error.value.translation_key == "not_a_compound"
    assert hass.states.get(MODE_ENTITY).state == "normal"


async def test_set_mode_action_refuses_a_compound_that_is_not_running(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    await hass.config_entries.async_unload(loaded_compound.entry_id)
    assert loaded_compound.state is ConfigEntryState.NOT_LOADED

    with pytest.raises(ServiceValidationError) as error:
        await _set_mode(hass, compound=loaded_compound.entry_id, mode="lockdown")

    assert error.value.translation_key == "compound_not_loaded"


async def test_mode_survives_a_restart_of_the_compound(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    await _set_mode(hass, compound=MODE_ENTITY, mode="lockdown", reason="Epidemic")

    await hass.config_entries.async_reload(loaded_compound.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get(MODE_ENTITY)
    assert state.state == "lockdown"
    assert state.attributes["reason"] == "Epidemic"
    assert loaded_compound.runtime_data.mode is CompoundMode.LOCKDOWN


async def test_mode_is_read_back_from_storage_at_start(
    hass: HomeAssistant, hass_storage: dict[str, Any], compound_entry: MockConfigEntry
) -> None:
    hass_storage[f"{DOMAIN}.{compound_entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.{compound_entry.entry_id}",
        "data": {"mode": "evacuation", "changed_at": "2026-11-25T08:00:00+00:00", "reason": None},
    }
    compound_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(compound_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(MODE_ENTITY).state == "evacuation"
    summary = compound_entry.runtime_data.summary.as_dict()
    assert summary["mode"] == "evacuation"
    assert summary["mode_changed_at"] == "2026-11-25T08:00:00+00:00"


async def test_unreadable_stored_mode_falls_back_to_normal(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    compound_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass_storage[f"{DOMAIN}.{compound_entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.{compound_entry.entry_id}",
        "data": {"mode": "martial-law"},
    }
    compound_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(compound_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(MODE_ENTITY).state == "normal"
    assert "Stored compound mode" in caplog.text


async def test_removing_the_compound_forgets_its_mode(
    hass: HomeAssistant, hass_storage: dict[str, Any], loaded_compound: MockConfigEntry
) -> None:
    await _set_mode(hass, compound=MODE_ENTITY, mode="lockdown")
    await hass.async_block_till_done()
    key = f"{DOMAIN}.{loaded_compound.entry_id}"

    await hass.config_entries.async_remove(loaded_compound.entry_id)
    await hass.async_block_till_done()

    assert key not in hass_storage
    readded = make_compound_entry()
    readded.add_to_hass(hass)
    await hass.config_entries.async_setup(readded.entry_id)
    assert hass.states.get(MODE_ENTITY).state == "normal"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Normal → Lockdown: Epidemic"), ("zh-Hans", "正常 → 封闭管理: Epidemic")],
)
async def test_mode_changes_are_described_in_the_logbook_in_the_installation_language(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, language: str, expected: str
) -> None:
    await hass.config.async_update(language=language)
    await async_load_integrations(hass, {DOMAIN})
    describers: dict[str, Callable[[Event], dict[str, Any]]] = {}
    async_describe_events(
        hass, lambda _domain, event_type, describe: describers.update({event_type: describe})
    )
    events = async_capture_events(hass, EVENT_MODE_CHANGED)
    await _set_mode(hass, compound=MODE_ENTITY, mode="lockdown", reason="Epidemic")
    await _set_mode(hass, compound=MODE_ENTITY, mode="normal")

    assert describers[EVENT_MODE_CHANGED](events[0]) == {
        "name": "Longdengli",
        "message": expected,
        "entity_id": MODE_ENTITY,
    }
    assert describers[EVENT_MODE_CHANGED](events[1])["message"].endswith(
        {"en": "Lockdown → Normal", "zh-Hans": "封闭管理 → 正常"}[language]
    )


async def test_reasons_and_names_cannot_forge_log_lines(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    entry = make_compound_entry("Long\ndengli\x1b[31m")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    forged = "Epidemic\n2026-12-01 ERROR (MainThread) [homeassistant] fake line" + "x" * 500

    await hass.services.async_call(
        DOMAIN,
        "set_mode",
        {"compound": entry.entry_id, "mode": "lockdown", "reason": forged[:200]},
        blocking=True,
    )

    (line,) = [
        record.getMessage() for record in caplog.records if "switched from" in record.getMessage()
    ]
    assert "\n" not in line
    assert "\x1b" not in line
    assert "Long\\ndengli\\x1b[31m" in line
    assert "Epidemic\\n2026-12-01 ERROR" in line
    assert len(line) < 400
