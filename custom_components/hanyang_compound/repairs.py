"""Repair issues of a compound (implausible settings, devices offline for long) and the flows that fix them."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_state_change_event
import voluptuous as vol

from .compound import ISSUE_DEVICE_SETTINGS
from .const import CONF_FEVER_THRESHOLD, DEFAULT_FEVER_THRESHOLD, DOMAIN
from .settings_repair import DeviceSettingsRepairFlow
from .validation import NumberRange, form_number_errors

if TYPE_CHECKING:
    from .compound import Compound

ISSUE_FEVER_THRESHOLD = "implausible_fever_threshold"
ISSUE_DEVICE_UNAVAILABLE = "device_unavailable"
PLAUSIBLE_FEVER_THRESHOLD = NumberRange(37.2, 38.0, 0.1, "°C")
"""Screening thresholds in use: below, normal temperatures alarm; above, fevers pass unnoticed."""
UNAVAILABLE_BEFORE_ISSUE = timedelta(hours=1)


@callback
def async_check_fever_threshold(hass: HomeAssistant, compound: Compound) -> None:
    """Raise a fixable issue while the compound's fever threshold is implausible, remove it after."""
    issue_id = f"{ISSUE_FEVER_THRESHOLD}_{compound.entry.entry_id}"
    low, high = PLAUSIBLE_FEVER_THRESHOLD.minimum, PLAUSIBLE_FEVER_THRESHOLD.maximum
    threshold = compound.stored_fever_threshold
    if threshold is not None and low <= threshold <= high:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        data={"entry_id": compound.entry.entry_id},
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_FEVER_THRESHOLD,
        translation_placeholders={
            "compound": compound.name,
            "threshold": "?" if threshold is None else f"{threshold:.1f}",
            "low": f"{low:.1f}",
            "high": f"{high:.1f}",
        },
    )


class FeverThresholdRepairFlow(RepairsFlow):
    """Asks for a plausible fever threshold and stores it in the compound's options."""

    def __init__(self, entry_id: str) -> None:
        """Fix the threshold of the compound with this config entry id."""
        self.entry_id = entry_id

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> data_entry_flow.FlowResult:
        """Start with the threshold form; the input here is the issue, not the user's."""
        return await self.async_step_threshold()

    async def async_step_threshold(
        self, user_input: dict[str, Any] | None = None
    ) -> data_entry_flow.FlowResult:
        """Offer the default threshold, or another plausible one."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        if entry is None:
            return self.async_abort(reason="compound_removed")
        schema = vol.Schema(
            {
                vol.Required(
                    CONF_FEVER_THRESHOLD, default=DEFAULT_FEVER_THRESHOLD
                ): PLAUSIBLE_FEVER_THRESHOLD.selector()
            }
        )
        errors: dict[str, str] = {}
        if user_input is not None:
            fixed, errors = form_number_errors(schema, user_input)
            if not errors:
                self.hass.config_entries.async_update_entry(
                    entry,
                    options={**entry.options, CONF_FEVER_THRESHOLD: fixed[CONF_FEVER_THRESHOLD]},
                )
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="threshold",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "compound": entry.title,
                "low": f"{PLAUSIBLE_FEVER_THRESHOLD.minimum:.1f}",
                "high": f"{PLAUSIBLE_FEVER_THRESHOLD.maximum:.1f}",
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Return the flow that fixes an issue of the integration."""
    if issue_id.startswith(ISSUE_FEVER_THRESHOLD) and data:
        return FeverThresholdRepairFlow(str(data["entry_id"]))
    if issue_id.startswith(ISSUE_DEVICE_SETTINGS) and data:
        return DeviceSettingsRepairFlow(str(data["entry_id"]), str(data["subentry_id"]))
    return ConfirmRepairFlow()


class DeviceAvailabilityWatcher:
    """Raises an issue when all entities of a device of the compound stay unavailable for an hour.

    The issue goes away by itself as soon as any of the device's entities is available again.
    """

    def __init__(self, hass: HomeAssistant, compound: Compound) -> None:
        """Watch the devices (subentries) of compound once async_start is called."""
        self.hass = hass
        self.compound = compound
        self._entities: dict[str, list[str]] = defaultdict(list)
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self._unsubscribe: CALLBACK_TYPE | None = None

    @callback
    def async_start(self) -> None:
        """Start watching the entities the compound's devices registered."""
        entry = self.compound.entry
        for entity in er.async_entries_for_config_entry(er.async_get(self.hass), entry.entry_id):
            if (subentry_id := entity.config_subentry_id) and subentry_id in entry.subentries:
                self._entities[subentry_id].append(entity.entity_id)
        for issue_id, issue in list(ir.async_get(self.hass).issues.items()):
            if (
                issue_id[0] == DOMAIN
                and issue.translation_key == ISSUE_DEVICE_UNAVAILABLE
                and issue_id[1].removeprefix(f"{ISSUE_DEVICE_UNAVAILABLE}_") not in self._entities
                and (issue.data or {}).get("entry_id") == entry.entry_id
            ):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id[1])
        entity_to_device = {
            entity_id: subentry_id
            for subentry_id, entity_ids in self._entities.items()
            for entity_id in entity_ids
        }

        @callback
        def state_changed(event: Event[EventStateChangedData]) -> None:
            self._evaluate(entity_to_device[event.data["entity_id"]])

        self._unsubscribe = async_track_state_change_event(
            self.hass, list(entity_to_device), state_changed
        )
        for subentry_id in self._entities:
            self._evaluate(subentry_id)

    @callback
    def async_stop(self) -> None:
        """Stop watching; raised issues stay until the device is back."""
        if self._unsubscribe:
            self._unsubscribe()
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()

    @callback
    def _evaluate(self, subentry_id: str) -> None:
        issue_id = f"{ISSUE_DEVICE_UNAVAILABLE}_{subentry_id}"
        states = [self.hass.states.get(entity_id) for entity_id in self._entities[subentry_id]]
        offline = all(state is None or state.state == STATE_UNAVAILABLE for state in states)
        if not offline:
            if cancel := self._timers.pop(subentry_id, None):
                cancel()
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        if subentry_id in self._timers:
            return

        @callback
        def raise_issue(_now: Any) -> None:
            self._timers.pop(subentry_id, None)
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                data={"entry_id": self.compound.entry.entry_id},
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_DEVICE_UNAVAILABLE,
                translation_placeholders={
                    "device": self.compound.entry.subentries[subentry_id].title,
                    "compound": self.compound.name,
                },
            )

        self._timers[subentry_id] = async_call_later(
            self.hass, UNAVAILABLE_BEFORE_ISSUE, raise_issue
        )
