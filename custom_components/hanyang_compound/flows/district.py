"""The compound options' district step: whether the compound is linked to a district, which, and its rights."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ..const import CONF_DISTRICT, CONF_DISTRICT_LINK, CONF_DISTRICT_MAY, DOMAIN
from ..district_protocol import valid_segment
from ..modes import DistrictRights

MQTT_DOMAIN = "mqtt"


class DistrictOptionsStep(OptionsFlow):
    """Asks for the district of a compound whose options turned the district link on."""

    pending_options: dict[str, Any]
    """The options of the steps before, saved together with the district's."""

    async def async_step_district(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the district's id and what the district may do with the compound's mode."""
        errors: dict[str, str] = {}
        if not self.hass.config_entries.async_entries(MQTT_DOMAIN):
            return self.async_abort(reason="mqtt_missing")
        if user_input is not None:
            district = str(user_input.get(CONF_DISTRICT, "")).strip()
            if not valid_segment(district):
                errors[CONF_DISTRICT] = "district_invalid"
            else:
                return self.async_create_entry(
                    data=self.pending_options
                    | {
                        CONF_DISTRICT_LINK: True,
                        CONF_DISTRICT: district,
                        CONF_DISTRICT_MAY: user_input[CONF_DISTRICT_MAY],
                    }
                )
        options = self.config_entry.options
        schema = vol.Schema(
            {
                vol.Required(CONF_DISTRICT, default=options.get(CONF_DISTRICT, "")): TextSelector(),
                vol.Required(
                    CONF_DISTRICT_MAY,
                    default=options.get(CONF_DISTRICT_MAY, DistrictRights.OWN_RESTRICTIONS),
                ): SelectSelector(
                    SelectSelectorConfig(
                        options=[str(rights) for rights in DistrictRights],
                        mode=SelectSelectorMode.LIST,
                        translation_key=CONF_DISTRICT_MAY,
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="district",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
            description_placeholders={"domain": DOMAIN},
        )
