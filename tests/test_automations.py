"""Tests of the compound's triggers and conditions on every release, and its own where offered.

Device triggers and conditions exist on every supported release; the integration's own triggers
and conditions (hanyang_compound.<key>) only on releases that offer integrations them.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys
from typing import Any

from homeassistant.components import automation
from homeassistant.components.device_automation import (
    DeviceAutomationType,
    async_get_device_automations,
)
from homeassistant.core import Event, HomeAssistant, ServiceCall
from homeassistant.helpers import (
    condition,
    device_registry as dr,
    entity_registry as er,
    trigger as core_trigger,
)
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service
import voluptuous as vol
import yaml

from custom_components.hanyang_compound import device_condition, device_trigger
from custom_components.hanyang_compound.compound import Compound
from custom_components.hanyang_compound.const import (
    DOMAIN,
    EVENT_ENTRANCE_OVERRIDE,
    EVENT_GATE_FAULT,
    EVENT_MANHOLE_ATTENTION,
    EVENT_PATROL,
    EVENT_SCREENING_ALERT,
    EVENT_SHED_OVERHEAT,
)
from custom_components.hanyang_compound.modes import CompoundMode

from .conftest import Mover
from .full_compound import full_compound_fixture  # noqa: F401 - a fixture
from .iomodule.conftest import gateway  # noqa: F401 - a fixture
from .terminal_fixtures import east_terminal, fast_links  # noqa: F401 - fixtures
from .test_patrol_route import local, shanghai  # noqa: F401 - a fixture
from .test_terminal_delivery import SUBENTRY_ID as TERMINAL

pytestmark = pytest.mark.usefixtures("socket_enabled")

COMPONENT = Path(__file__).parent.parent / "custom_components" / DOMAIN
INTEGRATION_TRIGGERS = hasattr(core_trigger, "Trigger")
"""Whether this release lets integrations offer their own triggers and conditions (2026.x)."""
NO_INTEGRATION_TRIGGERS = pytest.mark.skipif(
    not INTEGRATION_TRIGGERS,
    reason="this release has no integration triggers or conditions, only device automations",
)

DEVICE_TYPES = {
    None: {"mode_changed", "mode_normal", "mode_controlled", "mode_lockdown", "mode_evacuation"},
    TERMINAL: {"fever_detected", "no_mask", "entrance_overridden"},
    "gate1": {"entrance_overridden", "gate_fault"},
    "patrol1": {"round_due", "round_overdue", "round_missed"},
    "manhole3": {"manhole_attention"},
    "shed2": {"shed_overheat"},
    "light1": set(),
}
"""The device triggers each device offers (None: the compound's own device)."""


def device_id(hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str | None) -> str:
    """Return the registry id of the compound's device (None) or of a subentry's."""
    registry = er.async_get(hass)
    if subentry_id is None:  # the device of the compound's mode select
        mode = registry.async_get_entity_id("select", DOMAIN, f"{entry.entry_id}_mode")
        assert mode is not None
        entity = registry.async_get(mode)
        assert entity is not None
        assert entity.device_id is not None
        return entity.device_id
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.config_subentry_id == subentry_id and entity.device_id:
            return entity.device_id
    raise AssertionError(f"no device for {subentry_id}")


def device_automation(
    hass: HomeAssistant, entry: MockConfigEntry, key: str, subentry_id: str | None, kind: str
) -> dict[str, Any]:
    """Return a device trigger or condition (key) of the integration on a device of the compound."""
    return {
        key: "device",
        "domain": DOMAIN,
        "device_id": device_id(hass, entry, subentry_id),
        "type": kind,
    }


def fire(hass: HomeAssistant, entry: MockConfigEntry, event_type: str, **data: Any) -> None:
    """Fire one of the compound's events as its runtime does."""
    compound: Compound = entry.runtime_data
    compound.fire_event(event_type, data, None)


async def automations(hass: HomeAssistant, configs: list[dict[str, Any]]) -> list[ServiceCall]:
    """Set up one automation per trigger config; return the calls their actions make."""
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "alias": f"a{index}",
                    "triggers": [config],
                    "actions": {"action": "test.automation", "data": {"index": index}},
                }
                for index, config in enumerate(configs)
            ]
        },
    )
    await hass.async_block_till_done()
    return calls


def fired(calls: list[ServiceCall]) -> list[int]:
    """Return which automations ran, in order, and forget them."""
    indices = [call.data["index"] for call in calls]
    calls.clear()
    return indices


