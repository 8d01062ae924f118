"""The barrier gate's state machine: limit inputs and commands in, relay pulses out; pure and clocked by the caller.

closed -> opening -> open -> closing -> closed, with stopped in between and fault when the arm
does not reach its limit within the travel timeout (a jam) or both limits report at once (wiring).
A close is never pulsed while a vehicle stands on the loop: it waits until the loop is clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BarrierState(StrEnum):
    """Where the arm is, as far as the limit inputs and the commands tell."""

    CLOSED = "closed"
    OPENING = "opening"
    OPEN = "open"
    CLOSING = "closing"
    STOPPED = "stopped"
    FAULT = "fault"


class BarrierCommand(StrEnum):
    """A push button of the barrier controller, wired to a pulse relay."""

    OPEN = "open"
    CLOSE = "close"
    STOP = "stop"


class BarrierFault(StrEnum):
    """Why a barrier is in fault."""

    TRAVEL_TIMEOUT = "travel_timeout"
    BOTH_LIMITS = "both_limits"


@dataclass(frozen=True, slots=True)
class BarrierInputs:
    """The barrier's inputs as read in one poll."""

    open_limit: bool
    closed_limit: bool
    vehicle_present: bool = False


_TARGET = {BarrierState.OPENING: BarrierState.OPEN, BarrierState.CLOSING: BarrierState.CLOSED}


class BarrierMachine:
    """Tracks one barrier from its inputs and decides which relays to pulse."""

    def __init__(self, *, travel_timeout: float, has_stop: bool) -> None:
        """Start with an unknown state, until the first inputs are observed."""
        if travel_timeout <= 0:
            raise ValueError("travel_timeout must be positive")
        self.travel_timeout = travel_timeout
        self.has_stop = has_stop
        self.state: BarrierState | None = None
        self.fault: BarrierFault | None = None
        self.vehicle_present = False
        self.close_pending = False
        """A close was asked for while a vehicle was on the loop; it is pulsed once the loop clears."""
        self.passes = 0
        """Vehicles that left the loop since the machine was created."""
        self._motion: BarrierState | None = None
        self._motion_started = 0.0
        self._jammed_at: tuple[bool, bool] | None = None
        """The limits read when the arm jammed: the fault holds until they change."""

    @property
    def moving(self) -> bool:
        """Whether the arm is expected to be travelling."""
        return self._motion is not None

    def command(self, command: BarrierCommand, now: float) -> list[BarrierCommand]:
        """Take a command; return the relays to pulse now (none when deferred or already there)."""
        if command is BarrierCommand.STOP:
            if not self.has_stop:
                raise ValueError("this barrier has no stop relay")
            self.close_pending = False
            self._motion = None
            if self.state in (BarrierState.OPENING, BarrierState.CLOSING):
                self.state = BarrierState.STOPPED
            return [BarrierCommand.STOP]
        if command is BarrierCommand.OPEN:
            self.close_pending = False
            if self.state is BarrierState.OPEN:
                return []
            self._start(BarrierState.OPENING, now)
            return [BarrierCommand.OPEN]
        self.close_pending = self.vehicle_present
        if self.close_pending or self.state is BarrierState.CLOSED:
            return []
        self._start(BarrierState.CLOSING, now)
        return [BarrierCommand.CLOSE]

    def cancel_pending_close(self) -> None:
        """Forget a close that waits for the loop to clear."""
        self.close_pending = False

    def command_failed(self) -> None:
        """Forget the travel a command started: its pulse may never have reached the controller.

        Until the next inputs tell where the arm is, its state is unknown; a travel that was
        never started must not time out into a jam.
        """
        self._motion = None
        if self.state is not BarrierState.FAULT:
            self.state = None

    def observe(self, inputs: BarrierInputs, now: float) -> list[BarrierCommand]:
        """Take a poll's inputs; return relays to pulse now (a close that waited for the loop)."""
        if self.vehicle_present and not inputs.vehicle_present:
            self.passes += 1
        self.vehicle_present = inputs.vehicle_present
        self._track(inputs, now)
        # A faulty barrier keeps its close waiting: pulsing would hide the fault it reports.
        if self.close_pending and not self.vehicle_present and self.state is not BarrierState.FAULT:
            self.close_pending = False
            return self.command(BarrierCommand.CLOSE, now)
        return []

    def _start(self, motion: BarrierState, now: float) -> None:
        self._motion = motion
        self._motion_started = now
        self.state = motion
        self.fault = None
        self._jammed_at = None

    def _track(self, inputs: BarrierInputs, now: float) -> None:
        if inputs.open_limit and inputs.closed_limit:
            self._motion = None
            self.state, self.fault = BarrierState.FAULT, BarrierFault.BOTH_LIMITS
        elif self._motion is not None:
            self._track_motion(self._motion, inputs, now)
        elif self._jammed_at == (inputs.open_limit, inputs.closed_limit):
            pass  # an arm jammed where it stands has not moved: still a fault
        else:
            self._track_rest(inputs, now)

    def _track_motion(self, motion: BarrierState, inputs: BarrierInputs, now: float) -> None:
        target = _TARGET[motion]
        if inputs.open_limit if target is BarrierState.OPEN else inputs.closed_limit:
            self._motion = None
            self.state, self.fault = target, None
        elif now - self._motion_started > self.travel_timeout:
            self._motion = None
            self.state, self.fault = BarrierState.FAULT, BarrierFault.TRAVEL_TIMEOUT
            self._jammed_at = (inputs.open_limit, inputs.closed_limit)

    def _track_rest(self, inputs: BarrierInputs, now: float) -> None:
        if self._jammed_at is not None:
            # The jammed arm moved at last: what the limits say from now on holds again.
            self._jammed_at = None
            self.state, self.fault = BarrierState.STOPPED, None
        if inputs.open_limit or inputs.closed_limit:
            self.state = BarrierState.OPEN if inputs.open_limit else BarrierState.CLOSED
            self.fault = None
        elif self.state is BarrierState.CLOSED:
            # The arm left its closed limit without a command of ours: its own remote opened it.
            self._start(BarrierState.OPENING, now)
        elif self.state is BarrierState.OPEN:
            self._start(BarrierState.CLOSING, now)
        elif self.state is not BarrierState.FAULT:
            self.state = BarrierState.STOPPED
