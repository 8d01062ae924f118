"""Repair issues of a compound (implausible settings, devices offline for long) and the flows that fix them."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
import voluptuous as vol

from .const import CONF_FEVER_THRESHOLD, DEFAULT_FEVER_THRESHOLD, DOMAIN
from .device_set import ISSUE_DEVICE_SETTINGS
from .interfaces import DeviceWithAvailability
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
    """Raises an issue when a device of the compound has been unreachable for an hour.

    Devices tell their availability themselves (DeviceWithAvailability), so the watcher costs
    nothing per state change of the compound's entities. The issue goes away by itself as soon
    as the device answers again.
    """

    def __init__(self, hass: HomeAssistant, compound: Compound) -> None:
        """Watch the devices (subentries) of compound once async_start is called."""
        self.hass = hass
        self.compound = compound
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self._unsubscribe: list[CALLBACK_TYPE] = []

    @callback
    def async_start(self) -> None:
        """Start watching the compound's devices; forget issues of devices that are gone."""
        entry = self.compound.entry
        watched = {
            subentry_id: device
            for subentry_id, device in self.compound.devices.items()
            if isinstance(device, DeviceWithAvailability)
        }
        for issue_id, issue in list(ir.async_get(self.hass).issues.items()):
            if (
                issue_id[0] == DOMAIN
                and issue.translation_key == ISSUE_DEVICE_UNAVAILABLE
                and issue_id[1].removeprefix(f"{ISSUE_DEVICE_UNAVAILABLE}_") not in watched
                and (issue.data or {}).get("entry_id") == entry.entry_id
            ):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id[1])
        for subentry_id, device in watched.items():
            self._unsubscribe.append(
                device.async_add_availability_listener(partial(self._evaluate, subentry_id, device))
            )
            self._evaluate(subentry_id, device)

    @callback
    def async_stop(self) -> None:
        """Stop watching; raised issues stay until the device is back."""
        for cancel in [*self._unsubscribe, *self._timers.values()]:
            cancel()
        self._unsubscribe.clear()
        self._timers.clear()

    @callback
    def _evaluate(self, subentry_id: str, device: DeviceWithAvailability) -> None:
        issue_id = f"{ISSUE_DEVICE_UNAVAILABLE}_{subentry_id}"
        if device.available:
            if cancel := self._timers.pop(subentry_id, None):
                cancel()
            if ir.async_get(self.hass).async_get_issue(DOMAIN, issue_id):
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        if subentry_id in self._timers or ir.async_get(self.hass).async_get_issue(DOMAIN, issue_id):
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
