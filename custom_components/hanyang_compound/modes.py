"""Compound modes and the entrance policy each mode imposes, free of Home Assistant."""

from __future__ import annotations

from dataclasses import dataclass
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


class Requester(StrEnum):
    """Who asks for a mode change or an override, as the compound's rules tell them apart."""

    ADMINISTRATOR = "administrator"
    USER = "user"
    """A Home Assistant user who may control entities but is no administrator."""
    READ_ONLY = "read_only"
    """A user who may only look (or one Home Assistant does not know)."""
    SYSTEM = "system"
    """No user: an automation or a script, which only administrators can write."""
    VOICE = "voice"
    """A voice request (or an agent's) without a user: a voice satellite."""
    DISTRICT = "district"
    """A directive of the district (or a property company), received over the district link."""


@dataclass(frozen=True, slots=True)
class DirectiveOrigin:
    """The district directive a mode change carries out: its id and who issued it."""

    directive_id: str
    issuer: str


class DistrictRights(StrEnum):
    """What a compound lets its district do with its mode."""

    NOTHING = "nothing"
    """The district only sees the compound; every directive is refused."""
    OWN_RESTRICTIONS = "own_restrictions"
    """Start a lockdown, controlled mode or an evacuation, and lift only what the district started."""
    ANY_RESTRICTION = "any_restriction"
    """As above, and lift a lockdown or end an evacuation the compound started itself."""


REFUSED_READ_ONLY = "mode_refused_read_only"
REFUSED_ADMINISTRATORS_ONLY = "mode_refused_administrators_only"
REFUSED_RESTRICTING_NOT_ALLOWED = "mode_refused_restricting_not_allowed"
REFUSED_VOICE_WITHOUT_PIN = "mode_refused_voice_no_pin_set"
REFUSED_VOICE_PIN_NEEDED = "mode_refused_voice_pin_needed"
REFUSED_OVERRIDE = "override_refused"
REFUSED_DISTRICT_NOT_ALLOWED = "mode_refused_district_not_allowed"
REFUSED_DISTRICT_NOT_ITS_OWN = "mode_refused_district_not_its_own"


def _is_lift(old: CompoundMode, new: CompoundMode) -> bool:
    """Whether going from old to new lifts a lockdown or ends an evacuation."""
    if old is CompoundMode.EVACUATION:
        return new is not CompoundMode.EVACUATION
    return old is CompoundMode.LOCKDOWN and new in (CompoundMode.NORMAL, CompoundMode.CONTROLLED)


def _ends_restriction(old: CompoundMode, new: CompoundMode) -> bool:
    """Whether going from old to new lifts a lockdown, ends an evacuation or ends controlled mode."""
    return _is_lift(old, new) or (old is CompoundMode.CONTROLLED and new is CompoundMode.NORMAL)


def district_refusal(
    old: CompoundMode,
    new: CompoundMode,
    *,
    rights: DistrictRights,
    started_by_district: bool,
) -> str | None:
    """Return why a district directive may not switch the compound from old to new, or None.

    Restating the current mode and starting an evacuation are refused only to a district the
    compound lets do nothing; ending a restriction is for the district that started it, or for
    any district where the compound allows it.
    """
    if rights is DistrictRights.NOTHING:
        return REFUSED_DISTRICT_NOT_ALLOWED
    if _ends_restriction(old, new) and not started_by_district:
        return None if rights is DistrictRights.ANY_RESTRICTION else REFUSED_DISTRICT_NOT_ITS_OWN
    return None


def mode_change_refusal(  # noqa: PLR0911 - one return per rule of the table
    requester: Requester,
    old: CompoundMode,
    new: CompoundMode,
    *,
    users_may_restrict: bool,
    pin_set: bool,
    pin_given: bool,
) -> str | None:
    """Return why requester may not switch the compound from old to new (a translation key), or None.

    Evacuation never waits for a login; restricting (lockdown, controlled, and back from
    controlled to normal) is for administrators, automations and voice, and for other users
    where the compound allows it; lifting a lockdown or ending an evacuation is for
    administrators and automations, and by voice only with the compound's PIN. pin_given
    says that the request carried the right PIN.
    """
    if requester is Requester.READ_ONLY:
        return REFUSED_READ_ONLY
    if requester in (Requester.ADMINISTRATOR, Requester.SYSTEM):
        return None
    if new is CompoundMode.EVACUATION or (old is new is CompoundMode.NORMAL):
        return None
    if _is_lift(old, new):
        if requester is Requester.USER:
            return REFUSED_ADMINISTRATORS_ONLY
        if not pin_set:
            return REFUSED_VOICE_WITHOUT_PIN
        return None if pin_given else REFUSED_VOICE_PIN_NEEDED
    if requester is Requester.USER and not users_may_restrict:
        return REFUSED_RESTRICTING_NOT_ALLOWED
    return None


def override_refusal(requester: Requester) -> str | None:
    """Return why requester may not override a shut entrance, or None: administrators and automations may."""
    if requester in (Requester.ADMINISTRATOR, Requester.SYSTEM):
        return None
    return REFUSED_OVERRIDE
