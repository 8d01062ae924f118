"""Tests of the entrance policy each compound mode imposes."""

from __future__ import annotations

from hypothesis import given, strategies as st

from custom_components.hanyang_compound.modes import (
    CompoundMode,
    EntranceAction,
    EntrancePolicy,
    entrance_policy,
    refusal_reason,
    screening_alerts_active,
)


def test_lockdown_shuts_only_entrances_not_kept_open() -> None:
    assert (
        entrance_policy(CompoundMode.LOCKDOWN, kept_open_in_lockdown=False) is EntrancePolicy.SHUT
    )
    assert entrance_policy(CompoundMode.LOCKDOWN, kept_open_in_lockdown=True) is EntrancePolicy.FREE


@given(kept_open=st.booleans())
def test_evacuation_holds_every_entrance_open(kept_open: bool) -> None:
    assert (
        entrance_policy(CompoundMode.EVACUATION, kept_open_in_lockdown=kept_open)
        is EntrancePolicy.HELD_OPEN
    )


@given(kept_open=st.booleans())
def test_normal_and_controlled_leave_entrances_free(kept_open: bool) -> None:
    for mode in (CompoundMode.NORMAL, CompoundMode.CONTROLLED):
        assert entrance_policy(mode, kept_open_in_lockdown=kept_open) is EntrancePolicy.FREE


def test_refusals_name_their_reason() -> None:
    assert refusal_reason(EntrancePolicy.SHUT, EntranceAction.OPEN) == "refused_lockdown"
    assert refusal_reason(EntrancePolicy.SHUT, EntranceAction.CLOSE) is None
    assert refusal_reason(EntrancePolicy.SHUT, EntranceAction.STOP) is None
    assert refusal_reason(EntrancePolicy.HELD_OPEN, EntranceAction.CLOSE) == "refused_evacuation"
    assert refusal_reason(EntrancePolicy.HELD_OPEN, EntranceAction.STOP) == "refused_evacuation"
    assert refusal_reason(EntrancePolicy.HELD_OPEN, EntranceAction.OPEN) is None


@given(action=st.sampled_from(EntranceAction))
def test_free_entrances_refuse_nothing(action: EntranceAction) -> None:
    assert refusal_reason(EntrancePolicy.FREE, action) is None


def test_screening_alerts_in_controlled_and_lockdown_only() -> None:
    assert [mode for mode in CompoundMode if screening_alerts_active(mode)] == [
        CompoundMode.CONTROLLED,
        CompoundMode.LOCKDOWN,
    ]