async def test_each_device_offers_its_triggers_and_conditions(
    hass: HomeAssistant, full_compound: MockConfigEntry
) -> None:
    for subentry_id, types in DEVICE_TYPES.items():
        device = device_id(hass, full_compound, subentry_id)
        triggers = (
            await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, [device])
        )[device]
        assert {t["type"] for t in triggers if t["domain"] == DOMAIN} == types, subentry_id
    conditions: dict[str | None, set[str]] = {}
    for subentry_id in (None, TERMINAL, "gate1", "patrol1", "manhole3"):
        device = device_id(hass, full_compound, subentry_id)
        offered = await async_get_device_automations(hass, DeviceAutomationType.CONDITION, [device])
        conditions[subentry_id] = {c["type"] for c in offered[device] if c["domain"] == DOMAIN}
    assert conditions == {
        None: {"is_normal", "is_controlled", "is_lockdown", "is_evacuation"},
        TERMINAL: {"entrance_shut"},
        "gate1": {"entrance_shut"},
        "patrol1": {"round_overdue"},
        "manhole3": set(),
    }


async def test_devices_of_others_offer_nothing_and_a_removed_device_fires_nothing(
    hass: HomeAssistant, full_compound: MockConfigEntry
) -> None:
    other = MockConfigEntry(domain="demo")
    other.add_to_hass(hass)
    registry = dr.async_get(hass)
    foreign = registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("demo", "lamp")}
    )
    for kind in (DeviceAutomationType.TRIGGER, DeviceAutomationType.CONDITION):
        offered = await async_get_device_automations(hass, kind, [foreign.id])
        assert [item for item in offered[foreign.id] if item["domain"] == DOMAIN] == []
    assert await device_trigger.async_get_triggers(hass, "no such device") == []
    assert await device_condition.async_get_conditions(hass, "no such device") == []
    gate = device_id(hass, full_compound, "gate1")
    calls = await automations(
        hass, [{"trigger": "device", "domain": DOMAIN, "device_id": gate, "type": "gate_fault"}]
    )
    checker = device_condition.async_condition_from_config(
        hass, {"device_id": gate, "type": "entrance_shut"}
    )
    await full_compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    assert checker(hass) is True
    registry.async_remove_device(gate)
    assert checker(hass) is False
    fire(hass, full_compound, EVENT_GATE_FAULT, subentry_id="gate1")
    await hass.async_block_till_done()
    assert fired(calls) == [0]  # attached before the removal; reloading it would drop it


async def test_device_triggers_fire_for_their_device_and_choice_only(
    hass: HomeAssistant, full_compound: MockConfigEntry
) -> None:
    def trigger(subentry_id: str | None, kind: str) -> dict[str, Any]:
        return device_automation(hass, full_compound, "trigger", subentry_id, kind)

    calls = await automations(
        hass,
        [
            trigger(None, "mode_lockdown"),  # 0
            trigger(None, "mode_changed"),  # 1
            trigger(TERMINAL, "fever_detected"),  # 2
            trigger(TERMINAL, "no_mask"),  # 3
            trigger("gate1", "entrance_overridden"),  # 4
            trigger("gate1", "gate_fault"),  # 5
            trigger("patrol1", "round_overdue"),  # 6
            trigger("manhole3", "manhole_attention"),  # 7
            trigger("shed2", "shed_overheat"),  # 8
        ],
    )
    compound: Compound = full_compound.runtime_data
    await compound.async_set_mode(CompoundMode.CONTROLLED, context=None)
    await hass.async_block_till_done()
    assert fired(calls) == [1]
    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    await hass.async_block_till_done()
    assert sorted(fired(calls)) == [0, 1]

    screening = {"entrance": "East door", "temperature": 37.9, "mode": "lockdown"}
    fire(
        hass,
        full_compound,
        EVENT_SCREENING_ALERT,
        subentry_id=TERMINAL,
        alert="fever_detected",
        **screening,
    )
    fire(
        hass,
        full_compound,
        EVENT_SCREENING_ALERT,
        subentry_id="west",
        alert="fever_detected",
        **screening,
    )
    await hass.async_block_till_done()
    assert fired(calls) == [2]
    fire(
        hass,
        full_compound,
        EVENT_SCREENING_ALERT,
        subentry_id=TERMINAL,
        alert="no_mask",
        **screening,
    )
    await hass.async_block_till_done()
    assert fired(calls) == [3]

    fire(hass, full_compound, EVENT_ENTRANCE_OVERRIDE, subentry_id=TERMINAL, entrance="East door")
    fire(hass, full_compound, EVENT_ENTRANCE_OVERRIDE, subentry_id="gate1", entrance="North gate")
    fire(hass, full_compound, EVENT_GATE_FAULT, subentry_id="gate1", fault="travel_timeout")
    await hass.async_block_till_done()
    assert fired(calls) == [4, 5]

    for kind in ("due", "overdue", "missed"):
        fire(hass, full_compound, EVENT_PATROL, type=kind, route_id="patrol1", route="Night patrol")
    fire(hass, full_compound, EVENT_PATROL, type="overdue", route_id="patrol9", route="Day patrol")
    fire(hass, full_compound, EVENT_MANHOLE_ATTENTION, subentry_id="manhole3", reasons=["open"])
    fire(hass, full_compound, EVENT_SHED_OVERHEAT, subentry_id="manhole3", temperature=50)
    fire(hass, full_compound, EVENT_SHED_OVERHEAT, subentry_id="shed2", temperature=50)
    await hass.async_block_till_done()
    assert fired(calls) == [6, 7, 8]

    # The same event of another compound, with the same subentry id, fires nothing here.
    hass.bus.async_fire(EVENT_GATE_FAULT, {"config_entry_id": "other", "subentry_id": "gate1"})
    await hass.async_block_till_done()
    assert fired(calls) == []


