"""Texts: those people type or say tidied or made safe for log lines, and the integration's own in the installation's language."""

from __future__ import annotations

from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_cached_translations

from .const import DOMAIN

LOG_TEXT_MAX_LENGTH: Final = 120


def clean_text(value: Any) -> str:
    """Return a typed or spoken text with its spacing tidied: trimmed, inner runs of spaces as one."""
    return " ".join(str(value).split())


def log_safe(text: object, max_length: int = LOG_TEXT_MAX_LENGTH) -> str:
    """Return text for a log line: control characters escaped, so no one can forge lines; capped.

    Chinese and other printable text stays as it is.
    """
    value = str(text)
    cut = len(value) > max_length
    escaped = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in value[:max_length]
    )
    return f"{escaped}…" if cut else escaped


def entity_text(hass: HomeAssistant, path: str) -> str:
    """Return an entity text in the installation's language, e.g. select.mode.state.lockdown.

    The path's last part stands in for a text the language lacks.
    """
    translations = async_get_cached_translations(hass, hass.config.language, "entity", DOMAIN)
    return translations.get(f"component.{DOMAIN}.entity.{path}", path.rsplit(".", 1)[-1])
