"""The compound's conditions on releases with integration conditions (2026.x).

Written against those releases' condition classes; type-checked with the newest release's venv.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final, Unpack, cast, override

from homeassistant.const import CONF_OPTIONS
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.condition import Condition, ConditionCheckParams, ConditionConfig
from homeassistant.helpers.typing import ConfigType
import voluptuous as vol

from .automations import async_device_ref, compound_in_mode, entrance_shut, route_overdue
from .modes import CompoundMode

IN_MODE: Final = "in_mode"
ROUND_OVERDUE: Final = "round_overdue"
ENTRANCE_SHUT: Final = "entrance_shut"
OPTION_COMPOUND: Final = "compound"
OPTION_MODES: Final = "modes"
OPTION_ROUTES: Final = "routes"
OPTION_ENTRANCES: Final = "entrances"

_DEVICES = vol.All(cv.ensure_list, vol.Length(min=1), [cv.string])
OPTIONS_SCHEMAS: Final[dict[str, dict[Any, Any]]] = {
    IN_MODE: {
        vol.Required(OPTION_COMPOUND): cv.string,
        vol.Required(OPTION_MODES): vol.All(
            cv.ensure_list, vol.Length(min=1), [vol.In(list(CompoundMode))]
        ),
    },
    ROUND_OVERDUE: {vol.Required(OPTION_ROUTES): _DEVICES},
    ENTRANCE_SHUT: {vol.Required(OPTION_ENTRANCES): _DEVICES},
}


class CompoundCondition(Condition):
    """One of the compound's conditions; it reads the compound each time it is checked."""

    key: ClassVar[str]

    @override
    @classmethod
    async def async_validate_config(cls, hass: HomeAssistant, config: ConfigType) -> ConfigType:
        """Check the condition's options."""
        schema = vol.Schema({vol.Required(CONF_OPTIONS): OPTIONS_SCHEMAS[cls.key]})
        return cast("ConfigType", schema(config))

    def __init__(self, hass: HomeAssistant, config: ConditionConfig) -> None:
        """Keep the condition's options."""
        super().__init__(hass, config)
        self._options: dict[str, Any] = config.options or {}


class InModeCondition(CompoundCondition):
    """The compound is in one of the chosen modes."""

    key = IN_MODE

    @override
    def _async_check(self, **kwargs: Unpack[ConditionCheckParams]) -> bool:
        return compound_in_mode(
            self._hass, self._options[OPTION_COMPOUND], self._options[OPTION_MODES]
        )


class RoundOverdueCondition(CompoundCondition):
    """One of the chosen patrol routes has an overdue round."""

    key = ROUND_OVERDUE

    @override
    def _async_check(self, **kwargs: Unpack[ConditionCheckParams]) -> bool:
        refs = (async_device_ref(self._hass, route) for route in self._options[OPTION_ROUTES])
        return any(ref is not None and route_overdue(self._hass, ref) for ref in refs)


class EntranceShutCondition(CompoundCondition):
    """Every chosen entrance is held shut by the compound's mode."""

    key = ENTRANCE_SHUT

    @override
    def _async_check(self, **kwargs: Unpack[ConditionCheckParams]) -> bool:
        refs = [
            async_device_ref(self._hass, entrance) for entrance in self._options[OPTION_ENTRANCES]
        ]
        return all(ref is not None and entrance_shut(self._hass, ref) for ref in refs)


CONDITIONS: Final[dict[str, type[Condition]]] = {
    condition.key: condition
    for condition in (InModeCondition, RoundOverdueCondition, EntranceShutCondition)
}
