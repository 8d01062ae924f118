"""Translated errors: what a user reads when a command is refused or a device cannot carry it out."""

from __future__ import annotations

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN


def device_error(key: str, **placeholders: str) -> HomeAssistantError:
    """Return the error raised when a device could not carry out a command, translated by key."""
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def request_error(key: str, **placeholders: str) -> ServiceValidationError:
    """Return the error raised for a request that cannot be valid (no traceback in the UI)."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )
