"""Tests of the barrier state machine: examples of each transition, and properties under random input."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.hanyang_compound.devices.iomodule.barrier import (
    BarrierCommand,
    BarrierFault,
    BarrierInputs,
    BarrierMachine,
    BarrierState,
)

CLOSED = BarrierInputs(open_limit=False, closed_limit=True)
BETWEEN = BarrierInputs(open_limit=False, closed_limit=False)
OPEN = BarrierInputs(open_limit=True, closed_limit=False)
BOTH = BarrierInputs(open_limit=True, closed_limit=True)


def machine(*, has_stop: bool = True) -> BarrierMachine:
    return BarrierMachine(travel_timeout=5.0, has_stop=has_stop)


def test_a_full_cycle_passes_through_opening_and_closing() -> None:
    gate = machine()
    assert gate.state is None
    gate.observe(CLOSED, 0.0)
    assert gate.state is BarrierState.CLOSED
    assert gate.command(BarrierCommand.OPEN, 1.0) == [BarrierCommand.OPEN]
    gate.observe(CLOSED, 1.2)  # the arm has not left its limit yet
    assert gate.state is BarrierState.OPENING
    gate.observe(BETWEEN, 2.0)
    assert gate.state is BarrierState.OPENING
    gate.observe(OPEN, 3.0)
    assert (gate.state, gate.moving) == (BarrierState.OPEN, False)
    assert gate.command(BarrierCommand.OPEN, 3.5) == []
    assert gate.command(BarrierCommand.CLOSE, 4.0) == [BarrierCommand.CLOSE]
    gate.observe(BETWEEN, 5.0)
    assert gate.state is BarrierState.CLOSING
    gate.observe(CLOSED, 6.0)
    assert gate.state is BarrierState.CLOSED
    assert gate.command(BarrierCommand.CLOSE, 7.0) == []


def test_a_jammed_arm_is_a_fault_until_a_limit_or_a_new_command() -> None:
    gate = machine()
    gate.observe(CLOSED, 0.0)
    gate.command(BarrierCommand.OPEN, 0.0)
    gate.observe(BETWEEN, 5.0)
    assert gate.state is BarrierState.OPENING
    gate.observe(BETWEEN, 5.1)
    assert (gate.state, gate.fault) == (BarrierState.FAULT, BarrierFault.TRAVEL_TIMEOUT)
    gate.observe(BETWEEN, 9.0)
    assert gate.state is BarrierState.FAULT
    gate.command(BarrierCommand.CLOSE, 10.0)
    assert (gate.state, gate.fault) == (BarrierState.CLOSING, None)
    gate.observe(CLOSED, 11.0)
    assert gate.state is BarrierState.CLOSED


def test_an_arm_jammed_on_its_limit_stays_in_fault_until_it_moves() -> None:
    gate = machine()
    gate.observe(CLOSED, 0.0)
    gate.command(BarrierCommand.OPEN, 0.0)
    gate.observe(CLOSED, 6.0)
    gate.observe(CLOSED, 7.0)
    assert (gate.state, gate.fault) == (BarrierState.FAULT, BarrierFault.TRAVEL_TIMEOUT)
    gate.observe(BETWEEN, 8.0)
    assert (gate.state, gate.fault) == (BarrierState.STOPPED, None)


def test_both_limits_at_once_is_a_wiring_fault_cleared_by_one_limit() -> None:
    gate = machine()
    gate.observe(BOTH, 0.0)
    assert (gate.state, gate.fault) == (BarrierState.FAULT, BarrierFault.BOTH_LIMITS)
    gate.observe(OPEN, 1.0)
    assert (gate.state, gate.fault) == (BarrierState.OPEN, None)


def test_an_arm_moved_by_its_own_remote_is_followed() -> None:
    gate = machine()
    gate.observe(CLOSED, 0.0)
    gate.observe(BETWEEN, 1.0)
    assert gate.state is BarrierState.OPENING
    gate.observe(OPEN, 2.0)
    gate.observe(BETWEEN, 3.0)
    assert gate.state is BarrierState.CLOSING
    gate.observe(BETWEEN, 9.0)
    assert gate.state is BarrierState.FAULT


def test_stop_halts_the_arm_between_limits() -> None:
    gate = machine()
    gate.observe(CLOSED, 0.0)
    gate.command(BarrierCommand.OPEN, 0.0)
    gate.observe(BETWEEN, 1.0)
    assert gate.command(BarrierCommand.STOP, 1.5) == [BarrierCommand.STOP]
    assert gate.state is BarrierState.STOPPED
    gate.observe(BETWEEN, 60.0)
    assert gate.state is BarrierState.STOPPED
    with pytest.raises(ValueError, match="no stop relay"):
        machine(has_stop=False).command(BarrierCommand.STOP, 0.0)
    with pytest.raises(ValueError, match="positive"):
        BarrierMachine(travel_timeout=0, has_stop=False)


def test_a_close_waits_for_the_vehicle_to_leave_the_loop_and_counts_the_pass() -> None:
    gate = machine()
    gate.observe(OPEN, 0.0)
    car = BarrierInputs(open_limit=True, closed_limit=False, vehicle_present=True)
    gate.observe(car, 1.0)
    assert gate.command(BarrierCommand.CLOSE, 1.0) == []
    assert gate.close_pending
    assert gate.observe(car, 2.0) == []
    assert gate.observe(OPEN, 3.0) == [BarrierCommand.CLOSE]
    assert (gate.passes, gate.close_pending, gate.state) == (1, False, BarrierState.CLOSING)


def test_opening_or_cancelling_forgets_a_waiting_close() -> None:
    gate = machine()
    car = BarrierInputs(open_limit=True, closed_limit=False, vehicle_present=True)
    gate.observe(car, 0.0)
    gate.command(BarrierCommand.CLOSE, 0.0)
    gate.command(BarrierCommand.OPEN, 0.5)
    assert not gate.close_pending
    gate.command(BarrierCommand.CLOSE, 1.0)
    gate.cancel_pending_close()
    assert gate.observe(OPEN, 2.0) == []


def test_a_command_whose_pulse_failed_starts_no_travel() -> None:
    gate = machine()
    gate.observe(CLOSED, 0.0)
    gate.command(BarrierCommand.OPEN, 0.0)
    gate.command_failed()  # the module did not take the pulse
    assert (gate.state, gate.moving) == (None, False)
    gate.observe(CLOSED, 9.0)  # long after the travel timeout: no jam, the arm never moved
    assert (gate.state, gate.fault) == (BarrierState.CLOSED, None)
    gate.observe(BOTH, 10.0)
    gate.command(BarrierCommand.STOP, 10.0)
    gate.command_failed()
    assert gate.state is BarrierState.FAULT  # a fault stays reported


FAILED = "command failed"
"""A step of the property test: the pulses of the last command did not reach the controller."""
inputs = st.builds(BarrierInputs, st.booleans(), st.booleans(), st.booleans())
steps = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=3.0),
        st.one_of(inputs, st.sampled_from(BarrierCommand), st.just(FAILED)),
    ),
    max_size=60,
)


@settings(max_examples=300)
@given(steps=steps, has_stop=st.booleans())
def test_properties_hold_for_any_sequence_of_polls_and_commands(
    steps: list[tuple[float, BarrierInputs | BarrierCommand | str]], has_stop: bool
) -> None:
    gate = BarrierMachine(travel_timeout=2.0, has_stop=has_stop)
    now, passes = 0.0, 0
    for delay, step in steps:
        now += delay
        if step == FAILED:
            gate.command_failed()
            pulses = []
        elif isinstance(step, BarrierInputs):
            pulses = gate.observe(step, now)
            if step.open_limit and step.closed_limit:
                assert gate.state is BarrierState.FAULT
            elif gate.state is BarrierState.CLOSED:
                assert step.closed_limit
        elif step is BarrierCommand.STOP and not has_stop:
            with pytest.raises(ValueError, match="stop relay"):
                gate.command(step, now)
            continue
        else:
            pulses = gate.command(BarrierCommand(step), now)
        # Never onto a vehicle; a waiting close is never also pulsed.
        if BarrierCommand.CLOSE in pulses:
            assert not gate.vehicle_present
        assert not (gate.close_pending and BarrierCommand.CLOSE in pulses)
        assert len(pulses) <= 1
        assert gate.passes >= passes
        passes = gate.passes
        assert (gate.fault is None) == (gate.state is not BarrierState.FAULT)
        assert gate.moving == (gate.state in (BarrierState.OPENING, BarrierState.CLOSING))