async def test_the_trigger_carries_the_event(
    hass: HomeAssistant, full_compound: MockConfigEntry
) -> None:
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "triggers": {
                    "trigger": "device",
                    "domain": DOMAIN,
                    "device_id": device_id(hass, full_compound, "gate1"),
                    "type": "gate_fault",
                },
                "actions": {
                    "action": "test.automation",
                    "data": {
                        "fault": "{{ trigger.event.data.fault }}",
                        "gate": "{{ trigger.event.data.entrance }}",
                    },
                },
            }
        },
    )
    fire(
        hass,
        full_compound,
        EVENT_GATE_FAULT,
        subentry_id="gate1",
        entrance="North gate",
        fault="both_limits",
    )
    await hass.async_block_till_done()
    assert [call.data for call in calls] == [{"fault": "both_limits", "gate": "North gate"}]


async def test_device_conditions_read_the_compound(
    hass: HomeAssistant, full_compound: MockConfigEntry, move_to: Mover
) -> None:
    def condition(subentry_id: str | None, kind: str) -> dict[str, Any]:
        return device_automation(hass, full_compound, "condition", subentry_id, kind)

    calls = async_mock_service(hass, "test", "automation")
    checks = {
        "lockdown": condition(None, "is_lockdown"),
        "normal": condition(None, "is_normal"),
        "gate_shut": condition("gate1", "entrance_shut"),
        "overdue": condition("patrol1", "round_overdue"),
    }
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "alias": name,
                    "triggers": {"trigger": "event", "event_type": "check"},
                    "conditions": [check],
                    "actions": {"action": "test.automation", "data": {"name": name}},
                }
                for name, check in checks.items()
            ]
        },
    )

    async def passing() -> set[str]:
        calls.clear()
        hass.bus.async_fire("check")
        await hass.async_block_till_done()
        return {call.data["name"] for call in calls}

    assert await passing() == {"normal"}
    # The night route's 21:00 round has a grace of 15 minutes.
    await move_to(local("2026-11-25T21:16"))
    assert await passing() == {"normal", "overdue"}
    compound: Compound = full_compound.runtime_data
    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    # The round stays overdue: a mode change does not excuse it.
    assert await passing() == {"lockdown", "gate_shut", "overdue"}
    # Controlled mode leaves the gate in use. (No mode that moves the arm here: its pulse waits
    # for a clock that stands still.)
    await compound.async_set_mode(CompoundMode.CONTROLLED, context=None)
    assert await passing() == {"overdue"}


async def test_runtimes_fire_the_new_events(
    hass: HomeAssistant, full_compound: MockConfigEntry
) -> None:
    """A manhole's new reason and a shed's overheating are announced once, from the runtime."""
    seen: list[Event] = []
    for event_type in (EVENT_MANHOLE_ATTENTION, EVENT_SHED_OVERHEAT):
        hass.bus.async_listen(event_type, seen.append)
    compound: Compound = full_compound.runtime_data
    manhole: Any = compound.devices["manhole3"]
    shed: Any = compound.devices["shed2"]
    manhole.values["opening"] = True
    manhole.notify()
    manhole.notify()
    manhole.values["rotation"] = 40.0
    manhole.notify()
    shed.values["temperature"] = shed.overheat_threshold + 1
    shed.notify()
    shed.notify()
    await hass.async_block_till_done()
    # Each device's events keep their order; the two devices' may interleave.
    manhole_events = [e for e in seen if e.data["subentry_id"] == "manhole3"]
    assert [(e.event_type, e.data["new_reasons"]) for e in manhole_events] == [
        (EVENT_MANHOLE_ATTENTION, ["open"]),
        (EVENT_MANHOLE_ATTENTION, ["tilted"]),
    ]
    assert manhole_events[1].data["reasons"] == ["open", "tilted"]
    assert manhole_events[0].data["config_entry_id"] == full_compound.entry_id
    shed_events = [e for e in seen if e.data["subentry_id"] == "shed2"]
    assert [e.event_type for e in shed_events] == [EVENT_SHED_OVERHEAT]
    assert len(seen) == len(manhole_events) + len(shed_events)


