"""The repair of a device left out for settings it cannot use: its own reconfigure form, inside the repair."""

from __future__ import annotations

from typing import Any

from homeassistant import data_entry_flow
from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import SOURCE_RECONFIGURE

from .config_flow import SUBENTRY_FLOWS


class DeviceSettingsRepairFlow(RepairsFlow):
    """Shows the device kind's reconfigure form and saves it; the compound then reloads with the device.

    Home Assistant cannot open a subentry's reconfigure flow from a repair, so this flow runs
    that flow's step itself: the same form, the same checks (the device is reached again).
    """

    def __init__(self, entry_id: str, subentry_id: str) -> None:
        """Repair the device of one subentry of a compound."""
        self.entry_id = entry_id
        self.subentry_id = subentry_id

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> data_entry_flow.FlowResult:
        """Start with the device's form; the input here is the issue, not the user's."""
        return await self.async_step_reconfigure()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> data_entry_flow.FlowResult:
        """Show the device's settings form, and save it once its checks pass."""
        entry = self.hass.config_entries.async_get_entry(self.entry_id)
        subentry = entry.subentries.get(self.subentry_id) if entry else None
        kind = SUBENTRY_FLOWS.get(subentry.subentry_type) if subentry else None
        if entry is None or subentry is None or kind is None:
            return self.async_abort(reason="device_removed")
        device_flow = kind()
        device_flow.hass = self.hass
        device_flow.handler = (entry.entry_id, subentry.subentry_type)
        device_flow.flow_id = self.flow_id
        device_flow.context = {"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id}
        try:
            result = await device_flow.async_step_reconfigure(user_input)
        except (KeyError, TypeError, ValueError):
            if user_input is not None:
                raise
            # The stored settings are too broken to prefill the form: start from the defaults.
            result = device_flow.async_show_form(
                step_id="reconfigure", data_schema=device_flow.form_schema({})
            )
        if result["type"] is data_entry_flow.FlowResultType.ABORT:
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=result.get("data_schema"),
            errors=result.get("errors"),
            description_placeholders={"device": subentry.title, "compound": entry.title},
        )
