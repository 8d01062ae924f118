"""Number fields of every form and every stored setting: finite, within range, whole where they must be.

Home Assistant's number selector lets NaN through (its range checks compare false) and turns
other bad numbers into untranslated schema errors. Forms here draw their number fields with
NumberRange.selector, which takes the typed value as it is, and form_number_errors checks
them all in the step, giving a translated error on the field. Stored settings are read back
through the same NumberRange, so a value changed by hand cannot reach a device.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import math
from typing import Any, Final

from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import voluptuous as vol

ERROR_NOT_A_NUMBER: Final = "number_invalid"
ERROR_OUT_OF_RANGE: Final = "number_out_of_range"


class InvalidSettingError(ValueError):
    """A stored setting of a device is missing, of the wrong type or out of its range."""

    def __init__(self, key: str) -> None:
        """Name the setting that does not validate."""
        super().__init__(f"setting {key} is missing or invalid")
        self.key = key


@dataclass(frozen=True, slots=True)
class NumberRange:
    """The values a number setting may take; the one source of its form field and its checks."""

    minimum: float
    maximum: float
    step: float = 1
    unit: str | None = None

    @property
    def whole(self) -> bool:
        """Whether only whole numbers are valid (ports, ids, channels)."""
        return float(self.step).is_integer() and float(self.minimum).is_integer()

    def selector(self) -> FormNumberSelector:
        """Return the form field of this setting: a number box showing the range."""
        config = NumberSelectorConfig(
            min=self.minimum, max=self.maximum, step=self.step, mode=NumberSelectorMode.BOX
        )
        if self.unit:
            config["unit_of_measurement"] = self.unit
        return FormNumberSelector(self, config)

    def error(self, value: Any) -> str | None:
        """Return the form error key of value, or None if it is valid."""
        try:
            self.parse(value)
        except _NotANumberError:
            return ERROR_NOT_A_NUMBER
        except ValueError:
            return ERROR_OUT_OF_RANGE
        return None

    def parse(self, value: Any) -> float:
        """Return value as a number of this range; raise ValueError if it is not one.

        Whole-number settings come back as int (typed as float, which int satisfies).
        """
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _NotANumberError
        try:
            number = float(value)
        except ValueError:
            raise _NotANumberError from None
        if not math.isfinite(number):
            raise _NotANumberError
        if not self.minimum <= number <= self.maximum:
            raise ValueError("out of range")
        if self.whole:
            if not number.is_integer():
                raise _NotANumberError
            return int(number)
        return number

    def stored(self, data: Mapping[str, Any], key: str) -> float:
        """Return a stored setting, raising InvalidSettingError if it is missing or invalid."""
        try:
            return self.parse(data[key])
        except (KeyError, ValueError):
            raise InvalidSettingError(key) from None

    def stored_optional(self, data: Mapping[str, Any], key: str) -> float | None:
        """Return an optional stored setting (None when unset), else as stored does."""
        if data.get(key) in (None, ""):
            return None
        return self.stored(data, key)


class _NotANumberError(ValueError):
    """The value is no finite number (or no whole one where one is needed)."""


class FormNumberSelector(NumberSelector):
    """A number box that leaves checking the typed value to form_number_errors.

    It is drawn like Home Assistant's number selector (same type and configuration).
    """

    def __init__(self, valid: NumberRange, config: NumberSelectorConfig) -> None:
        """Draw the field of valid with config."""
        super().__init__(config)
        self.valid = valid

    def __call__(self, data: Any) -> Any:
        """Take the value as typed; the step that reads the form checks it."""
        return data


def form_number_errors(
    schema: vol.Schema, user_input: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check every number field of a form; return the input with numbers parsed, and the errors.

    A field left empty is for the form's own checks (optional channels may be empty).
    """
    cleaned = dict(user_input)
    errors: dict[str, str] = {}
    for marker, field in schema.schema.items():
        key = str(marker)
        if not isinstance(field, FormNumberSelector) or cleaned.get(key) in (None, ""):
            continue
        if error := field.valid.error(cleaned[key]):
            errors[key] = error
        else:
            cleaned[key] = field.valid.parse(cleaned[key])
    return cleaned, errors