def test_every_trigger_and_condition_is_translated() -> None:
    """Each device automation type and each trigger and condition with its fields has a name in both languages."""
    described = {
        "triggers": yaml.safe_load((COMPONENT / "triggers.yaml").read_text(encoding="utf-8")),
        "conditions": yaml.safe_load((COMPONENT / "conditions.yaml").read_text(encoding="utf-8")),
    }
    for language in ("en", "zh-Hans"):
        texts = json.loads((COMPONENT / "translations" / f"{language}.json").read_text("utf-8"))
        assert set(texts["device_automation"]["trigger_type"]) == set(device_trigger.TRIGGER_TYPES)
        assert set(texts["device_automation"]["condition_type"]) == set(
            device_condition.CONDITION_TYPES
        )
        for section, descriptions in described.items():
            assert set(texts[section]) == set(descriptions), (language, section)
            for key, description in descriptions.items():
                translated = texts[section][key]
                assert translated["name"], (language, key)
                assert translated["description"], (language, key)
                assert set(translated["fields"]) == set(description["fields"]), (language, key)
                assert all(field["name"] for field in translated["fields"].values())


async def test_the_trigger_and_condition_platforms_load_on_every_release(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    """Every release imports trigger.py with the integration; only a release that asks builds the classes."""
    integration = await async_get_integration(hass, DOMAIN)
    trigger_platform = await integration.async_get_platform("trigger")
    condition_platform = await integration.async_get_platform("condition")
    built = {"integration_triggers", "integration_conditions"} & {
        name.rsplit(".", 1)[-1]
        for name in sys.modules
        if name.startswith(trigger_platform.__package__)
    }
    if not INTEGRATION_TRIGGERS:
        assert built == set()  # 2025.4 has none of their base classes
        return
    assert set(await trigger_platform.async_get_triggers(hass)) == {
        "mode_changed",
        "screening_alert",
        "patrol_round",
        "entrance_overridden",
        "gate_fault",
        "manhole_attention",
        "shed_overheat",
    }
    assert set(await condition_platform.async_get_conditions(hass)) == {
        "in_mode",
        "round_overdue",
        "entrance_shut",
    }


@pytest.mark.skipif(
    INTEGRATION_TRIGGERS, reason="this release offers integration triggers (tested below)"
)
async def test_an_integration_trigger_is_refused_alone_where_the_release_has_none(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "alias": "new",
                    "triggers": {"trigger": "hanyang_compound.mode_changed"},
                    "actions": [],
                },
                {
                    "alias": "old",
                    "triggers": {"trigger": "event", "event_type": "check"},
                    "actions": [],
                },
            ]
        },
    )
    await hass.async_block_till_done()
    # Home Assistant keeps an invalid automation as an unavailable entity that says why.
    assert getattr(hass.states.get("automation.old"), "state", None) == "on"
    assert getattr(hass.states.get("automation.new"), "state", None) == "unavailable"
    assert "hanyang_compound.mode_changed needs a newer Home Assistant" in caplog.text


