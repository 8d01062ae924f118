"""Tests that every built-in intent that can move an entrance speaks the policy's refusal, on both lanes."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import intent
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.hanyang_compound.modes import CompoundMode
from custom_components.hanyang_compound.spoken import (
    ENTRANCE_INTENTS,
    RESCAN_DELAYS,
    async_speak_entrance_refusals,
)

from .test_override import _gate, assist, gate_compound  # noqa: F401 - fixtures shared with the override tests

SHUT = "East gate stays closed: the compound is in lockdown. An administrator can override it for one opening."
HELD_OPEN = "East gate stays open: the compound is being evacuated."


def _registered(hass: HomeAssistant) -> set[str]:
    return {handler.intent_type for handler in intent.async_get(hass)}


@pytest.mark.parametrize("assist", [True])
@pytest.mark.parametrize(
    ("intent_type", "slots", "mode", "answer"),
    [
        ("HassTurnOn", {}, CompoundMode.LOCKDOWN, SHUT),
        ("HassToggle", {}, CompoundMode.LOCKDOWN, SHUT),
        ("HassOpenCover", {}, CompoundMode.LOCKDOWN, SHUT),
        ("HassSetPosition", {"position": {"value": 100}}, CompoundMode.LOCKDOWN, SHUT),
        ("HassSetPosition", {"position": {"value": 0}}, CompoundMode.EVACUATION, HELD_OPEN),
        ("HassTurnOff", {}, CompoundMode.EVACUATION, HELD_OPEN),
        ("HassCloseCover", {}, CompoundMode.EVACUATION, HELD_OPEN),
        ("HassStopMoving", {}, CompoundMode.EVACUATION, HELD_OPEN),
    ],
)
async def test_entrance_intents_never_report_a_refused_command_as_done(
    hass: HomeAssistant,
    gate_compound: MockConfigEntry,  # noqa: F811 - the fixture imported above
    caplog: pytest.LogCaptureFixture,
    *,
    intent_type: str,
    slots: dict[str, object],
    mode: CompoundMode,
    answer: str,
) -> None:
    assert intent_type in ENTRANCE_INTENTS
    if intent_type not in _registered(hass):
        # HassStopMoving came with a later release than lane A's.
        assert intent_type == "HassStopMoving"
        return
    await gate_compound.runtime_data.async_set_mode(mode, context=None)

    response = await intent.async_handle(
        hass,
        "test",
        intent_type,
        {"name": {"value": "East gate"}, **slots},
        context=Context(),
        language="en",
    )

    assert response.response_type is intent.IntentResponseType.ERROR
    assert response.speech["plain"]["speech"] == answer
    assert _gate(gate_compound).performed == []
    assert "Traceback" not in caplog.text


async def test_a_handler_registered_after_the_compounds_intents_is_still_wrapped(
    hass: HomeAssistant,
) -> None:
    """Cover's intent platform may be processed a moment after the integration's own."""

    class LateOpenCover(intent.IntentHandler):
        intent_type = "HassOpenCover"

        async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
            return intent_obj.create_response()

    async_speak_entrance_refusals(hass)
    late = LateOpenCover()
    intent.async_register(hass, late)
    assert not getattr(late, "_hanyang_speaks_refusals", False)

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=RESCAN_DELAYS[0] + 0.1))
    await hass.async_block_till_done()

    assert getattr(late, "_hanyang_speaks_refusals", False)
