"""What a terminal's screenings make of its access events: daily counts, event attributes, the figures they change."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

from .const import ATTR_TEMPERATURE
from .devices.isapi.events import AccessEvent, Screening, is_fever


class TerminalFigure(StrEnum):
    """What a terminal's entities show that changes without its link changing.

    Each figure has its own listeners, so an access event reaches only the entities whose
    figure it changed; a change of the link reaches every entity of the terminal.
    """

    PASSES = "passes"
    FEVER = "fever"
    NO_MASK = "no_mask"
    FEVER_ALERT = "fever_alert"
    NO_MASK_ALERT = "no_mask_alert"
    MALFORMED_PARTS = "malformed_parts"


ALERT_FIGURES: Final = {
    Screening.FEVER_DETECTED: TerminalFigure.FEVER_ALERT,
    Screening.NO_MASK: TerminalFigure.NO_MASK_ALERT,
}
"""The figure of the alert each kind of screening raises."""
COUNT_FIGURES: Final = (TerminalFigure.PASSES, TerminalFigure.FEVER, TerminalFigure.NO_MASK)


@dataclass(slots=True)
class DailyCounts:
    """Today's screenings at one terminal."""

    day: str
    passes: int = 0
    fever: int = 0
    no_mask: int = 0

    def count(self, event: AccessEvent, fever_threshold: float) -> list[TerminalFigure]:
        """Count a screening in; return the figures it changes, its alerts' among them."""
        changed = []
        if event.granted:
            self.passes += 1
            changed.append(TerminalFigure.PASSES)
        if is_fever(event, fever_threshold):
            self.fever += 1
            changed += (TerminalFigure.FEVER, TerminalFigure.FEVER_ALERT)
        if event.mask is False:
            self.no_mask += 1
            changed += (TerminalFigure.NO_MASK, TerminalFigure.NO_MASK_ALERT)
        return changed


def stored_count(stored: dict[str, Any], key: str) -> int | None:
    """Return a count or serial number the terminal saved, None if it is none (changed by hand)."""
    value = stored.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


class AccessEventSink(Protocol):
    """Where a terminal shows its access events: its event entity."""

    async def async_ready_for_next(self) -> None:
        """Return once an event shown now is a state change of its own."""

    def show(self, event_type: str, attributes: dict[str, Any]) -> None:
        """Show one access event."""


def event_attributes(
    event: AccessEvent, *, backfilled: bool, with_identity: bool
) -> dict[str, Any]:
    """Return what an access event shows; the person's name and number only with_identity."""
    attributes: dict[str, Any] = {
        "serial_no": event.serial_no,
        "verify_mode": event.verify_mode,
        ATTR_TEMPERATURE: event.temperature_c,
        "mask": event.mask,
        "door": event.door_no,
        "terminal_time": event.time.isoformat() if event.time else None,
        "backfilled": backfilled,
    }
    if with_identity:
        attributes |= {"name_of_person": event.name, "employee_no": event.employee_no}
    return attributes
