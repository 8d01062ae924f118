"""Spoken answers in the speaker's language: translated errors, and refusals of built-in intents.

Home Assistant's built-in intents that switch or move entities (HassTurnOn, HassOpenCover, …)
turn a failed action into a generic error, or on some releases report it as done, and offer
no hook for an integration to word the answer. A gate that stays shut in a lockdown would
answer "Opened". So this module wraps those intents' handlers, on every release the same way:
during such an intent the compounds record a refusal instead of raising it, and the wrapper
speaks the refusal's translated reason. It is the only place that touches built-in handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final

from homeassistant.const import (
    EVENT_COMPONENT_LOADED,
    EVENT_HOMEASSISTANT_STARTED,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import intent
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN
from .lookup import loaded_compounds

if TYPE_CHECKING:
    from homeassistant.setup import EventComponentLoaded

type BuiltInHandle = Callable[[intent.Intent], Awaitable[intent.IntentResponse]]

ENTRANCE_INTENTS: Final = frozenset(
    {
        intent.INTENT_TURN_ON,
        intent.INTENT_TURN_OFF,
        intent.INTENT_TOGGLE,
        "HassOpenCover",
        "HassCloseCover",
        "HassSetPosition",
        "HassStopMoving",  # newer releases
    }
)
"""Built-in intents that can move a gate or a door of a compound."""

# Assist speaks Chinese as zh-cn (the intents' language); the integration's texts are zh-Hans.
SIMPLIFIED_CHINESE: Final = {"zh", "zh-cn", "zh-sg", "zh-hans"}


async def async_translate(hass: HomeAssistant, language: str, category: str) -> dict[str, str]:
    """Return the integration's texts of a category in the speaker's language."""
    if language.lower() in SIMPLIFIED_CHINESE:
        language = "zh-Hans"
    return await async_get_translations(hass, language, category, {DOMAIN})


async def async_spoken_error(
    intent_obj: intent.Intent, key: str, **placeholders: str
) -> intent.IntentResponse:
    """Return a spoken, translated error instead of the agent's generic one."""
    messages = await async_translate(intent_obj.hass, intent_obj.language, "exceptions")
    message = messages.get(f"component.{DOMAIN}.exceptions.{key}.message", key)
    response = intent_obj.create_response()
    response.async_set_error(
        intent.IntentResponseErrorCode.FAILED_TO_HANDLE, message.format(**placeholders)
    )
    return response


RESCAN_DELAYS: Final = (1.0, 10.0)
"""Seconds after an integration loads at which handlers are looked for again: its intent
platform is processed in a task of its own, shortly after it loads."""


@callback
def async_speak_entrance_refusals(hass: HomeAssistant) -> None:
    """Wrap the entrance intents' handlers now, at start-up's end, and whenever integrations load.

    Built-in intents come with the integrations that own them (cover's with cover), whose
    intent platforms are processed after they load; a handler is wrapped once, and at most
    one pending look per delay is kept.
    """
    pending: dict[float, CALLBACK_TYPE] = {}

    @callback
    def wrap(_now: object = None) -> None:
        _async_wrap_handlers(hass)

    @callback
    def wrap_now_and_later(_event: Event[EventComponentLoaded] | None = None) -> None:
        wrap()
        for delay in RESCAN_DELAYS:
            if cancel := pending.pop(delay, None):
                cancel()
            pending[delay] = async_call_later(hass, delay, wrap)

    @callback
    def stop(_event: Event) -> None:
        for cancel in pending.values():
            cancel()
        pending.clear()

    # This runs inside the intent integration's processing of every loaded integration's
    # intent platform, in parallel with cover's: its handlers may come a moment later.
    wrap_now_and_later()
    hass.bus.async_listen(EVENT_COMPONENT_LOADED, wrap_now_and_later)
    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, wrap)
    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, stop)


_WRAPPED: Final = "_hanyang_speaks_refusals"


@callback
def _async_wrap_handlers(hass: HomeAssistant) -> None:
    for handler in intent.async_get(hass):
        if handler.intent_type not in ENTRANCE_INTENTS or getattr(handler, _WRAPPED, False):
            continue
        built_in = handler.async_handle

        async def async_handle(
            intent_obj: intent.Intent, built_in: BuiltInHandle = built_in
        ) -> intent.IntentResponse:
            compounds = loaded_compounds(intent_obj.hass)
            for compound in compounds:
                compound.expect_spoken_refusal(intent_obj.context)
            try:
                response = await built_in(intent_obj)
            finally:
                refusals = [compound.pop_refusal(intent_obj.context) for compound in compounds]
            if refusal := next((refusal for refusal in refusals if refusal), None):
                return await async_spoken_error(
                    intent_obj,
                    str(refusal.translation_key),
                    **(refusal.translation_placeholders or {}),
                )
            return response

        handler.async_handle = async_handle  # type: ignore[method-assign]
        setattr(handler, _WRAPPED, True)
