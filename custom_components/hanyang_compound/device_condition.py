"""Device conditions: the compound is in a mode, a route has an overdue round, an entrance is shut."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from homeassistant.const import CONF_CONDITION, CONF_DEVICE_ID, CONF_DOMAIN, CONF_TYPE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.condition import ConditionCheckerType
from homeassistant.helpers.typing import ConfigType, TemplateVarsType
import voluptuous as vol

from .automations import (
    COMPOUND_KIND,
    ENTRANCE_KINDS,
    CompoundDeviceRef,
    async_device_ref,
    compound_in_mode,
    entrance_shut,
    route_overdue,
)
from .const import DOMAIN, SUBENTRY_PATROL_ROUTE
from .modes import CompoundMode

MODE_CONDITIONS: Final = {f"is_{mode}": mode for mode in CompoundMode}
ROUND_OVERDUE: Final = "round_overdue"
ENTRANCE_SHUT: Final = "entrance_shut"
CONDITION_TYPES: Final = (*MODE_CONDITIONS, ROUND_OVERDUE, ENTRANCE_SHUT)

CONDITION_SCHEMA = cv.DEVICE_CONDITION_BASE_SCHEMA.extend(
    {vol.Required(CONF_TYPE): vol.In(CONDITION_TYPES)}
)


async def async_get_conditions(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """Return the conditions a device of a compound offers: none for a device of another integration."""
    if (ref := async_device_ref(hass, device_id)) is None:
        return []
    if ref.kind == COMPOUND_KIND:
        types: list[str] = list(MODE_CONDITIONS)
    elif ref.kind == SUBENTRY_PATROL_ROUTE:
        types = [ROUND_OVERDUE]
    elif ref.kind in ENTRANCE_KINDS:
        types = [ENTRANCE_SHUT]
    else:
        types = []
    return [
        {CONF_CONDITION: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: kind}
        for kind in types
    ]


@callback
def async_condition_from_config(hass: HomeAssistant, config: ConfigType) -> ConditionCheckerType:
    """Return the check of one device condition; it reads the compound when the automation asks."""
    device_id: str = config[CONF_DEVICE_ID]
    condition_type: str = config[CONF_TYPE]
    check: Callable[[HomeAssistant, CompoundDeviceRef], bool]
    if (mode := MODE_CONDITIONS.get(condition_type)) is not None:

        def check(hass: HomeAssistant, ref: CompoundDeviceRef) -> bool:
            return compound_in_mode(hass, ref.entry_id, (mode,))

    elif condition_type == ROUND_OVERDUE:
        check = route_overdue
    else:
        check = entrance_shut

    @callback
    def test(hass: HomeAssistant, variables: TemplateVarsType = None) -> bool:
        # The device is looked up each time: a compound reloaded since keeps its device ids.
        ref = async_device_ref(hass, device_id)
        return ref is not None and check(hass, ref)

    return test
