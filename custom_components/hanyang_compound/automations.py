"""The compound's triggers and conditions: what each listens for or checks, for every automation platform.

Device triggers and conditions (every supported release) and the integration's own triggers and
conditions (releases that offer them) are thin layers over these, so both behave the same.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .compound import Compound
from .const import (
    ATTR_ALERT,
    ATTR_CONFIG_ENTRY_ID,
    ATTR_NEW_MODE,
    ATTR_ROUTE_ID,
    ATTR_SUBENTRY_ID,
    ATTR_TYPE,
    CONF_ROLE,
    DOMAIN,
    EVENT_ENTRANCE_OVERRIDE,
    EVENT_GATE_FAULT,
    EVENT_MANHOLE_ATTENTION,
    EVENT_MODE_CHANGED,
    EVENT_PATROL,
    EVENT_SCREENING_ALERT,
    EVENT_SHED_OVERHEAT,
    SUBENTRY_ACCESS_TERMINAL,
    SUBENTRY_BARRIER_GATE,
    SUBENTRY_BTHOME_SENSOR,
    BTHomeRole,
)
from .device_links import device_owners
from .devices.isapi.events import Screening
from .interfaces import Entrance
from .modes import CompoundMode, EntrancePolicy
from .patrol_rounds import PatrolEventType, RouteStatus
from .patrol_route import PatrolRouteDevice

COMPOUND_KIND: Final = "compound"
"""The kind of the compound's own device, beside the subentry types of its devices."""
MANHOLE_KIND: Final = f"{SUBENTRY_BTHOME_SENSOR}_{BTHomeRole.MANHOLE}"
SHED_KIND: Final = f"{SUBENTRY_BTHOME_SENSOR}_{BTHomeRole.SHED_THERMOMETER}"
ENTRANCE_KINDS: Final = frozenset({SUBENTRY_ACCESS_TERMINAL, SUBENTRY_BARRIER_GATE})


class TriggerKey(StrEnum):
    """The compound's triggers, as automations name them after the integration's domain."""

    MODE_CHANGED = "mode_changed"
    SCREENING_ALERT = "screening_alert"
    PATROL_ROUND = "patrol_round"
    ENTRANCE_OVERRIDDEN = "entrance_overridden"
    GATE_FAULT = "gate_fault"
    MANHOLE_ATTENTION = "manhole_attention"
    SHED_OVERHEAT = "shed_overheat"


@dataclass(frozen=True, slots=True)
class EventTrigger:
    """A trigger that fires on one of the integration's events, narrowed by compound, device and choice."""

    event_type: str
    device_field: str | None
    """The event's key that names the device (its subentry id); None for the compound's own events."""
    choice_field: str | None = None
    """The event's key a choice narrows, e.g. the new mode or the kind of screening alert."""
    choices: tuple[str, ...] = ()


EVENT_TRIGGERS: Final[dict[TriggerKey, EventTrigger]] = {
    TriggerKey.MODE_CHANGED: EventTrigger(
        EVENT_MODE_CHANGED, None, ATTR_NEW_MODE, tuple(CompoundMode)
    ),
    TriggerKey.SCREENING_ALERT: EventTrigger(
        EVENT_SCREENING_ALERT,
        ATTR_SUBENTRY_ID,
        ATTR_ALERT,
        (Screening.FEVER_DETECTED, Screening.NO_MASK),
    ),
    TriggerKey.PATROL_ROUND: EventTrigger(
        EVENT_PATROL,
        ATTR_ROUTE_ID,
        ATTR_TYPE,
        (PatrolEventType.DUE, PatrolEventType.OVERDUE, PatrolEventType.MISSED),
    ),
    TriggerKey.ENTRANCE_OVERRIDDEN: EventTrigger(EVENT_ENTRANCE_OVERRIDE, ATTR_SUBENTRY_ID),
    TriggerKey.GATE_FAULT: EventTrigger(EVENT_GATE_FAULT, ATTR_SUBENTRY_ID),
    TriggerKey.MANHOLE_ATTENTION: EventTrigger(EVENT_MANHOLE_ATTENTION, ATTR_SUBENTRY_ID),
    TriggerKey.SHED_OVERHEAT: EventTrigger(EVENT_SHED_OVERHEAT, ATTR_SUBENTRY_ID),
}


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which of a trigger's events fire it; None in a field means any."""

    compounds: Collection[str] | None = None
    """Config entry ids of the compounds."""
    devices: Collection[str] | None = None
    """Subentry ids of the devices."""
    choices: Collection[str] | None = None


