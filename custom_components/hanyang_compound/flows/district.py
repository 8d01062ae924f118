"""The district steps: a compound's link in its options, and a district's own config entry (its view)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ..const import (
    CONF_DISTRICT,
    CONF_DISTRICT_LINK,
    CONF_DISTRICT_MAY,
    CONF_ENTRY_KIND,
    DOMAIN,
    ENTRY_KIND_DISTRICT,
)
from ..district_protocol import district_unique_id, valid_segment
from ..modes import DistrictRights
from ..texts import clean_text

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


class DistrictEntrySteps(ConfigFlow):
    """The config flow's steps of a district: the district's view of its compounds, one per district id."""

    async def async_step_district(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the district's name and id; it needs Home Assistant's mqtt integration."""
        if not self.hass.config_entries.async_entries(MQTT_DOMAIN):
            return self.async_abort(reason="mqtt_missing")
        errors: dict[str, str] = {}
        if user_input is not None:
            name = clean_text(str(user_input.get(CONF_NAME, "")))
            district = str(user_input.get(CONF_DISTRICT, "")).strip()
            if not name:
                errors[CONF_NAME] = "district_name_empty"
            if not valid_segment(district):
                errors[CONF_DISTRICT] = "district_invalid"
            if not errors:
                await self.async_set_unique_id(district_unique_id(district))
                self._abort_if_unique_id_configured(error="district_configured")
                return self.async_create_entry(
                    title=name,
                    data={CONF_ENTRY_KIND: ENTRY_KIND_DISTRICT, CONF_DISTRICT: district},
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_NAME): TextSelector(),
                vol.Required(CONF_DISTRICT): TextSelector(),
            }
        )
        return self.async_show_form(
            step_id="district",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
        )

    async def async_step_reconfigure_district(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Rename a district; its id stays (another id is another district's entry)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            if name := clean_text(str(user_input.get(CONF_NAME, ""))):
                return self.async_update_reload_and_abort(entry, title=name)
            errors[CONF_NAME] = "district_name_empty"
        schema = vol.Schema({vol.Required(CONF_NAME): TextSelector()})
        return self.async_show_form(
            step_id="reconfigure_district",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or {CONF_NAME: entry.title}
            ),
            errors=errors,
            description_placeholders={"district": str(entry.data[CONF_DISTRICT])},
        )
