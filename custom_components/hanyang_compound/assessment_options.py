"""The compound options of its assessment: the property company, and standards tightened beyond the tier's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.helpers.selector import TextSelector
import voluptuous as vol

from .assessment import INDICATORS, standard_option
from .const import CONF_PROPERTY_COMPANY, PROPERTY_COMPANY_MAX_LENGTH
from .texts import clean_text


def assessment_option_fields(tier: str, options: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    """Return the options form's fields of the assessment for a compound of tier.

    Each standard's field allows the tier's standard or a stricter one; left empty, the tier's
    standard applies (and follows the tier when it is reconfigured).
    """
    fields: dict[vol.Marker, Any] = {
        vol.Optional(
            CONF_PROPERTY_COMPANY,
            description={"suggested_value": options.get(CONF_PROPERTY_COMPANY)},
        ): TextSelector(),
    }
    for indicator, spec in INDICATORS.items():
        key = standard_option(indicator)
        fields[vol.Optional(key, description={"suggested_value": options.get(key)})] = (
            spec.tightening_range(tier).selector()
        )
    return fields


def assessment_option_errors(options: Mapping[str, Any]) -> dict[str, str]:
    """Return the errors of the assessment's text options (the numbers are checked with the form's)."""
    company = clean_text(options.get(CONF_PROPERTY_COMPANY) or "")
    return (
        {CONF_PROPERTY_COMPANY: "company_too_long"}
        if len(company) > PROPERTY_COMPANY_MAX_LENGTH
        else {}
    )


def stored_assessment_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the options to store: fields left empty are left out, so the tier's standard applies."""
    kept = {key: value for key, value in options.items() if value not in (None, "")}
    if company := clean_text(kept.pop(CONF_PROPERTY_COMPANY, "")):
        kept[CONF_PROPERTY_COMPANY] = company
    return kept
