"""Actions of the integration: every one resolves its compound and enters through the Compound."""

from __future__ import annotations

from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import (
    config_validation as cv,
)
import voluptuous as vol

from .assessment_report import FORMATS, async_write_report
from .const import (
    ATTR_COMPOUND,
    ATTR_FORMAT,
    ATTR_MODE,
    ATTR_MONTH,
    ATTR_PIN,
    ATTR_REASON,
    ATTR_ROUTE,
    ATTR_VOICE,
    DOMAIN,
    PIN_MAX_LENGTH,
    REASON_MAX_LENGTH,
)
from .errors import request_error
from .lookup import async_resolve_compound, async_resolve_entrance, async_resolve_route
from .modes import CompoundMode, EntranceAction

SERVICE_SET_MODE = "set_mode"
SERVICE_CUT_SHED_POWER = "cut_shed_power"
SERVICE_OVERRIDE_GATE = "override_gate"
SERVICE_SKIP_ROUND = "skip_round"
SERVICE_ASSESSMENT_REPORT = "assessment_report"

SET_MODE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_COMPOUND): cv.string,
        # Checked in the handler rather than by vol.In, so an unknown mode gets a translated message.
        vol.Required(ATTR_MODE): cv.string,
        vol.Optional(ATTR_REASON): vol.All(cv.string, vol.Length(max=REASON_MAX_LENGTH)),
        # A request someone spoke (a voice blueprint's sentence): voice rules apply, and the PIN said.
        vol.Optional(ATTR_VOICE, default=False): cv.boolean,
        vol.Optional(ATTR_PIN): vol.All(cv.string, vol.Length(max=PIN_MAX_LENGTH)),
    }
)

CUT_SHED_POWER_SCHEMA = vol.Schema({vol.Required(ATTR_COMPOUND): cv.string})
SKIP_ROUND_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_ROUTE): cv.string,
        vol.Required(ATTR_REASON): vol.All(cv.string, vol.Length(min=1, max=REASON_MAX_LENGTH)),
    }
)

ASSESSMENT_REPORT_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_COMPOUND): cv.string,
        # Month and format are checked in the handler, so bad ones get translated messages.
        vol.Required(ATTR_MONTH): cv.string,
        vol.Optional(ATTR_FORMAT, default=FORMATS[0]): cv.string,
    }
)

OVERRIDE_GATE_SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_ENTITY_ID): cv.entity_id,
        vol.Required(ATTR_REASON): vol.All(cv.string, vol.Length(min=1, max=REASON_MAX_LENGTH)),
    }
)


def parse_mode(value: str) -> CompoundMode:
    """Return the mode named value, or raise a translated error listing the valid ones."""
    try:
        return CompoundMode(value)
    except ValueError:
        raise request_error(
            "unknown_mode", mode=value, modes=", ".join(str(mode) for mode in CompoundMode)
        ) from None


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""

    async def async_set_mode(call: ServiceCall) -> None:
        compound = async_resolve_compound(hass, call.data[ATTR_COMPOUND])
        await compound.async_set_mode(
            parse_mode(call.data[ATTR_MODE]),
            context=call.context,
            reason=call.data.get(ATTR_REASON),
            voice=call.data[ATTR_VOICE],
            pin=call.data.get(ATTR_PIN) or None,
        )

    async def async_override_gate(call: ServiceCall) -> None:
        compound, entrance = async_resolve_entrance(hass, call.data[ATTR_ENTITY_ID])
        await compound.async_command_entrance(
            entrance,
            EntranceAction.OPEN,
            context=call.context,
            override_reason=call.data[ATTR_REASON],
        )

    hass.services.async_register(DOMAIN, SERVICE_SET_MODE, async_set_mode, schema=SET_MODE_SCHEMA)
    # Who may override (administrators and automations) is decided by the compound, as for modes.
    hass.services.async_register(
        DOMAIN, SERVICE_OVERRIDE_GATE, async_override_gate, schema=OVERRIDE_GATE_SCHEMA
    )

    async def async_cut_shed_power(call: ServiceCall) -> None:
        await async_resolve_compound(hass, call.data[ATTR_COMPOUND]).async_cut_shed_power(
            call.context
        )

    @callback
    def skip_round(call: ServiceCall) -> None:
        route = async_resolve_route(hass, call.data[ATTR_ROUTE])
        route.async_skip_round(call.data[ATTR_REASON], call.context)

    hass.services.async_register(DOMAIN, SERVICE_SKIP_ROUND, skip_round, schema=SKIP_ROUND_SCHEMA)
    hass.services.async_register(
        DOMAIN, SERVICE_CUT_SHED_POWER, async_cut_shed_power, schema=CUT_SHED_POWER_SCHEMA
    )

    async def async_assessment_report(call: ServiceCall) -> ServiceResponse:
        compound = async_resolve_compound(hass, call.data[ATTR_COMPOUND])
        report = await async_write_report(
            hass, compound, call.data[ATTR_MONTH], call.data[ATTR_FORMAT]
        )
        return {"path": report["path"], "url": report["url"]}

    hass.services.async_register(
        DOMAIN,
        SERVICE_ASSESSMENT_REPORT,
        async_assessment_report,
        schema=ASSESSMENT_REPORT_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
