"""Voice and LLM intents: set and ask the compound mode, through the same door as every other command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, intent
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .const import DOMAIN, MODE_KEY, REASON_MAX_LENGTH
from .lookup import loaded_compounds
from .mode_access import RequestRefusedError
from .modes import CompoundMode
from .patrol_rounds import RouteStatus
from .patrol_route import STATUS_KEY, PatrolRouteDevice
from .spoken import async_speak_entrance_refusals, async_spoken_error, async_translate
from .texts import clean_text

if TYPE_CHECKING:
    from .compound import Compound

INTENT_SET_MODE = "HanyangSetCompoundMode"
INTENT_GET_MODE = "HanyangGetCompoundMode"
INTENT_PATROL_STATUS = "HanyangPatrolStatus"


async def async_setup_intents(hass: HomeAssistant) -> None:
    """Register the integration's intents; the intent integration calls this when it loads."""
    intent.async_register(hass, SetCompoundModeIntent())
    intent.async_register(hass, GetCompoundModeIntent())
    intent.async_register(hass, PatrolStatusIntent())
    async_speak_entrance_refusals(hass)


def _voice_reason(intent_obj: intent.Intent, slots: dict[str, Any]) -> str:
    """Return the reason recorded for a voice request: what was said, without a PIN said in it."""
    text = intent_obj.text_input or ""
    if pin := slots.get("pin", {}).get("text") or slots.get("pin", {}).get("value"):
        text = text.replace(str(pin), "****")
    return f"voice: {text}"[:REASON_MAX_LENGTH] if text else "voice"


async def _async_refusal(
    intent_obj: intent.Intent, compound: Compound, err: RequestRefusedError
) -> intent.IntentResponse:
    """Speak why the compound refused, with its modes named in the speaker's language."""
    placeholders = dict(err.translation_placeholders or {})
    if err.modes:
        states = await async_translate(intent_obj.hass, intent_obj.language, "entity")
        prefix = f"component.{DOMAIN}.entity.select.{MODE_KEY}.state."
        old, new = err.modes
        placeholders |= {
            "old": states.get(prefix + old, str(old)),
            "mode": states.get(prefix + new, str(new)),
        }
    placeholders["compound"] = compound.name
    return await async_spoken_error(intent_obj, str(err.translation_key), **placeholders)


def _find_compound(intent_obj: intent.Intent) -> Compound | str:
    """Return the compound the request names, or the translation key of why none fits."""
    compounds = loaded_compounds(intent_obj.hass)
    if name := intent_obj.slots.get("compound", {}).get("value"):
        wanted = clean_text(name).casefold()
        compounds = [c for c in compounds if c.name.casefold() == wanted]
        return compounds[0] if compounds else "voice_no_such_compound"
    if len(compounds) == 1:
        return compounds[0]
    return "voice_which_compound" if compounds else "voice_no_compound"


async def _async_mode_response(
    intent_obj: intent.Intent, compound: Compound
) -> intent.IntentResponse:
    """Answer with the compound and its translated mode, for sentence templates and LLM agents."""
    states = await async_translate(intent_obj.hass, intent_obj.language, "entity")
    mode = compound.mode
    mode_name = states.get(f"component.{DOMAIN}.entity.select.{MODE_KEY}.state.{mode}", str(mode))
    response = intent_obj.create_response()
    # No speech of our own: the sentence's response template words it in the user's language,
    # and LLM agents word it themselves from these slots.
    response.async_set_speech_slots(
        {"compound": compound.name, "mode": mode_name, "reason": compound.mode_reason or ""}
    )
    return response


class SetCompoundModeIntent(intent.IntentHandler):
    """Switch a compound to a mode (lockdown, evacuation, …) by voice or from an LLM agent."""

    intent_type = INTENT_SET_MODE
    description = (
        "Switches a residential compound to a mode: normal, controlled, lockdown or evacuation. "
        "Lockdown shuts every entrance not designated to stay open; evacuation opens every entrance."
    )
    slot_schema = {
        vol.Required("mode"): vol.In([str(mode) for mode in CompoundMode]),
        vol.Optional("compound"): cv.string,
        # Said by a voice satellite's speaker to lift a lockdown or end an evacuation.
        vol.Optional("pin"): cv.string,
    }

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Set the mode through the Compound, recording the speaker as the requester."""
        slots = self.async_validate_slots(intent_obj.slots)
        found = _find_compound(intent_obj)
        if isinstance(found, str):
            return await async_spoken_error(intent_obj, found)
        try:
            await found.async_set_mode(
                CompoundMode(slots["mode"]["value"]),
                context=intent_obj.context,
                reason=_voice_reason(intent_obj, slots),
                voice=True,
                pin=slots.get("pin", {}).get("value"),
            )
        except RequestRefusedError as err:
            return await _async_refusal(intent_obj, found, err)
        return await _async_mode_response(intent_obj, found)


class GetCompoundModeIntent(intent.IntentHandler):
    """Tell which mode a compound is in."""

    intent_type = INTENT_GET_MODE
    description = (
        "Tells which mode (normal, controlled, lockdown, evacuation) a residential compound is in."
    )
    slot_schema = {vol.Optional("compound"): cv.string}

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Answer with the compound's mode."""
        self.async_validate_slots(intent_obj.slots)
        found = _find_compound(intent_obj)
        if isinstance(found, str):
            return await async_spoken_error(intent_obj, found)
        return await _async_mode_response(intent_obj, found)


class PatrolStatusIntent(intent.IntentHandler):
    """Tell how the patrol rounds stand: due, in progress, overdue, missed or completed."""

    intent_type = INTENT_PATROL_STATUS
    description = (
        "Tells the status of the compound's patrol routes (due, in progress, overdue, missed, "
        "completed), the checkpoints still to visit and when the next round is."
    )
    slot_schema = {vol.Optional("route"): cv.string}

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        """Answer with every route, or with the one named."""
        self.async_validate_slots(intent_obj.slots)
        routes = [
            device
            for compound in loaded_compounds(intent_obj.hass)
            for device in compound.devices.values()
            if isinstance(device, PatrolRouteDevice)
        ]
        if name := intent_obj.slots.get("route", {}).get("value"):
            wanted = clean_text(name).casefold()
            routes = [route for route in routes if route.name.casefold() == wanted]
            if not routes:
                return await async_spoken_error(intent_obj, "voice_no_such_route")
        if not routes:
            return await async_spoken_error(intent_obj, "voice_no_route")
        states = await async_translate(intent_obj.hass, intent_obj.language, "entity")
        prefix = f"component.{DOMAIN}.entity.sensor.{STATUS_KEY}.state."
        response = intent_obj.create_response()
        response.async_set_speech_slots(
            {
                "routes": [
                    {
                        "route": route.name,
                        "status": states.get(prefix + route.route.status, str(route.route.status)),
                        "remaining": [
                            route.checkpoint_name(point) for point in route.route.remaining
                        ]
                        if route.route.status is RouteStatus.IN_PROGRESS
                        else [],
                        "next_round": dt_util.as_local(next_round).strftime("%H:%M")
                        if (next_round := route.route.next_round)
                        else "",
                    }
                    for route in routes
                ]
            }
        )
        return response
