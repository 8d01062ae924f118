"""Tests of the Compound runtime's policy targets: enforcement, isolation of failures, re-application."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound.compound import Compound
from custom_components.hanyang_compound.modes import CompoundMode


class RecordingTarget:
    """A policy target that records the modes it was told to enforce, or fails to."""

    def __init__(self, name: str, *, failing: bool = False) -> None:
        self.policy_target_name = name
        self.failing = failing
        self.applied: list[CompoundMode] = []

    async def async_apply_mode(self, mode: CompoundMode) -> None:
        if self.failing:
            raise ConnectionError("module unreachable")
        self.applied.append(mode)


async def test_mode_changes_reach_every_target_even_when_one_fails(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    compound: Compound = loaded_compound.runtime_data
    north, broken, south = (
        RecordingTarget("North gate"),
        RecordingTarget("East gate", failing=True),
        RecordingTarget("South gate"),
    )
    for target in (north, broken, south):
        compound.async_register_policy_target(target)

    await compound.async_set_mode(CompoundMode.LOCKDOWN, context=None)

    assert north.applied == south.applied == [CompoundMode.LOCKDOWN]
    assert compound.mode is CompoundMode.LOCKDOWN
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "Could not apply lockdown mode to East gate yet; it will be applied when it is back"
    ]

    broken.failing = False
    await compound.async_reapply_policy(broken)
    assert broken.applied == [CompoundMode.LOCKDOWN]


async def test_setting_the_current_mode_reapplies_it_and_unregistered_targets_are_left_alone(
    hass: HomeAssistant, loaded_compound: MockConfigEntry
) -> None:
    compound: Compound = loaded_compound.runtime_data
    kept, dropped = RecordingTarget("North gate"), RecordingTarget("Old gate")
    compound.async_register_policy_target(kept)
    unregister = compound.async_register_policy_target(dropped)
    unregister()

    await compound.async_set_mode(CompoundMode.NORMAL, context=None)

    assert kept.applied == [CompoundMode.NORMAL]
    assert dropped.applied == []
    assert compound.summary.policy_targets == 1
