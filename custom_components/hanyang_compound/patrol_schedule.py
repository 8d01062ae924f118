"""Patrol schedules, free of Home Assistant: when a route's rounds start, in each compound mode."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
import re

from .modes import CompoundMode

MAX_INTERVAL = timedelta(hours=24)


class ScheduleError(ValueError):
    """A schedule text that cannot be read."""


_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


_EVERY = re.compile(r"^every\s*(\d+)\s*(h|min)$")


# Commas and semicolons, also the full-width ones and the enumeration comma of Chinese input.
_SEPARATORS = re.compile(r"[,;\s\uff0c\uff1b\u3001]+")


@dataclass(frozen=True, slots=True)
class Schedule:
    """The local wall-clock times at which a round starts, every day."""

    times: tuple[time, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Schedule:
        """Read "21:00, 01:00", "every 4 h", "every 30 min" or nothing (no rounds)."""
        text = text.strip().casefold()
        if not text:
            return cls()
        if every := _EVERY.match(text):
            amount = int(every.group(1))
            step = timedelta(hours=amount) if every.group(2) == "h" else timedelta(minutes=amount)
            if not timedelta(minutes=1) <= step <= MAX_INTERVAL:
                raise ScheduleError(text)
            minutes = range(0, 24 * 60, int(step.total_seconds()) // 60)
            return cls(tuple(time(minute // 60, minute % 60) for minute in minutes))
        times: set[time] = set()
        for part in _SEPARATORS.split(text):
            if not (match := _TIME.match(part)):
                raise ScheduleError(part)
            times.add(time(int(match.group(1)), int(match.group(2))))
        return cls(tuple(sorted(times)))

    def __str__(self) -> str:
        """Return the schedule as a list of times, e.g. 01:00, 21:00."""
        return ", ".join(slot.strftime("%H:%M") for slot in self.times)

    def next_slot(self, after: datetime, zone: tzinfo) -> datetime | None:
        """Return the first slot strictly after an instant, in UTC, or None without times.

        Times are wall-clock times of the zone: on a day when clocks go forward, a time in the
        gap happens at the same instant as the hour after; on a day when they go back, a
        repeated time happens once, the first time.
        """
        if not self.times:
            return None
        after = after.astimezone(UTC)
        today = after.astimezone(zone).date()
        candidates = (
            datetime.combine(today + timedelta(days=offset), slot, tzinfo=zone).astimezone(UTC)
            for offset in (-1, 0, 1, 2)
            for slot in self.times
        )
        return min(candidate for candidate in candidates if candidate > after)


DEFAULT_SCHEDULES: Mapping[CompoundMode, str] = {
    CompoundMode.NORMAL: "21:00, 01:00",
    CompoundMode.CONTROLLED: "every 4 h",
    CompoundMode.LOCKDOWN: "every 2 h",
    CompoundMode.EVACUATION: "",
}


DEFAULT_GRACE = timedelta(minutes=15)


DEFAULT_DURATION = timedelta(minutes=45)


@dataclass(frozen=True, slots=True)
class RouteConfig:
    """A route as configured: checkpoints, whether their order matters, schedules and times."""

    checkpoints: tuple[str, ...]
    ordered: bool
    schedules: Mapping[CompoundMode, Schedule]
    grace: timedelta = DEFAULT_GRACE
    duration: timedelta = DEFAULT_DURATION
    zone: tzinfo = UTC
