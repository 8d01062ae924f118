"""The compound's mode as it is stored, and the plain, serialisable summary shown to other systems."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from homeassistant.util import dt as dt_util

from .const import LOGGER
from .modes import CompoundMode


@dataclass(frozen=True, slots=True)
class CompoundSummary:
    """A plain, serialisable snapshot of a compound, for diagnostics and links to other systems."""

    name: str
    zone: str
    service_tier: str
    mode: CompoundMode
    mode_changed_at: datetime | None
    mode_reason: str | None
    policy_targets: int

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as JSON-compatible data."""
        data = asdict(self)
        data["mode"] = str(self.mode)
        data["mode_changed_at"] = self.mode_changed_at.isoformat() if self.mode_changed_at else None
        return data


@dataclass(slots=True)
class ModeRecord:
    """The persisted mode and what caused it."""

    mode: CompoundMode = CompoundMode.NORMAL
    changed_at: datetime | None = None
    reason: str | None = None
    directive: str | None = None
    """The id of the district directive that set the mode; None when the compound set it itself."""

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None) -> ModeRecord:
        """Rebuild the record from storage, falling back to normal on anything unreadable."""
        if not stored:
            return cls()
        try:
            mode = CompoundMode(stored["mode"])
        except (KeyError, ValueError):
            LOGGER.warning("Stored compound mode %r is unknown; starting in normal mode", stored)
            return cls()
        changed_at = dt_util.parse_datetime(stored.get("changed_at") or "")
        directive = stored.get("directive")
        return cls(
            mode=mode,
            changed_at=changed_at,
            reason=stored.get("reason"),
            directive=directive if isinstance(directive, str) else None,
        )

    def as_stored(self) -> dict[str, Any]:
        """Return the record as storable data."""
        return {
            "mode": str(self.mode),
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "reason": self.reason,
            "directive": self.directive,
        }
