"""Subentry flow of a patrol route: its checkpoints (NFC tags), schedules and times."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ..const import (
    CONF_CHECKPOINTS,
    CONF_DURATION_MINUTES,
    CONF_GRACE_MINUTES,
    CONF_ORDERED,
    SUBENTRY_PATROL_ROUTE,
)
from ..modes import CompoundMode
from ..patrol_route import TAG_DOMAIN, schedule_key
from ..patrol_schedule import (
    DEFAULT_DURATION,
    DEFAULT_GRACE,
    DEFAULT_SCHEDULES,
    Schedule,
    ScheduleError,
)
from ..texts import clean_text
from .base import DeviceSubentryFlow


class PatrolRouteSubentryFlow(DeviceSubentryFlow):
    """Adds or changes a patrol route: its checkpoints (NFC tags), schedules and times."""

    # A route crosses the compound's areas rather than being in one.
    has_area = False

    def device_schema(self, defaults: dict[str, Any]) -> vol.Schema:
        """Return the route's form, prefilled with defaults or the defaults of a new route."""
        fields: dict[Any, Any] = {
            vol.Required(CONF_NAME, default=defaults.get(CONF_NAME, "")): TextSelector(),
            vol.Required(
                CONF_CHECKPOINTS, default=defaults.get(CONF_CHECKPOINTS, [])
            ): EntitySelector(EntitySelectorConfig(domain=TAG_DOMAIN, multiple=True)),
            vol.Required(CONF_ORDERED, default=defaults.get(CONF_ORDERED, True)): BooleanSelector(),
        }
        for mode in CompoundMode:
            # A suggestion rather than a default: clearing the field means "no rounds".
            key = schedule_key(mode)
            suggested = defaults.get(key, "") if defaults else DEFAULT_SCHEDULES[mode]
            fields[vol.Optional(key, description={"suggested_value": suggested})] = TextSelector()
        for key, default, maximum in (
            (CONF_GRACE_MINUTES, DEFAULT_GRACE, 240),
            (CONF_DURATION_MINUTES, DEFAULT_DURATION, 480),
        ):
            fields[
                vol.Required(key, default=defaults.get(key, default // timedelta(minutes=1)))
            ] = NumberSelector(
                NumberSelectorConfig(
                    min=1,
                    max=maximum,
                    step=1,
                    unit_of_measurement="min",
                    mode=NumberSelectorMode.BOX,
                )
            )
        return vol.Schema(fields)

    async def async_validate_device(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Check the name, that there are checkpoints, and that every schedule can be read."""
        data: dict[str, Any] = {
            CONF_NAME: clean_text(user_input[CONF_NAME]),
            CONF_CHECKPOINTS: list(dict.fromkeys(user_input[CONF_CHECKPOINTS])),
            CONF_ORDERED: bool(user_input[CONF_ORDERED]),
            CONF_GRACE_MINUTES: int(user_input[CONF_GRACE_MINUTES]),
            CONF_DURATION_MINUTES: int(user_input[CONF_DURATION_MINUTES]),
        }
        errors: dict[str, str] = {}
        if not data[CONF_NAME]:
            errors[CONF_NAME] = "route_name_empty"
        elif data[CONF_NAME].casefold() in self._other_route_names():
            errors[CONF_NAME] = "route_name_taken"
        if not data[CONF_CHECKPOINTS]:
            errors[CONF_CHECKPOINTS] = "checkpoints_empty"
        for mode in CompoundMode:
            key = schedule_key(mode)
            # Kept as written ("every 4 h" stays so), once it is known to be readable.
            data[key] = clean_text(user_input.get(key, ""))
            try:
                Schedule.parse(data[key])
            except ScheduleError:
                errors[key] = "schedule_invalid"
        return data, errors

    def _other_route_names(self) -> set[str]:
        """Names of the compound's other routes, ignoring case: a name tells routes apart."""
        own = self.reconfigured_subentry_id()
        return {
            subentry.title.casefold()
            for subentry in self._get_entry().subentries.values()
            if subentry.subentry_type == SUBENTRY_PATROL_ROUTE and subentry.subentry_id != own
        }

    def device_title(self, data: dict[str, Any]) -> str:
        """Return the route's name, which it is listed under."""
        return str(data[CONF_NAME])
