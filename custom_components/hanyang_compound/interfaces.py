"""What the compound expects of its devices: the protocols a device kind implements, and its factory."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from homeassistant.core import CALLBACK_TYPE

from .assessment import Figure, Indicator
from .modes import CompoundMode, EntranceAction

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant


class DeviceOwner(Protocol):
    """What a compound's devices are started by: its Home Assistant, config entry and name."""

    hass: HomeAssistant
    entry: ConfigEntry[Any]

    @property
    def name(self) -> str:
        """The compound's name as the user gave it."""


@runtime_checkable
class SwitchedOutput(Protocol):
    """A shed's light or sockets circuit: one relay that the compound switches."""

    @property
    def is_socket(self) -> bool:
        """Whether the circuit feeds charging sockets (cut with the shed power), not lights."""

    @property
    def title(self) -> str:
        """The output's name as the user gave it."""

    async def async_switch(self, *, on: bool) -> None:
        """Switch the relay; raise HomeAssistantError (translated) if the module does not take it."""


class CompoundDevice(Protocol):
    """A device of the compound, built from one config subentry."""

    async def async_start(self) -> None:
        """Start talking to the hardware; an unreachable device retries by itself, never raises."""

    async def async_stop(self) -> None:
        """Stop talking to the hardware and release its connections."""


@runtime_checkable
class DeviceWithDiagnostics(Protocol):
    """A device that tells support how its link is doing (never credentials or identities)."""

    def diagnostics(self) -> dict[str, Any]:
        """Return the device's link state and counters as JSON-compatible data."""


@runtime_checkable
class DeviceWithAvailability(Protocol):
    """A device that tells whether its hardware is reachable now, and when that may have changed."""

    @property
    def available(self) -> bool:
        """Whether the device's hardware answers (or is heard from) now."""

    def async_add_availability_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener whenever the availability may have changed; returns the function that stops it."""


@runtime_checkable
class Entrance(Protocol):
    """A gate or a terminal's door: something the mode's policy opens, shuts or holds open."""

    @property
    def entrance_name(self) -> str:
        """The entrance's name as users say it, e.g. North gate."""

    @property
    def kept_open_in_lockdown(self) -> bool:
        """Whether this entrance stays in normal use during a lockdown."""

    async def async_perform(self, action: EntranceAction, *, override: bool = False) -> None:
        """Move the hardware as the compound allowed; raise HomeAssistantError (translated) if it cannot.

        override tells that an administrator overrode the lockdown for this one opening.
        """


class PolicyTarget(Protocol):
    """A device kind that enforces the compound's mode on its hardware."""

    @property
    def policy_target_name(self) -> str:
        """Name used when a policy cannot be applied."""

    async def async_apply_mode(self, mode: CompoundMode) -> None:
        """Bring the hardware in line with the mode's policy."""


class AssessmentSource(Protocol):
    """What the compound's assessment sensors read: today's indicators, and when they change."""

    @property
    def standards(self) -> dict[Indicator, float]:
        """The compound's standards now: its tier's, tightened by its options."""

    def today(self) -> list[Figure]:
        """Return today's indicators so far against the standards in force."""

    def figure(self, indicator: Indicator) -> Figure:
        """Return one of today's indicators so far against its standard in force."""

    def days(self) -> Mapping[str, Mapping[str, Any]]:
        """Return the daily aggregates by local day (YYYY-MM-DD)."""

    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener whenever an indicator may have changed; returns the function that stops it."""
