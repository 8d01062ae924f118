"""The assessment's daily aggregates: what each event adds to its day, free of Home Assistant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any, Final

from .assessment import Indicator, MissKind

DETAILS_PER_DAY: Final = 50
"""Why a day missed is kept for this many cases; the counts stay exact beyond."""
KEPT_DAYS: Final = 400
"""Daily aggregates older than this are forgotten: a year's reports, and the month before."""
MINUTE: Final = 60
INCIDENT_MISSES: Final = {
    Indicator.MANHOLE_RESOLUTION: MissKind.MANHOLE_SLOW,
    Indicator.SHED_OVERHEAT: MissKind.SHED_SLOW,
}
"""The incidents a device raises and resolves itself, and how a slow one is listed."""


class AssessmentBook:
    """One compound's daily aggregates and the alerts and incidents still open.

    Everything is attributed to the local day it began on: a round to its slot's day, an alert
    to the day it was raised, an outage's minutes to the days they fell on.
    """

    def __init__(
        self,
        zone: tzinfo,
        standards: Mapping[Indicator, float],
        stored: Mapping[str, Any] | None = None,
    ) -> None:
        """Restore the book from its stored form (None: a new compound)."""
        stored = stored or {}
        self.zone = zone
        self.standards = dict(standards)
        self.days: dict[str, dict[str, Any]] = {
            key: dict(value) for key, value in stored.get("days", {}).items()
        }
        self.last_seen = _parse(stored.get("last_seen"))
        self._open_alerts: list[tuple[str, datetime]] = [
            (entrance, _at(at)) for entrance, at in stored.get("open_alerts", [])
        ]
        self._late_rounds: set[str] = set(stored.get("late_rounds", []))
        self._incidents: dict[str, dict[str, datetime]] = {
            indicator: {subject: _at(at) for subject, at in open_.items()}
            for indicator, open_ in stored.get("incidents", {}).items()
        }
        self._gaps: list[tuple[datetime, datetime]] = [
            (_at(start), _at(end)) for start, end in stored.get("gaps", [])
        ]
        self._entrances: dict[str, bool] = {}
        self._outages: dict[str, datetime] = {}
        self._checkpoint: datetime | None = None

    # Days

    def day_key(self, when: datetime) -> str:
        """Return the local day of an instant, as YYYY-MM-DD."""
        return when.astimezone(self.zone).date().isoformat()

    def day(self, when: datetime, today: bool = False) -> dict[str, Any]:  # noqa: FBT001, FBT002
        """Return the aggregates of an instant's day; today's record the standards now in force."""
        record = self.days.setdefault(self.day_key(when), {})
        if today or "standards" not in record:
            record["standards"] = {str(key): value for key, value in self.standards.items()}
        return record

    def _add(self, when: datetime, key: str, amount: float = 1) -> dict[str, Any]:
        record = self.day(when)
        record[key] = record.get(key, 0) + amount
        return record

    def _detail(self, when: datetime, kind: MissKind, subject: str, minutes: float = 0) -> None:
        details: list[list[Any]] = self.day(when).setdefault("details", [])
        if len(details) < DETAILS_PER_DAY:
            local = when.astimezone(self.zone).strftime("%H:%M")
            details.append([str(kind), subject, local, round(minutes)])

    # Home Assistant's own uptime

    def resume(self, now: datetime, gap_after: timedelta) -> None:
        """Start recording again; a silence longer than gap_after since last seen was downtime."""
        if self.last_seen is not None and now - self.last_seen > gap_after:
            self._gaps = [gap for gap in self._gaps if now - gap[1] < timedelta(days=2)]
            self._gaps.append((self.last_seen, now))
            for start, end in _split_days(self.last_seen, now, self.zone):
                self._add(start, "ha_down_seconds", (end - start).total_seconds())
        self.last_seen = now
        self._checkpoint = now

    def heartbeat(self, now: datetime) -> None:
        """Account the time up to now: entrance availability, and that Home Assistant ran."""
        self.advance(now)
        self.last_seen = now
        cutoff = (now - timedelta(days=KEPT_DAYS)).astimezone(self.zone).date().isoformat()
        for key in [key for key in self.days if key < cutoff]:
            del self.days[key]
        self.day(now, today=True)

    def _during_gap(self, when: datetime) -> bool:
        return any(start <= when <= end for start, end in self._gaps)

    # Entrances

    def advance(self, now: datetime) -> None:
        """Add the time since the last account to each day's entrance time and downtime."""
        if self._checkpoint is None or now <= self._checkpoint:
            self._checkpoint = now if self._checkpoint is None else self._checkpoint
            return
        down = sum(1 for available in self._entrances.values() if not available)
        for start, end in _split_days(self._checkpoint, now, self.zone):
            seconds = (end - start).total_seconds()
            record = self._add(start, "entrance_seconds", seconds * len(self._entrances))
            record["entrance_down_seconds"] = (
                record.get("entrance_down_seconds", 0) + seconds * down
            )
        self._checkpoint = now

    def entrance(self, subject: str, now: datetime, *, available: bool) -> bool:
        """Record an entrance's availability now; return whether it is new or changed."""
        self.advance(now)
        if self._entrances.get(subject) is available:
            return False
        self._entrances[subject] = available
        if not available:
            self._outages.setdefault(subject, now)
        elif (since := self._outages.pop(subject, None)) is not None:
            self._end_outage(subject, since, now)
        return True

    def forget_entrance(self, subject: str, now: datetime) -> None:
        """Stop counting an entrance (removed, or Home Assistant stops)."""
        self.advance(now)
        self._entrances.pop(subject, None)
        if (since := self._outages.pop(subject, None)) is not None:
            self._end_outage(subject, since, now)

    def _end_outage(self, subject: str, since: datetime, until: datetime) -> None:
        if (minutes := (until - since).total_seconds() / MINUTE) >= 1:
            self._detail(since, MissKind.OUTAGE, subject, minutes)

    # Patrol rounds

    def patrol(self, event_type: str, route_id: str, route: str, slot: datetime) -> None:
        """Record a patrol event of a round (its slot) of a route."""
        key = f"{route_id}|{slot.isoformat()}"
        if event_type == "overdue":
            self._late_rounds.add(key)
        elif event_type == "started":
            self._add(slot, "rounds_started")
            if key in self._late_rounds:
                self._late_rounds.discard(key)
                self._detail(slot, MissKind.ROUND_LATE, route)
            else:
                self._add(slot, "rounds_on_time")
        elif event_type == "completed":
            self._add(slot, "rounds_completed")
        elif event_type == "missed":
            self._late_rounds.discard(key)
            # Rounds whose time fell while Home Assistant was down could not be recorded.
            if not self._during_gap(slot):
                self._add(slot, "rounds_missed")
                self._detail(slot, MissKind.ROUND_MISSED, route)
        elif event_type == "skipped":
            self._late_rounds.discard(key)

    # Screening alerts

    def alert(self, entrance: str, at: datetime) -> None:
        """Record a screening alert raised at an entrance."""
        self._add(at, f"{Indicator.ALERT_ACKNOWLEDGEMENT}_count")
        self._add(at, f"{Indicator.ALERT_ACKNOWLEDGEMENT}_open")
        self._open_alerts.append((entrance, at))

    def acknowledged(self, entrance: str, at: datetime) -> bool:
        """Record that the oldest open alert of an entrance was acknowledged; False if none was open."""
        for index, (alerted_at_entrance, raised) in enumerate(self._open_alerts):
            if alerted_at_entrance == entrance:
                del self._open_alerts[index]
                self._handled(Indicator.ALERT_ACKNOWLEDGEMENT, raised, at)
                if (at - raised).total_seconds() / MINUTE > self._standard(
                    Indicator.ALERT_ACKNOWLEDGEMENT, raised
                ):
                    self._detail(
                        raised,
                        MissKind.ALERT_LATE,
                        entrance,
                        (at - raised).total_seconds() / MINUTE,
                    )
                return True
        return False

    # Manholes and sheds

    def incident(self, indicator: Indicator, subject: str, at: datetime, *, active: bool) -> bool:
        """Record whether a device's incident (a manhole needing attention, a hot shed) is on now.

        Returns whether the incident began or ended.
        """
        open_ = self._incidents.setdefault(str(indicator), {})
        if active and subject not in open_:
            open_[subject] = at
            self._add(at, f"{indicator}_count")
            self._add(at, f"{indicator}_open")
            return True
        if not active and (since := open_.pop(subject, None)) is not None:
            self._handled(indicator, since, at)
            minutes = (at - since).total_seconds() / MINUTE
            if minutes > self._standard(indicator, since):
                self._detail(since, INCIDENT_MISSES[indicator], subject, minutes)
            return True
        return False

    def _handled(self, indicator: Indicator, since: datetime, at: datetime) -> None:
        record = self._add(since, f"{indicator}_open", -1)
        slowest = f"{indicator}_slowest"
        record[slowest] = max(record.get(slowest, 0), (at - since).total_seconds())

    def _standard(self, indicator: Indicator, when: datetime) -> float:
        return float(self.day(when)["standards"].get(str(indicator), self.standards[indicator]))

    def as_stored(self) -> dict[str, Any]:
        """Return the book as the store keeps it."""
        return {
            "days": self.days,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "open_alerts": [[entrance, at.isoformat()] for entrance, at in self._open_alerts],
            "late_rounds": sorted(self._late_rounds),
            "incidents": {
                indicator: {subject: at.isoformat() for subject, at in open_.items()}
                for indicator, open_ in self._incidents.items()
            },
            "gaps": [[start.isoformat(), end.isoformat()] for start, end in self._gaps],
        }


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _parse(value: Any) -> datetime | None:
    return _at(value) if isinstance(value, str) else None


def _split_days(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """Return [start, end) cut at every local midnight in between."""
    pieces = []
    while start < end:
        local = start.astimezone(zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
        cut = min(end, midnight)
        pieces.append((start, cut))
        start = cut
    return pieces