@NO_INTEGRATION_TRIGGERS
async def test_integration_triggers_fire_for_what_their_options_pick(
    hass: HomeAssistant, full_compound: MockConfigEntry
) -> None:
    gate = device_id(hass, full_compound, "gate1")
    route = device_id(hass, full_compound, "patrol1")
    calls = await automations(
        hass,
        [
            {
                "trigger": "hanyang_compound.mode_changed",
                "options": {"to": ["lockdown", "evacuation"]},
            },  # 0
            {
                "trigger": "hanyang_compound.mode_changed",
                "options": {"compound": "another compound"},
            },  # 1
            {"trigger": "hanyang_compound.screening_alert", "options": {"alerts": "no_mask"}},  # 2
            {
                "trigger": "hanyang_compound.patrol_round",
                "options": {"routes": [route], "rounds": ["missed"]},
            },  # 3
            {
                "trigger": "hanyang_compound.entrance_overridden",
                "options": {"entrances": [gate]},
            },  # 4
            {
                "trigger": "hanyang_compound.gate_fault",
                "options": {"compound": full_compound.entry_id},
            },  # 5
            {"trigger": "hanyang_compound.manhole_attention"},  # 6
            {"trigger": "hanyang_compound.shed_overheat", "options": {"sheds": [gate]}},  # 7: never
        ],
    )
    compound: Compound = full_compound.runtime_data
    await compound.async_set_mode(CompoundMode.CONTROLLED, context=None)
    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    await hass.async_block_till_done()
    assert fired(calls) == [0]
    fire(hass, full_compound, EVENT_SCREENING_ALERT, subentry_id=TERMINAL, alert="fever_detected")
    fire(hass, full_compound, EVENT_SCREENING_ALERT, subentry_id=TERMINAL, alert="no_mask")
    fire(hass, full_compound, EVENT_PATROL, type="overdue", route_id="patrol1")
    fire(hass, full_compound, EVENT_PATROL, type="missed", route_id="patrol1")
    fire(hass, full_compound, EVENT_ENTRANCE_OVERRIDE, subentry_id=TERMINAL)
    fire(hass, full_compound, EVENT_ENTRANCE_OVERRIDE, subentry_id="gate1")
    fire(hass, full_compound, EVENT_GATE_FAULT, subentry_id="gate1")
    fire(hass, full_compound, EVENT_MANHOLE_ATTENTION, subentry_id="manhole3")
    fire(hass, full_compound, EVENT_SHED_OVERHEAT, subentry_id="shed2")
    await hass.async_block_till_done()
    assert fired(calls) == [2, 3, 4, 5, 6]


@NO_INTEGRATION_TRIGGERS
async def test_integration_trigger_options_are_checked(hass: HomeAssistant) -> None:
    await core_trigger.async_validate_trigger_config(
        hass, [{"platform": "hanyang_compound.patrol_round", "options": {"rounds": ["missed"]}}]
    )
    with pytest.raises(vol.Invalid, match="rounds"):
        await core_trigger.async_validate_trigger_config(
            hass,
            [{"platform": "hanyang_compound.patrol_round", "options": {"rounds": ["started"]}}],
        )


@NO_INTEGRATION_TRIGGERS
async def test_integration_conditions_read_the_compound(
    hass: HomeAssistant, full_compound: MockConfigEntry
) -> None:
    gate = device_id(hass, full_compound, "gate1")
    route = device_id(hass, full_compound, "patrol1")

    async def check(key: str, options: dict[str, Any]) -> bool | None:
        config = await condition.async_validate_condition_config(
            hass, {"condition": f"hanyang_compound.{key}", "options": options}
        )
        checker = await condition.async_from_config(hass, config)
        return checker(hass)

    in_lockdown = {"compound": full_compound.entry_id, "modes": ["lockdown"]}
    assert await check("in_mode", in_lockdown) is False
    assert await check("entrance_shut", {"entrances": [gate]}) is False
    await full_compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    assert await check("in_mode", in_lockdown) is True
    assert await check("in_mode", {**in_lockdown, "compound": "another"}) is False
    assert await check("entrance_shut", {"entrances": [gate]}) is True
    assert await check("entrance_shut", {"entrances": [gate, route]}) is False
    assert await check("round_overdue", {"routes": [route]}) is False
    with pytest.raises(vol.Invalid, match="modes"):
        await check("in_mode", {"compound": full_compound.entry_id, "modes": ["closed"]})


@NO_INTEGRATION_TRIGGERS
async def test_integration_triggers_and_conditions_are_listed_with_descriptions(
    hass: HomeAssistant, full_compound: MockConfigEntry
) -> None:
    triggers = await core_trigger.async_get_all_descriptions(hass)
    conditions = await condition.async_get_all_descriptions(hass)
    ours = {key for key in triggers if key.startswith(f"{DOMAIN}.")}
    assert ours == {
        f"{DOMAIN}.{key}" for key in yaml.safe_load((COMPONENT / "triggers.yaml").read_text())
    }
    assert triggers[f"{DOMAIN}.mode_changed"] is not None
    assert {key for key in conditions if key.startswith(f"{DOMAIN}.")} == {
        f"{DOMAIN}.in_mode",
        f"{DOMAIN}.round_overdue",
        f"{DOMAIN}.entrance_shut",
    }
