"""Tests that Assist's cover intents reach a real gate only through the compound's policy."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.hanyang_compound.modes import CompoundMode

from .conftest import NORTH_GATE, wait_for_state

SHUT = "North gate stays closed: the compound is in lockdown. An administrator can override it for one opening."


async def _say(hass: HomeAssistant, intent_type: str, **slots: object) -> intent.IntentResponse:
    return await intent.async_handle(
        hass,
        "test",
        intent_type,
        {"name": {"value": "North gate"}, **{key: {"value": v} for key, v in slots.items()}},
        context=Context(),
        language="en",
    )


@pytest.mark.parametrize(
    ("intent_type", "slots"), [("HassOpenCover", {}), ("HassSetPosition", {"position": 100})]
)
async def test_a_shut_gate_refuses_voice_and_a_free_one_follows_it(
    hass: HomeAssistant, compound: MockConfigEntry, intent_type: str, slots: dict[str, object]
) -> None:
    for component in ("homeassistant", "intent"):
        assert await async_setup_component(hass, component, {})
    # Cover's intents are registered in a task after the intent integration loads.
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    await wait_for_state(hass, NORTH_GATE, "closed")
    await compound.runtime_data.async_set_mode(CompoundMode.LOCKDOWN, context=None)

    response = await _say(hass, intent_type, **slots)

    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == SHUT
    assert hass.states.get(NORTH_GATE).state == "closed"

    await compound.runtime_data.async_set_mode(CompoundMode.NORMAL, context=None)
    response = await _say(hass, intent_type, **slots)
    assert response.response_type is intent.IntentResponseType.ACTION_DONE
    await wait_for_state(hass, NORTH_GATE, "open")
    assert hass.states.get(NORTH_GATE).attributes["current_position"] == 100
