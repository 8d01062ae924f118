"""Device triggers: a compound's mode, screenings, patrol rounds, overrides and alarms, picked by device."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.const import CONF_DEVICE_ID, CONF_DOMAIN, CONF_PLATFORM, CONF_TYPE
from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .automations import (
    COMPOUND_KIND,
    MANHOLE_KIND,
    SHED_KIND,
    EventFilter,
    TriggerKey,
    async_device_ref,
    async_listen,
)
from .const import DOMAIN, SUBENTRY_ACCESS_TERMINAL, SUBENTRY_BARRIER_GATE, SUBENTRY_PATROL_ROUTE
from .devices.isapi.events import Screening
from .modes import CompoundMode
from .patrol_rounds import PatrolEventType

TRIGGER_TYPES: Final[dict[str, tuple[TriggerKey, str | None]]] = {
    "mode_changed": (TriggerKey.MODE_CHANGED, None),
    **{f"mode_{mode}": (TriggerKey.MODE_CHANGED, str(mode)) for mode in CompoundMode},
    "fever_detected": (TriggerKey.SCREENING_ALERT, Screening.FEVER_DETECTED),
    "no_mask": (TriggerKey.SCREENING_ALERT, Screening.NO_MASK),
    "entrance_overridden": (TriggerKey.ENTRANCE_OVERRIDDEN, None),
    "gate_fault": (TriggerKey.GATE_FAULT, None),
    **{
        f"round_{kind}": (TriggerKey.PATROL_ROUND, str(kind))
        for kind in (PatrolEventType.DUE, PatrolEventType.OVERDUE, PatrolEventType.MISSED)
    },
    "manhole_attention": (TriggerKey.MANHOLE_ATTENTION, None),
    "shed_overheat": (TriggerKey.SHED_OVERHEAT, None),
}
"""Each device trigger type: the compound's trigger it is, and the choice it narrows that to."""

TYPES_BY_KIND: Final[dict[str, tuple[str, ...]]] = {
    COMPOUND_KIND: ("mode_changed", *(f"mode_{mode}" for mode in CompoundMode)),
    SUBENTRY_ACCESS_TERMINAL: ("fever_detected", "no_mask", "entrance_overridden"),
    SUBENTRY_BARRIER_GATE: ("entrance_overridden", "gate_fault"),
    SUBENTRY_PATROL_ROUTE: ("round_due", "round_overdue", "round_missed"),
    MANHOLE_KIND: ("manhole_attention",),
    SHED_KIND: ("shed_overheat",),
}

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend({vol.Required(CONF_TYPE): vol.In(TRIGGER_TYPES)})


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """Return the triggers a device of a compound offers: none for a device of another integration."""
    if (ref := async_device_ref(hass, device_id)) is None:
        return []
    return [
        {CONF_PLATFORM: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: kind}
        for kind in TYPES_BY_KIND.get(ref.kind, ())
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Run action on each of the device's events that the trigger type names."""
    device_id: str = config[CONF_DEVICE_ID]
    trigger_type: str = config[CONF_TYPE]
    key, choice = TRIGGER_TYPES[trigger_type]
    ref = async_device_ref(hass, device_id)
    # A device no longer in the registry fires nothing, until the automation is set up again.
    wanted = EventFilter(
        compounds={ref.entry_id} if ref else (),
        devices={ref.subentry_id} if ref and ref.subentry_id else None,
        choices={choice} if choice else None,
    )
    job = HassJob(action, f"hanyang_compound device trigger {trigger_type}")

    @callback
    def fire(event: Event[dict[str, Any]]) -> None:
        hass.async_run_hass_job(
            job,
            {
                "trigger": {
                    **trigger_info["trigger_data"],
                    CONF_PLATFORM: "device",
                    CONF_DOMAIN: DOMAIN,
                    CONF_DEVICE_ID: device_id,
                    CONF_TYPE: trigger_type,
                    "event": event,
                    "description": f"{DOMAIN} {trigger_type}",
                }
            },
            event.context,
        )

    return async_listen(hass, key, wanted, fire)
