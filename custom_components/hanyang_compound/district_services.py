"""A district's actions: issue or withdraw a directive, and the assessment ranking of its compounds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from .const import ATTR_MODE, ATTR_REASON, DOMAIN, REASON_MAX_LENGTH, is_district_data
from .district_role import District
from .errors import request_error
from .services import parse_mode

SERVICE_ISSUE_DIRECTIVE = "issue_directive"
SERVICE_WITHDRAW_DIRECTIVE = "withdraw_directive"
SERVICE_DISTRICT_RANKING = "district_ranking"
ATTR_DISTRICT = "district"
ATTR_ZONE = "zone"
ATTR_COMPOUND = "compound"
RANKED_BY = {"compounds": "compound", "zones": "zone", "companies": "company"}
"""The ranking action's lists, and what each ranks."""

_TARGET = {
    vol.Required(ATTR_DISTRICT): cv.string,
    vol.Optional(ATTR_ZONE): vol.All(cv.string, vol.Length(min=1, max=100)),
    vol.Optional(ATTR_COMPOUND): vol.All(cv.string, vol.Length(min=1, max=100)),
}
ISSUE_DIRECTIVE_SCHEMA = vol.Schema(
    {
        **_TARGET,
        # Checked in the handler rather than by vol.In, so an unknown mode gets a translated message.
        vol.Required(ATTR_MODE): cv.string,
        vol.Optional(ATTR_REASON): vol.All(cv.string, vol.Length(max=REASON_MAX_LENGTH)),
    }
)
WITHDRAW_DIRECTIVE_SCHEMA = vol.Schema(_TARGET)
DISTRICT_RANKING_SCHEMA = vol.Schema({vol.Required(ATTR_DISTRICT): cv.string})


@callback
def async_resolve_district(hass: HomeAssistant, entry_id: str) -> District:
    """Return the running district of a config entry id; raise a translated error if it is none."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN or not is_district_data(entry.data):
        raise request_error("unknown_district", reference=entry_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise request_error("district_not_loaded", district=entry.title)
    district: District = entry.runtime_data
    return district


def _target(district: District, call: ServiceCall) -> str:
    return district.target(call.data.get(ATTR_ZONE), call.data.get(ATTR_COMPOUND))


@callback
def async_setup_district_services(hass: HomeAssistant) -> None:
    """Register a district's actions."""

    async def async_issue_directive(call: ServiceCall) -> ServiceResponse:
        district = async_resolve_district(hass, call.data[ATTR_DISTRICT])
        mode = parse_mode(call.data[ATTR_MODE])
        directive_id = await district.async_issue(
            _target(district, call), mode, call.data.get(ATTR_REASON) or None, call.context
        )
        return {"directive_id": directive_id}

    async def async_withdraw_directive(call: ServiceCall) -> None:
        district = async_resolve_district(hass, call.data[ATTR_DISTRICT])
        await district.async_withdraw(_target(district, call), call.context)

    @callback
    def district_ranking(call: ServiceCall) -> ServiceResponse:
        model = async_resolve_district(hass, call.data[ATTR_DISTRICT]).model
        response: dict[str, Any] = {"month": model.month()}
        for key, by in RANKED_BY.items():
            response[key] = [asdict(row) for row in model.ranking(by)]
        return response

    hass.services.async_register(
        DOMAIN,
        SERVICE_ISSUE_DIRECTIVE,
        async_issue_directive,
        schema=ISSUE_DIRECTIVE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_WITHDRAW_DIRECTIVE,
        async_withdraw_directive,
        schema=WITHDRAW_DIRECTIVE_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_DISTRICT_RANKING,
        district_ranking,
        schema=DISTRICT_RANKING_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
