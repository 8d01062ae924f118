"""The add and reconfigure steps that every device kind's subentry flow shares."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.helpers.selector import TextSelector
import voluptuous as vol

from ..const import CONF_AREA
from ..device_areas import AREA_MAX_LENGTH, async_move_to_changed_area
from ..texts import clean_text
from ..validation import form_number_errors


class DeviceSubentryFlow(ConfigSubentryFlow):
    """Adds or reconfigures one device of a compound; each device kind fills in the specifics.

    A kind declares its form and checks; this class runs the add and reconfigure steps the
    same way for all of them, so every kind gets reconfiguration and form errors alike.
    """

    has_area: ClassVar[bool] = True
    """Whether the form asks for the area the device is in (the entrance, the shed, the lane)."""

    @abstractmethod
    def device_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        """Return the form of the device, prefilled with defaults."""

    @abstractmethod
    async def async_validate_device(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Check the device (and reach it where it can be reached); return its data and errors."""

    @abstractmethod
    def device_title(self, data: dict[str, Any]) -> str:
        """Return the name the device is listed under in the compound."""

    def reconfigured_subentry_id(self) -> str | None:
        """Return the id of the subentry being reconfigured; None while a device is added.

        A kind's checks leave this device out when they compare it with the compound's others.
        """
        return self._reconfigure_subentry_id if self.source == SOURCE_RECONFIGURE else None

    def form_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        """Return the kind's form, followed by the area field where the kind has one."""
        schema = self.device_schema(defaults)
        if not self.has_area:
            return schema
        return schema.extend(
            {vol.Optional(CONF_AREA, default=defaults.get(CONF_AREA, "")): TextSelector()}
        )

    async def _async_check(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Check the form's numbers and area (for every kind alike), then the kind's own checks.

        A device without an area stores none, as devices did before the field existed.
        """
        kind_input = {key: value for key, value in user_input.items() if key != CONF_AREA}
        numbers, errors = form_number_errors(self.device_schema(kind_input), kind_input)
        area = clean_text(user_input.get(CONF_AREA, ""))
        if len(area) > AREA_MAX_LENGTH:
            errors[CONF_AREA] = "area_too_long"
        if errors:
            return user_input, errors
        data, errors = await self.async_validate_device(numbers)
        return ({**data, CONF_AREA: area} if area else data), errors

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a device to the compound."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_check(user_input)
            if not errors:
                return self.async_create_entry(title=self.device_title(data), data=data)
        return self.async_show_form(
            step_id="user", data_schema=self.form_schema(user_input or {}), errors=errors
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a device of the compound."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_check(user_input)
            if not errors:
                async_move_to_changed_area(
                    self.hass, self._get_entry(), subentry.subentry_id, subentry.data, data
                )
                return self.async_update_and_abort(
                    self._get_entry(), subentry, title=self.device_title(data), data=data
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.form_schema(user_input or dict(subentry.data)),
            errors=errors,
        )
