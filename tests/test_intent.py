"""Tests of the compound-mode intents, by Assist in English and Chinese and as called by LLM tools."""

from __future__ import annotations

from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.conversation import async_converse
from homeassistant.components.tag import async_scan_tag
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.intent import (
    INTENT_GET_MODE,
    INTENT_PATROL_STATUS,
    INTENT_SET_MODE,
)
from custom_components.hanyang_compound.modes import CompoundMode

from .conftest import Mover, make_compound_entry
from .test_patrol_route import SHANGHAI, local, setup_route

SENTENCES = Path(__file__).resolve().parent.parent / "custom_sentences"


@pytest.fixture
async def assist(hass: HomeAssistant, tmp_path: Path, loaded_compound: MockConfigEntry) -> None:
    """Set Assist up with the shipped example sentences in a configuration folder of its own."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(SENTENCES, tmp_path / "custom_sentences")
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(hass, "intent", {})
    await hass.async_block_till_done()


async def _say(hass: HomeAssistant, text: str, language: str, user_id: str | None = None) -> Any:
    result = await async_converse(hass, text, None, Context(user_id=user_id), language=language)
    return result.response


@pytest.mark.usefixtures("assist")
@pytest.mark.parametrize(
    ("language", "sentence", "answer"),
    [
        ("en", "switch the compound to lockdown", "Longdengli is now in lockdown mode."),
        (
            "en",
            "put the Longdengli compound into evacuation mode",
            "Longdengli is now in evacuation mode.",
        ),
        ("zh-cn", "把小区切换到封闭管理", "Longdengli已切换为封闭管理模式。"),
        ("zh-cn", "把小区设置为紧急疏散模式", "Longdengli已切换为紧急疏散模式。"),
    ],
)
async def test_assist_sets_the_mode_in_english_and_chinese(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    hass_admin_user: Any,
    *,
    language: str,
    sentence: str,
    answer: str,
) -> None:
    response = await _say(hass, sentence, language, hass_admin_user.id)

    assert response.speech["plain"]["speech"] == answer
    compound = loaded_compound.runtime_data
    assert compound.mode in (CompoundMode.LOCKDOWN, CompoundMode.EVACUATION)
    assert compound.mode_reason == f"voice: {sentence}"
    assert hass.states.get("select.longdengli_mode").context.user_id == hass_admin_user.id


@pytest.mark.usefixtures("assist")
async def test_assist_tells_the_mode_with_its_reason(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    await loaded_compound.runtime_data.async_set_mode(
        CompoundMode.LOCKDOWN, context=None, reason="District order 7"
    )

    english = await _say(hass, "what mode is the compound in", "en")
    chinese = await _say(hass, "小区现在是什么模式", "zh-cn")

    assert english.speech["plain"]["speech"] == "Longdengli is in lockdown mode (District order 7)."
    assert chinese.speech["plain"]["speech"] == "Longdengli目前是封闭管理模式（District order 7）。"


async def test_intents_name_the_compound_when_there_are_several(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    qintai = make_compound_entry("Qintai")
    qintai.add_to_hass(hass)
    await hass.config_entries.async_setup(qintai.entry_id)
    assert await async_setup_component(hass, "intent", {})

    unnamed = await intent.async_handle(
        hass, "test", INTENT_SET_MODE, {"mode": {"value": "lockdown"}}, language="en"
    )
    unknown = await intent.async_handle(
        hass,
        "test",
        INTENT_GET_MODE,
        {"compound": {"value": "Wanda"}},
        language="zh-Hans",
    )
    named = await intent.async_handle(
        hass,
        "test",
        INTENT_SET_MODE,
        {"mode": {"value": "controlled"}, "compound": {"value": " qintai "}},
        language="en",
    )

    assert unnamed.error_code is intent.IntentResponseErrorCode.FAILED_TO_HANDLE
    assert unnamed.speech["plain"]["speech"] == "Which compound? Say its name as well."
    assert unknown.speech["plain"]["speech"] == "没有找到这个名称的小区。"
    assert named.speech_slots == {"compound": "Qintai", "mode": "Controlled", "reason": "voice"}
    assert qintai.runtime_data.mode is CompoundMode.CONTROLLED
    assert loaded_compound.runtime_data.mode is CompoundMode.NORMAL


async def test_intents_without_any_compound_say_so(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "hanyang_compound", {})
    assert await async_setup_component(hass, "intent", {})

    response = await intent.async_handle(hass, "test", INTENT_GET_MODE, {}, language="en")

    assert response.speech["plain"]["speech"] == "No compound is set up yet."


@pytest.fixture
async def assist_first(hass: HomeAssistant) -> None:
    """Assist, set up before anything starts Home Assistant's HTTP server."""
    for component in ("homeassistant", "conversation", "intent"):
        assert await async_setup_component(hass, component, {})


@pytest.mark.usefixtures("assist_first", "tags")
async def test_assist_tells_the_patrol_status_in_english_and_chinese(
    hass: HomeAssistant, tmp_path: Path, freezer: FrozenDateTimeFactory, move_to: Mover
) -> None:
    await hass.config.async_set_time_zone(SHANGHAI)
    freezer.move_to(local("2026-11-25 20:55"))
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(SENTENCES, tmp_path / "custom_sentences")
    await setup_route(hass)
    await move_to(local("2026-11-25 21:01"))
    await async_scan_tag(hass, "tag-north-gate", "phone-1", Context())
    await hass.async_block_till_done()

    english = await _say(hass, "what's the patrol status", "en")
    chinese = await _say(hass, "巡逻情况怎么样", "zh-cn")

    assert english.speech["plain"]["speech"].strip() == (
        "Night patrol: in progress, still to visit E-bike shed, East gate; next round at 01:00."
    )
    assert chinese.speech["plain"]["speech"].strip() == (
        "Night patrol：巡逻中，还需巡查E-bike shed、East gate，下一轮01:00。"
    )


async def test_patrol_status_without_routes_says_so(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "intent", {})

    none = await intent.async_handle(hass, "test", INTENT_PATROL_STATUS, {}, language="en")
    unknown = await intent.async_handle(
        hass, "test", INTENT_PATROL_STATUS, {"route": {"value": "Day patrol"}}, language="zh-cn"
    )

    assert none.speech["plain"]["speech"] == "No patrol route is set up yet."
    assert unknown.speech["plain"]["speech"] == "没有找到这个名称的巡逻路线。"
