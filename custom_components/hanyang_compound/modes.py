"""Compound modes and the entrance policy each mode imposes, free of Home Assistant."""

from __future__ import annotations

from enum import StrEnum

REFUSED_LOCKDOWN = "refused_lockdown"
REFUSED_EVACUATION = "refused_evacuation"


class CompoundMode(StrEnum):
    """Operating mode of a compound, from everyday to emergency."""

    NORMAL = "normal"
    CONTROLLED = "controlled"
    LOCKDOWN = "lockdown"
    EVACUATION = "evacuation"


class EntrancePolicy(StrEnum):
    """What an entrance (barrier gate or access terminal door) must do in a mode."""

    FREE = "free"
    """Normal control: residents and staff open and close it as usual."""

    SHUT = "shut"
    """Closed and held closed; opening is refused except by an administrator's override."""

    HELD_OPEN = "held_open"
    """Opened and held open so people can leave; closing is refused."""


class EntranceAction(StrEnum):
    """A command that moves an entrance."""

    OPEN = "open"
    CLOSE = "close"
    STOP = "stop"


def entrance_policy(mode: CompoundMode, *, kept_open_in_lockdown: bool) -> EntrancePolicy:
    """Return the policy an entrance follows in a mode.

    Evacuation overrides lockdown: every entrance is held open, designated or not.
    """
    if mode is CompoundMode.EVACUATION:
        return EntrancePolicy.HELD_OPEN
    if mode is CompoundMode.LOCKDOWN and not kept_open_in_lockdown:
        return EntrancePolicy.SHUT
    return EntrancePolicy.FREE


def refusal_reason(policy: EntrancePolicy, action: EntranceAction) -> str | None:
    """Return why an action is refused under a policy (a translation key), or None if it is allowed."""
    if policy is EntrancePolicy.SHUT and action is EntranceAction.OPEN:
        return REFUSED_LOCKDOWN
    if policy is EntrancePolicy.HELD_OPEN and action in (
        EntranceAction.CLOSE,
        EntranceAction.STOP,
    ):
        return REFUSED_EVACUATION
    return None


def screening_alerts_active(mode: CompoundMode) -> bool:
    """Return whether fever and no-mask screenings at open entrances are alerts in this mode."""
    return mode in (CompoundMode.CONTROLLED, CompoundMode.LOCKDOWN)
