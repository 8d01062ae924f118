"""Directives from the district's own Home Assistant: a zone's mode select and the directive actions."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.auth.models import User
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.const import DOMAIN
from custom_components.hanyang_compound.modes import CompoundMode

from .broker import Watcher, wait_until
from .conftest import add_linked
from .test_district_view import entity_of, state_of

ZONE_TOPIC = "hanyang/hanyang/qingchuan/directive"


def result_for(watcher: Watcher, compound: str, zone: str = "qingchuan") -> dict[str, Any]:
    """Return the last result a compound published."""
    topic = f"hanyang/hanyang/{zone}/{compound}/result"
    return watcher.json(topic) if watcher.messages.get(topic) else {}


async def link_and_wait(
    hass: HomeAssistant, district: MockConfigEntry, *compounds: tuple[str, dict[str, str]]
) -> dict[str, MockConfigEntry]:
    """Link compounds (name, add_linked's options) and wait until the district sees them and their zones."""
    linked = {name.lower(): await add_linked(hass, name, **options) for name, options in compounds}
    online = str(len(linked))
    await wait_until(
        lambda: state_of(hass, district, "sensor", "district_compounds_online") == online
    )
    for zone in {options.get("zone", "Qingchuan").lower() for _, options in compounds}:
        await wait_until(
            lambda zone=zone: (
                state_of(hass, district, "select", f"zone_{zone}_zone_mode") == "normal"
            )
        )
    return linked


async def choose_zone_mode(hass: HomeAssistant, select: str | None, mode: str, user: User) -> None:
    """Choose a zone's mode in the district's select, as the user."""
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": select, "option": mode},
        blocking=True,
        context=Context(user_id=user.id),
    )


@pytest.fixture
async def three(
    hass: HomeAssistant, district: MockConfigEntry, watcher: Watcher
) -> dict[str, MockConfigEntry]:
    """Two linked compounds in Qingchuan and one in Yuehu, all seen by the district (and the watcher)."""
    return await link_and_wait(
        hass, district, ("Longdengli", {}), ("Qintai", {}), ("Guqin", {"zone": "Yuehu"})
    )


async def test_a_zone_mode_chosen_in_the_district_locks_down_that_zone_only(
    hass: HomeAssistant,
    district: MockConfigEntry,
    three: dict[str, MockConfigEntry],
    watcher: Watcher,
    hass_admin_user: User,
) -> None:
    select = entity_of(hass, district, "select", "zone_qingchuan_zone_mode")
    assert select is not None

    await choose_zone_mode(hass, select, "lockdown", hass_admin_user)

    await wait_until(
        lambda: state_of(hass, district, "sensor", "zone_qingchuan_directive_applied") == "2"
    )
    assert three["longdengli"].runtime_data.mode is CompoundMode.LOCKDOWN
    assert three["qintai"].runtime_data.mode is CompoundMode.LOCKDOWN
    assert three["guqin"].runtime_data.mode is CompoundMode.NORMAL
    assert result_for(watcher, "guqin", "yuehu") == {}
    await wait_until(lambda: result_for(watcher, "qintai").get("result") == "applied")
    directive = watcher.json(ZONE_TOPIC)
    assert directive["issuer"] == "hanyang_district"
    assert directive["target"] == "qingchuan"
    assert directive["mode"] == "lockdown"
    assert result_for(watcher, "qintai")["id"] == directive["id"]
    await wait_until(lambda: hass.states.get(select).state == "lockdown")
    assert hass.states.get(select).attributes["directive"] == directive["id"]
    assert state_of(hass, district, "sensor", "zone_qingchuan_directive_pending") == "0"
    assert state_of(hass, district, "sensor", "district_compounds_lockdown") == "2"
    assert state_of(hass, district, "select", "zone_yuehu_zone_mode") == "normal"


