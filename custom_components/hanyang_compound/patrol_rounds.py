"""Patrol rounds as records, free of Home Assistant: a route's status, its open and past rounds, events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RouteStatus(StrEnum):
    """What a route is waiting for."""

    IDLE = "idle"
    DUE = "due"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    MISSED = "missed"
    COMPLETED = "completed"


class RoundResult(StrEnum):
    """How a round ended."""

    COMPLETED = "completed"
    MISSED = "missed"
    SKIPPED = "skipped"


class PatrolEventType(StrEnum):
    """Something that happened to a round, announced to automations and the logbook."""

    DUE = "due"
    STARTED = "started"
    CHECKPOINT = "checkpoint"
    COMPLETED = "completed"
    OVERDUE = "overdue"
    MISSED = "missed"
    SKIPPED = "skipped"


class PatrolCommandError(Exception):
    """A command that does not fit the route's state; the key names the reason."""

    def __init__(self, key: str) -> None:
        """Initialise the error with the reason's key (round_already_started, …)."""
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class OpenRound:
    """The round currently due, overdue or in progress."""

    slot: datetime
    started_at: datetime | None = None
    visited: tuple[str, ...] = ()
    out_of_order: tuple[str, ...] = ()
    overdue: bool = False


@dataclass(frozen=True, slots=True)
class PastRound:
    """A round that has ended."""

    slot: datetime
    result: RoundResult
    finished_at: datetime
    started_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class PatrolEvent:
    """A change of a round, at the instant it happened."""

    type: PatrolEventType
    round: datetime
    at: datetime
    checkpoint: str | None = None
    out_of_order: bool = False
    reason: str | None = None
