"""Tests of the shipped blueprints: installed when missing, and each one working against the integration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.conversation import async_converse
from homeassistant.core import Context, HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.hanyang_compound.blueprints import SHIPPED_BLUEPRINTS
from custom_components.hanyang_compound.const import CONF_MODE_PIN_HASH
from custom_components.hanyang_compound.mode_pin import hash_pin
from custom_components.hanyang_compound.modes import CompoundMode

from .conftest import make_compound_entry

MODE_ENTITY = "select.longdengli_mode"


@pytest.fixture
async def compound_in_tmp_config(hass: HomeAssistant, tmp_path: Path) -> MockConfigEntry:
    """The Longdengli compound, set up in a configuration folder of its own."""
    hass.config.config_dir = str(tmp_path)
    entry = make_compound_entry()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _automation_from(hass: HomeAssistant, blueprint: str, **inputs: Any) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": blueprint.removesuffix(".yaml"),
                "use_blueprint": {"path": f"hanyang_compound/{blueprint}", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get(f"automation.{blueprint.removesuffix('.yaml')}").state == "on"


async def test_blueprints_are_installed_without_overwriting_the_users_edits(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    installed = tmp_path / "blueprints" / "automation" / "hanyang_compound"
    installed.mkdir(parents=True)
    (installed / "mode_announcements.yaml").write_text("# my own version\n", encoding="utf-8")
    hass.config.config_dir = str(tmp_path)

    assert await async_setup_component(hass, "hanyang_compound", {})

    shipped = sorted(path.name for path in (SHIPPED_BLUEPRINTS / "automation").glob("*.yaml"))
    assert sorted(path.name for path in installed.glob("*.yaml")) == shipped
    assert (installed / "mode_announcements.yaml").read_text(
        encoding="utf-8"
    ) == "# my own version\n"
    voice = installed / "voice_mode_change.yaml"
    assert voice.read_bytes() == (SHIPPED_BLUEPRINTS / "automation" / voice.name).read_bytes()


@pytest.mark.parametrize(
    ("sentence", "language", "start", "mode", "answer"),
    [
        (
            "lock down the compound",
            "en",
            "normal",
            "lockdown",
            "Longdengli is now in lockdown mode.",
        ),
        ("小区封闭管理", "zh-cn", "normal", "lockdown", "Longdengli已切换为封闭管理模式。"),
        # A sentence cannot tell who speaks: lifting needs the PIN (see the test below).
        (
            "解除封闭",
            "zh-cn",
            "lockdown",
            "lockdown",
            "Longdengli仍为封闭管理模式：语音解除须说出正确的模式 PIN 码（例如“解除封闭密码……”），或由管理员在应用中操作。",
        ),
        (
            "start evacuation",
            "en",
            "lockdown",
            "evacuation",
            "Longdengli is now in evacuation mode.",
        ),
        ("紧急疏散", "zh-cn", "normal", "evacuation", "Longdengli已切换为紧急疏散模式。"),
        (
            "end the lockdown",
            "en",
            "controlled",
            "controlled",
            "Longdengli is not in lockdown (it is in controlled mode), so there is nothing to end.",
        ),
        (
            "解除封闭",
            "zh-cn",
            "normal",
            "normal",
            "Longdengli当前不是封闭管理状态（正常），无需解除。",
        ),
        (
            "lock down the compound",
            "en",
            "lockdown",
            "lockdown",
            "Longdengli is already in lockdown mode.",
        ),
    ],
)
async def test_voice_mode_change_sets_the_mode_or_says_why_not(
    hass: HomeAssistant,
    compound_in_tmp_config: MockConfigEntry,
    *,
    sentence: str,
    language: str,
    start: str,
    mode: str,
    answer: str,
) -> None:
    compound = compound_in_tmp_config.runtime_data
    await compound.async_set_mode(CompoundMode(start), context=None)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await _automation_from(hass, "voice_mode_change.yaml", mode_entity=MODE_ENTITY)

    result = await async_converse(hass, sentence, None, Context(), language=language)

    assert result.response.speech["plain"]["speech"] == answer
    assert hass.states.get(MODE_ENTITY).state == mode
    if mode != start:
        assert compound.mode_reason == f"voice: {sentence}"


async def test_mode_announcements_notify_phones_and_speak(
    hass: HomeAssistant, compound_in_tmp_config: MockConfigEntry
) -> None:
    phone_entry = MockConfigEntry(domain="mobile_app")
    phone_entry.add_to_hass(hass)
    phone = dr.async_get(hass).async_get_or_create(
        config_entry_id=phone_entry.entry_id,
        identifiers={("mobile_app", "duty")},
        name="Duty phone",
    )
    notifications: list[ServiceCall] = async_mock_service(hass, "notify", "mobile_app_duty_phone")
    speeches: list[ServiceCall] = async_mock_service(hass, "tts", "speak")
    await _automation_from(
        hass,
        "mode_announcements.yaml",
        mode_entity=MODE_ENTITY,
        phones=[phone.id],
        tts_entity="tts.speech",
        speakers=["media_player.gate_speaker"],
    )

    await compound_in_tmp_config.runtime_data.async_set_mode(
        CompoundMode.LOCKDOWN, context=None, reason="District order 7"
    )
    await hass.async_block_till_done()

    assert [call.data for call in notifications] == [
        {
            "title": "Compound mode · 小区模式",
            "message": "Longdengli: Lockdown — District order 7",
            "data": {"tag": "hanyang_compound_mode", "group": "hanyang_compound"},
        }
    ]
    assert speeches[0].data["message"] == "Longdengli: Lockdown — District order 7"
    assert speeches[0].data["media_player_entity_id"] == ["media_player.gate_speaker"]


@pytest.mark.parametrize(
    ("sentence", "language", "mode", "answer"),
    [
        (
            "end the lockdown",
            "en",
            "lockdown",
            (
                "Longdengli stays in lockdown mode: by voice this needs the compound's mode PIN "
                '("end the lockdown with pin …"), or an administrator in the app.'
            ),
        ),
        ("end the lockdown with pin 1357", "en", "lockdown", None),
        ("end the lockdown with pin 2468", "en", "normal", "Longdengli is now in normal mode."),
        ("解除封闭密码2468", "zh-cn", "normal", "Longdengli已切换为正常模式。"),
    ],
)
async def test_voice_mode_change_lifts_a_lockdown_only_with_the_pin(
    hass: HomeAssistant,
    compound_in_tmp_config: MockConfigEntry,
    *,
    sentence: str,
    language: str,
    mode: str,
    answer: str | None,
) -> None:
    pin_hash = await hass.async_add_executor_job(hash_pin, "2468")
    hass.config_entries.async_update_entry(
        compound_in_tmp_config,
        options={**compound_in_tmp_config.options, CONF_MODE_PIN_HASH: pin_hash},
    )
    compound = compound_in_tmp_config.runtime_data
    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await _automation_from(hass, "voice_mode_change.yaml", mode_entity=MODE_ENTITY)

    result = await async_converse(hass, sentence, None, Context(), language=language)

    assert hass.states.get(MODE_ENTITY).state == mode
    if answer is not None:
        assert result.response.speech["plain"]["speech"] == answer
    if mode == "normal":
        assert "2468" not in str(compound.mode_reason)
        assert "****" in str(compound.mode_reason)