async def test_refusals_are_counted_and_only_administrators_issue(
    hass: HomeAssistant,
    district: MockConfigEntry,
    watcher: Watcher,
    hass_admin_user: User,
) -> None:
    linked = await link_and_wait(
        hass, district, ("Longdengli", {}), ("Qintai", {"district_may": "nothing"})
    )
    refusing = linked["qintai"]
    user = await hass.auth.async_create_user("Guard", group_ids=["system-users"])
    select = entity_of(hass, district, "select", "zone_qingchuan_zone_mode")

    with pytest.raises(Unauthorized) as refused:
        await choose_zone_mode(hass, select, "lockdown", user)
    assert refused.value.translation_key == "directive_admin_only"  # type: ignore[attr-defined]
    assert ZONE_TOPIC not in watcher.messages

    await choose_zone_mode(hass, select, "lockdown", hass_admin_user)
    # The two compounds report in either order.
    await wait_until(
        lambda: (
            state_of(hass, district, "sensor", "zone_qingchuan_directive_refused") == "1"
            and state_of(hass, district, "sensor", "zone_qingchuan_directive_applied") == "1"
        )
    )
    assert refusing.runtime_data.mode is CompoundMode.NORMAL
    await wait_until(lambda: result_for(watcher, "qintai").get("result") == "refused")
    assert result_for(watcher, "qintai")["refusal"] == "mode_refused_district_not_allowed"
    # The compounds disagree: the zone shows no single mode, and how many are in each.
    await wait_until(lambda: hass.states.get(select).state == "unknown")
    state = hass.states.get(select)
    assert state.attributes["compounds_by_mode"] == {
        "normal": 1,
        "controlled": 0,
        "lockdown": 1,
        "evacuation": 0,
    }


async def test_the_actions_issue_to_one_compound_and_withdraw(
    hass: HomeAssistant,
    district: MockConfigEntry,
    three: dict[str, MockConfigEntry],
    watcher: Watcher,
) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "issue_directive",
        {
            "district": district.entry_id,
            "zone": "Yuehu",
            "compound": "Guqin",
            "mode": "controlled",
            "reason": "Fever case nearby",
        },
        blocking=True,
        return_response=True,
    )
    directive_id = response["directive_id"]
    await wait_until(lambda: result_for(watcher, "guqin", "yuehu").get("result") == "applied")
    assert result_for(watcher, "guqin", "yuehu")["id"] == directive_id
    assert three["guqin"].runtime_data.mode is CompoundMode.CONTROLLED
    assert three["guqin"].runtime_data.mode_reason == "Fever case nearby"
    assert three["longdengli"].runtime_data.mode is CompoundMode.NORMAL

    # Withdrawn, the directive no longer stands: a compound reconnecting later never sees it.
    topic = "hanyang/hanyang/yuehu/guqin/directive"
    await hass.services.async_call(
        DOMAIN,
        "withdraw_directive",
        {"district": district.entry_id, "zone": "yuehu", "compound": "guqin"},
        blocking=True,
    )
    await wait_until(lambda: watcher.messages.get(topic) == b"")
    await wait_until(lambda: "yuehu/guqin" not in district.runtime_data.model.standing)
    assert three["guqin"].runtime_data.mode is CompoundMode.CONTROLLED

    # Every compound: the district's own totals count the results.
    await hass.services.async_call(
        DOMAIN,
        "issue_directive",
        {"district": district.entry_id, "mode": "lockdown"},
        blocking=True,
    )
    await wait_until(lambda: state_of(hass, district, "sensor", "directive_applied") == "3")
    assert json.loads(watcher.messages["hanyang/hanyang/directive"])["target"] == "all"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"zone": "Nowhere", "mode": "lockdown"}, "unknown_zone"),
        (
            {"zone": "qingchuan", "compound": "Nobody", "mode": "lockdown"},
            "unknown_district_compound",
        ),
        ({"compound": "longdengli", "mode": "lockdown"}, "compound_without_zone"),
        ({"zone": "qingchuan", "mode": "party"}, "unknown_mode"),
    ],
)
@pytest.mark.usefixtures("three")
async def test_a_bad_directive_is_refused_with_a_translated_error(
    hass: HomeAssistant,
    district: MockConfigEntry,
    watcher: Watcher,
    data: dict[str, str],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN, "issue_directive", {"district": district.entry_id, **data}, blocking=True
        )
    assert refused.value.translation_key == key
    assert not [topic for topic in watcher.messages if topic.endswith("/directive")]


async def test_an_entry_that_is_no_district_is_refused(
    hass: HomeAssistant, district: MockConfigEntry, three: dict[str, MockConfigEntry]
) -> None:
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "withdraw_directive",
            {"district": three["qintai"].entry_id},
            blocking=True,
        )
    assert refused.value.translation_key == "unknown_district"
    # Nor is a district a compound to the compound's own actions.
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "set_mode",
            {"compound": district.entry_id, "mode": "lockdown"},
            blocking=True,
        )
    assert refused.value.translation_key == "not_a_compound"