@callback
def async_listen(
    hass: HomeAssistant,
    key: TriggerKey,
    wanted: EventFilter,
    listener: Callable[[Event[dict[str, Any]]], None],
) -> CALLBACK_TYPE:
    """Call listener with each of the trigger's events that the filter lets through."""
    trigger = EVENT_TRIGGERS[key]

    @callback
    def matches(data: dict[str, Any]) -> bool:
        checks = (
            (wanted.compounds, ATTR_CONFIG_ENTRY_ID),
            (wanted.devices, trigger.device_field),
            (wanted.choices, trigger.choice_field),
        )
        return all(
            allowed is None or (field is not None and data.get(field) in allowed)
            for allowed, field in checks
        )

    return hass.bus.async_listen(trigger.event_type, listener, event_filter=matches)


@dataclass(frozen=True, slots=True)
class CompoundDeviceRef:
    """A device of the device registry seen as the compound's: the compound itself or one subentry."""

    entry_id: str
    subentry_id: str | None
    kind: str
    """COMPOUND_KIND, a subentry type, or MANHOLE_KIND / SHED_KIND for BTHome sensors."""


@callback
def async_device_ref(hass: HomeAssistant, device_id: str) -> CompoundDeviceRef | None:
    """Return what a device of the registry is to a compound; None if it belongs to none."""
    if (device := dr.async_get(hass).async_get(device_id)) is None:
        return None
    for entry_id, subentry_ids in device_owners(device).items():
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            continue
        for subentry_id in subentry_ids:
            if subentry_id is None:
                if (DOMAIN, entry_id) in device.identifiers:
                    return CompoundDeviceRef(entry_id, None, COMPOUND_KIND)
                continue
            if (subentry := entry.subentries.get(subentry_id)) is not None:
                kind = subentry.subentry_type
                if kind == SUBENTRY_BTHOME_SENSOR:
                    kind = f"{kind}_{subentry.data.get(CONF_ROLE)}"
                return CompoundDeviceRef(entry_id, subentry_id, kind)
    return None


@callback
def async_subentry_ids(hass: HomeAssistant, device_ids: Collection[str]) -> set[str]:
    """Return the subentry ids of the compound's devices among device_ids."""
    refs = (async_device_ref(hass, device_id) for device_id in device_ids)
    return {ref.subentry_id for ref in refs if ref is not None and ref.subentry_id is not None}


def _running_compound(hass: HomeAssistant, entry_id: str) -> Compound | None:
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
        return None
    compound: Compound = entry.runtime_data
    return compound


def compound_in_mode(hass: HomeAssistant, entry_id: str, modes: Collection[str]) -> bool:
    """Whether the compound runs and is in one of the modes."""
    compound = _running_compound(hass, entry_id)
    return compound is not None and compound.mode in modes


def route_overdue(hass: HomeAssistant, ref: CompoundDeviceRef) -> bool:
    """Whether the patrol route runs and its current round is overdue."""
    compound = _running_compound(hass, ref.entry_id)
    route = compound.devices.get(ref.subentry_id or "") if compound else None
    return isinstance(route, PatrolRouteDevice) and route.route.status is RouteStatus.OVERDUE


def entrance_shut(hass: HomeAssistant, ref: CompoundDeviceRef) -> bool:
    """Whether the compound's mode holds the entrance shut (a lockdown, unless it is kept open)."""
    compound = _running_compound(hass, ref.entry_id)
    # Typed as any object: mypy cannot tell that a running device may be an entrance.
    entrance: object = compound.devices.get(ref.subentry_id or "") if compound else None
    return (
        compound is not None
        and isinstance(entrance, Entrance)
        and compound.entrance_policy(entrance) is EntrancePolicy.SHUT
    )
