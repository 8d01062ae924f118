"""Logbook entries for mode changes and patrol rounds, in the language of the installation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.const import Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er

from .const import (
    ATTR_ALERT,
    ATTR_CHECKPOINT,
    ATTR_COMPOUND,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_ENTRANCE,
    ATTR_NEW_MODE,
    ATTR_OLD_MODE,
    ATTR_OUT_OF_ORDER,
    ATTR_REASON,
    ATTR_ROUND,
    ATTR_ROUTE,
    ATTR_ROUTE_ID,
    ATTR_TEMPERATURE,
    ATTR_TYPE,
    DOMAIN,
    EVENT_MODE_CHANGED,
    EVENT_PATROL,
    EVENT_SCREENING_ALERT,
    MODE_KEY,
)
from .entity import compound_entity_unique_id
from .patrol_route import STATUS_KEY, round_result_text, sensor_text
from .texts import entity_text


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe the integration's events in the logbook."""

    @callback
    def describe_mode_changed(event: Event) -> dict[str, Any]:
        data = event.data
        old = entity_text(hass, f"select.{MODE_KEY}.state.{data[ATTR_OLD_MODE]}")
        new = entity_text(hass, f"select.{MODE_KEY}.state.{data[ATTR_NEW_MODE]}")
        message = f"{old} → {new}"
        if reason := data.get(ATTR_REASON):
            message += f": {reason}"
        description = {LOGBOOK_ENTRY_NAME: data[ATTR_COMPOUND], LOGBOOK_ENTRY_MESSAGE: message}
        if entity_id := er.async_get(hass).async_get_entity_id(
            Platform.SELECT, DOMAIN, compound_entity_unique_id(data[ATTR_CONFIG_ENTRY_ID], MODE_KEY)
        ):
            description[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
        return description

    async_describe_event(DOMAIN, EVENT_MODE_CHANGED, describe_mode_changed)

    @callback
    def describe_patrol(event: Event) -> dict[str, Any]:
        data = event.data
        label = round_result_text(hass, data[ATTR_TYPE])
        message = f"{label} ({datetime.fromisoformat(data[ATTR_ROUND]).strftime('%H:%M')})"
        if checkpoint := data.get(ATTR_CHECKPOINT):
            state = hass.states.get(checkpoint)
            message += f": {state.name if state else checkpoint}"
        if data.get(ATTR_OUT_OF_ORDER):
            message += " · " + sensor_text(
                hass, "progress", f"state_attributes.{ATTR_OUT_OF_ORDER}.name"
            )
        if reason := data.get(ATTR_REASON):
            message += f": {reason}"
        description = {LOGBOOK_ENTRY_NAME: data[ATTR_ROUTE], LOGBOOK_ENTRY_MESSAGE: message}
        if entity_id := er.async_get(hass).async_get_entity_id(
            Platform.SENSOR,
            DOMAIN,
            f"{data[ATTR_CONFIG_ENTRY_ID]}_{data[ATTR_ROUTE_ID]}_{STATUS_KEY}",
        ):
            description[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
        return description

    async_describe_event(DOMAIN, EVENT_PATROL, describe_patrol)
    async_describe_event(DOMAIN, EVENT_SCREENING_ALERT, partial(_describe_screening_alert, hass))


@callback
def _describe_screening_alert(hass: HomeAssistant, event: Event) -> dict[str, Any]:
    """Name the entrance and say what was screened, as the terminal's event entity says it."""
    data = event.data
    message = entity_text(
        hass, f"event.access.state_attributes.event_type.state.{data[ATTR_ALERT]}"
    )
    if (temperature := data.get(ATTR_TEMPERATURE)) is not None:
        message += f" ({temperature} °C)"
    return {LOGBOOK_ENTRY_NAME: data[ATTR_ENTRANCE], LOGBOOK_ENTRY_MESSAGE: message}
