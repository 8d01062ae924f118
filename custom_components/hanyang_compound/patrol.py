"""Patrol rounds, free of Home Assistant: which round is due, in progress, overdue or missed.

A route has checkpoints and, per compound mode, a schedule of local wall-clock times. Each
scheduled time (a *slot*) opens a round: it is due at its slot, overdue once the grace has passed
without a start, and missed when it was not completed in time. A round may be started (by the
first scan or a "start round" command) up to the grace before its slot; a "start round" command
with no round that near starts an extra round, outside the schedule. Once started it has the
route's duration to visit every checkpoint (in route order, for an ordered route).

Rules at the edges, in the order they apply at one instant:
- deadlines first (overdue, missed), then a new slot, then the scans and commands of that instant;
- a slot arriving while a round is due or overdue but not started supersedes it (it is missed);
- a slot arriving while a round is in progress is absorbed by it (the patrol is already out);
- a mode change takes effect after the instant it happens: later slots follow the new schedule,
  an open round keeps its own times;
- after Home Assistant was down, the slots that passed meanwhile make one round, reported once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .modes import CompoundMode
from .patrol_rounds import (
    OpenRound,
    PastRound,
    PatrolCommandError,
    PatrolEvent,
    PatrolEventType,
    RoundResult,
    RouteStatus,
)
from .patrol_schedule import RouteConfig, Schedule

HISTORY_KEPT = timedelta(days=8)
"""How long finished rounds are remembered (for the calendar and the daily counts)."""


@dataclass(slots=True)
class PatrolRoute:
    """One route's rounds: feed it time, mode changes, scans and commands; it says what happened.

    Every method takes the current instant and first brings the route up to it, so a caller
    only needs to call advance at next_transition (and may call it more often).
    """

    config: RouteConfig
    mode: CompoundMode
    checked_until: datetime
    last_slot: datetime | None = None
    open_round: OpenRound | None = None
    history: tuple[PastRound, ...] = ()
    skipped_slots: tuple[datetime, ...] = ()
    _events: list[PatrolEvent] = field(default_factory=list)

    # What the route shows

    @property
    def status(self) -> RouteStatus:
        """The state of the current round, or how the last one ended."""
        if (current := self.open_round) is not None:
            if current.started_at is not None:
                return RouteStatus.IN_PROGRESS
            return RouteStatus.OVERDUE if current.overdue else RouteStatus.DUE
        if self.history and self.history[-1].result is not RoundResult.SKIPPED:
            return RouteStatus(str(self.history[-1].result))
        return RouteStatus.IDLE

    @property
    def remaining(self) -> tuple[str, ...]:
        """Checkpoints the current round has still to visit, in route order."""
        visited = self.open_round.visited if self.open_round else ()
        return tuple(point for point in self.config.checkpoints if point not in visited)

    @property
    def next_round(self) -> datetime | None:
        """When the next round after any open one is due (skipped rounds left out)."""
        return self._next_slot(self._slot_cursor, include_skipped=False)

    @property
    def next_transition(self) -> datetime | None:
        """The next instant at which the route changes by itself, for a timer."""
        instants = [self._deadline()[0] if self.open_round else None]
        instants.append(self._next_slot(self._slot_cursor, include_skipped=True))
        return min((instant for instant in instants if instant is not None), default=None)

    def upcoming(self, start: datetime, end: datetime) -> list[datetime]:
        """Return the rounds of the current schedule due in [start, end), skipped ones left out."""
        slots: list[datetime] = []
        cursor = max(start - timedelta(microseconds=1), self._slot_cursor)
        while (slot := self._next_slot(cursor, include_skipped=False)) and slot < end:
            slots.append(slot)
            cursor = slot
        return slots

    def count_today(self, result: RoundResult, now: datetime) -> int:
        """How many rounds ended with result on the zone's current day."""
        today = self._local_date(now)
        return sum(
            1
            for past in self.history
            if past.result is result and self._local_date(past.finished_at) == today
        )

    # What the route is told

    def advance(self, now: datetime) -> list[PatrolEvent]:
        """Bring the route up to now: open, supersede, mark overdue and miss rounds on time."""
        self._advance(now)
        return self._take_events()

    def resume(self, now: datetime) -> list[PatrolEvent]:
        """Catch up after Home Assistant was down: one round for all slots that passed, reported once.

        The slots that passed become one round (the latest), and each round reports only
        where it ended up, not every step it would have taken while nobody was watching.
        """
        slots: list[datetime] = []
        cursor = self._slot_cursor
        while (slot := self._next_slot(cursor, include_skipped=True)) and slot <= now:
            slots.append(slot)
            cursor = slot
        if len(slots) > 1:
            self.last_slot = slots[-2]
            self.skipped_slots = tuple(s for s in self.skipped_slots if s > slots[-2])
        self._advance(now)
        last_by_round = {event.round: event for event in self._take_events()}
        return sorted(last_by_round.values(), key=lambda event: event.at)

    def set_mode(self, mode: CompoundMode, now: datetime) -> list[PatrolEvent]:
        """Follow a mode change: slots after now come from the new mode's schedule."""
        self._advance(now)
        self.mode = mode
        return self._take_events()

    def scan(self, checkpoint: str, now: datetime) -> list[PatrolEvent]:
        """Record a scan of a checkpoint; it starts a due (or nearly due) round."""
        self._advance(now)
        if checkpoint in self.config.checkpoints and self._start(now):
            self._visit(checkpoint, now)
        return self._take_events()

    def start(self, now: datetime) -> list[PatrolEvent]:
        """Start the due round, the next one if it is due within the grace, or else an extra one."""
        self._advance(now)
        if self.open_round is not None and self.open_round.started_at is not None:
            raise PatrolCommandError("round_already_started")
        if not self._start(now):
            # Nothing is due: an extra round outside the schedule (after an incident, say).
            self.open_round = OpenRound(slot=now, started_at=now)
            self._emit(PatrolEventType.STARTED, now, now)
        return self._take_events()

    def skip(self, now: datetime, reason: str) -> list[PatrolEvent]:
        """Skip the open round, or else the next one, for a reason."""
        self._advance(now)
        if self.open_round is not None:
            self._finish(RoundResult.SKIPPED, now, reason=reason)
            return self._take_events()
        slot = self._next_slot(max(now, self._slot_cursor), include_skipped=False)
        if slot is None:
            raise PatrolCommandError("no_round_to_skip")
        self.skipped_slots = (*self.skipped_slots, slot)
        self._emit(PatrolEventType.SKIPPED, slot, now, reason=reason)
        return self._take_events()

    # How it works

    @property
    def _slot_cursor(self) -> datetime:
        # Slots up to here have been dealt with: opened, absorbed or skipped.
        if self.last_slot is None:
            return self.checked_until
        return max(self.checked_until, self.last_slot)

    def _next_slot(self, after: datetime, *, include_skipped: bool) -> datetime | None:
        schedule = self.config.schedules.get(self.mode, Schedule())
        slot = schedule.next_slot(after, self.config.zone)
        while slot is not None and not include_skipped and slot in self.skipped_slots:
            slot = schedule.next_slot(slot, self.config.zone)
        return slot

    def _deadline(self) -> tuple[datetime, PatrolEventType]:
        current = self.open_round
        assert current is not None  # noqa: S101 - callers check
        if current.started_at is not None:
            return current.started_at + self.config.duration, PatrolEventType.MISSED
        if not current.overdue:
            return current.slot + self.config.grace, PatrolEventType.OVERDUE
        return (
            current.slot + self.config.grace + self.config.duration,
            PatrolEventType.MISSED,
        )

    def _advance(self, now: datetime) -> None:
        cursor = self._slot_cursor
        while True:
            deadline = self._deadline() if self.open_round else None
            slot = self._next_slot(cursor, include_skipped=True)
            if deadline and deadline[0] <= now and (slot is None or deadline[0] <= slot):
                self._pass_deadline(*deadline)
            elif slot is not None and slot <= now:
                self._open_slot(slot)
                cursor = slot
            else:
                break
        self.checked_until = max(self.checked_until, now)
        self.skipped_slots = tuple(s for s in self.skipped_slots if s > self._slot_cursor)
        self.history = tuple(past for past in self.history if past.finished_at > now - HISTORY_KEPT)

    def _pass_deadline(self, at: datetime, kind: PatrolEventType) -> None:
        if kind is PatrolEventType.OVERDUE:
            assert self.open_round is not None  # noqa: S101 - only called for an open round
            self.open_round = replace(self.open_round, overdue=True)
            self._emit(kind, self.open_round.slot, at)
        else:
            self._finish(RoundResult.MISSED, at)

    def _open_slot(self, slot: datetime) -> None:
        self.last_slot = slot
        if slot in self.skipped_slots:
            self.history = (*self.history, PastRound(slot, RoundResult.SKIPPED, slot))
            return
        if self.open_round is not None:
            if self.open_round.started_at is not None:
                return  # absorbed by the round in progress
            self._finish(RoundResult.MISSED, slot)
        self.open_round = OpenRound(slot=slot)
        self._emit(PatrolEventType.DUE, slot, slot)

    def _start(self, now: datetime) -> bool:
        """Make sure a round is in progress; return False if none can be."""
        if self.open_round is None:
            slot = self._next_slot(max(now, self._slot_cursor), include_skipped=False)
            if slot is None or slot - now > self.config.grace:
                return False
            self.last_slot = slot
            self.open_round = OpenRound(slot=slot)
        if self.open_round.started_at is None:
            self.open_round = replace(self.open_round, started_at=now)
            self._emit(PatrolEventType.STARTED, self.open_round.slot, now)
        return True

    def _visit(self, checkpoint: str, now: datetime) -> None:
        current = self.open_round
        assert current is not None  # noqa: S101 - _start opened it
        if checkpoint in current.visited:
            return
        remaining = self.remaining
        if self.config.ordered and checkpoint != remaining[0]:
            self.open_round = replace(current, out_of_order=(*current.out_of_order, checkpoint))
            self._emit(PatrolEventType.CHECKPOINT, current.slot, now, checkpoint, out_of_order=True)
            return
        self.open_round = replace(current, visited=(*current.visited, checkpoint))
        self._emit(PatrolEventType.CHECKPOINT, current.slot, now, checkpoint)
        if len(remaining) == 1:
            self._finish(RoundResult.COMPLETED, now)

    def _finish(self, result: RoundResult, at: datetime, reason: str | None = None) -> None:
        current = self.open_round
        assert current is not None  # noqa: S101 - only an open round finishes
        self.open_round = None
        self.history = (
            *self.history,
            PastRound(current.slot, result, at, started_at=current.started_at, reason=reason),
        )
        self._emit(PatrolEventType(str(result)), current.slot, at, reason=reason)

    def _emit(
        self,
        kind: PatrolEventType,
        round_slot: datetime,
        at: datetime,
        checkpoint: str | None = None,
        *,
        out_of_order: bool = False,
        reason: str | None = None,
    ) -> None:
        self._events.append(
            PatrolEvent(kind, round_slot, at, checkpoint, out_of_order=out_of_order, reason=reason)
        )

    def _take_events(self) -> list[PatrolEvent]:
        events, self._events = self._events, []
        return events

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.config.zone).date()

    # Persistence

    def as_stored(self) -> dict[str, Any]:
        """Return the route's state (not its configuration) as JSON-compatible data."""
        current = self.open_round
        return {
            "checked_until": self.checked_until.isoformat(),
            "last_slot": _iso(self.last_slot),
            "open_round": None
            if current is None
            else {
                "slot": current.slot.isoformat(),
                "started_at": _iso(current.started_at),
                "visited": list(current.visited),
                "out_of_order": list(current.out_of_order),
                "overdue": current.overdue,
            },
            "history": [
                {
                    "slot": past.slot.isoformat(),
                    "result": str(past.result),
                    "finished_at": past.finished_at.isoformat(),
                    "started_at": _iso(past.started_at),
                    "reason": past.reason,
                }
                for past in self.history
            ],
            "skipped_slots": [slot.isoformat() for slot in self.skipped_slots],
        }

    @classmethod
    def from_stored(
        cls,
        config: RouteConfig,
        mode: CompoundMode,
        stored: Mapping[str, Any] | None,
        now: datetime,
    ) -> PatrolRoute:
        """Rebuild a route from stored state; a fresh route (or unreadable state) starts now."""
        try:
            return cls._from_stored(config, mode, stored or {})
        except (KeyError, TypeError, ValueError):
            return cls(config, mode, checked_until=now)

    @classmethod
    def _from_stored(
        cls, config: RouteConfig, mode: CompoundMode, stored: Mapping[str, Any]
    ) -> PatrolRoute:
        current = stored.get("open_round")
        checkpoints = set(config.checkpoints)
        return cls(
            config,
            mode,
            checked_until=_parse(stored["checked_until"]),
            last_slot=_parse_optional(stored.get("last_slot")),
            open_round=None
            if current is None
            else OpenRound(
                slot=_parse(current["slot"]),
                started_at=_parse_optional(current.get("started_at")),
                # A checkpoint removed from the route since no longer counts.
                visited=tuple(p for p in current.get("visited", ()) if p in checkpoints),
                out_of_order=tuple(current.get("out_of_order", ())),
                overdue=bool(current.get("overdue", False)),
            ),
            history=tuple(
                PastRound(
                    slot=_parse(past["slot"]),
                    result=RoundResult(past["result"]),
                    finished_at=_parse(past["finished_at"]),
                    started_at=_parse_optional(past.get("started_at")),
                    reason=past.get("reason"),
                )
                for past in stored.get("history", ())
            ),
            skipped_slots=tuple(_parse(slot) for slot in stored.get("skipped_slots", ())),
        )


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _parse_optional(text: str | None) -> datetime | None:
    return _parse(text) if text else None
