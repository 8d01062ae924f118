"""The simulated compounds' reading of the district link: fuzzed, and held against the integration's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.hanyang_compound.district_protocol import (
    DirectiveRejectedError,
    parse_directive as integration_parse,
)
from custom_components.hanyang_compound.modes import (
    CompoundMode,
    DistrictRights,
    district_refusal,
)
from simulator.district_protocol import (
    MODES,
    RIGHTS,
    Directive,
    DirectiveError,
    Directives,
    district_layout,
    parse_directive,
    refusal,
)

TARGETS = ("all", "qingchuan", "qingchuan/longdengli")
TEXT = st.text(max_size=80) | st.sampled_from(["d-1", "district-office", "", "a b", "x" * 65])
VALUE = st.none() | st.integers() | st.floats() | TEXT | st.booleans() | st.lists(st.integers())

directive_like = st.fixed_dictionaries(
    {},
    optional={
        "id": VALUE,
        "issuer": VALUE,
        "target": st.sampled_from(TARGETS) | VALUE,
        "mode": st.sampled_from(MODES) | VALUE,
        "reason": st.none() | st.text(max_size=250) | VALUE,
        "issued_at": st.sampled_from(
            ["2026-12-01T08:00:00+00:00", "2026-12-01T08:00:00", "yesterday", "2026-12-01"]
        )
        | VALUE,
        "extra": VALUE,
    },
)


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(payload=st.binary(max_size=1500))
def test_any_bytes_are_a_directive_or_refused_with_a_directive_error(payload: bytes) -> None:
    try:
        directive = parse_directive(payload, "all")
    except DirectiveError:
        return
    assert directive.target == "all"


@FUZZ
@given(data=directive_like, target=st.sampled_from(TARGETS))
def test_the_simulator_and_the_integration_accept_the_same_directives(
    data: dict[str, Any], target: str
) -> None:
    payload = json.dumps(data).encode()
    try:
        ours = parse_directive(payload, target)
    except DirectiveError:
        ours = None
    try:
        theirs = integration_parse(payload, target)
    except DirectiveRejectedError:
        theirs = None
    assert (ours is None) == (theirs is None)
    if ours and theirs:
        assert (ours.id, ours.mode, ours.issued_at) == (
            theirs.directive_id,
            str(theirs.mode),
            theirs.issued_at,
        )


@pytest.mark.parametrize("rights", RIGHTS)
@pytest.mark.parametrize("old", MODES)
@pytest.mark.parametrize("new", MODES)
@pytest.mark.parametrize("by_district", [True, False])
def test_the_simulated_rights_are_the_compounds(
    rights: str, old: str, new: str, by_district: bool
) -> None:
    assert refusal(old, new, rights=rights, started_by_district=by_district) == district_refusal(
        CompoundMode(old),
        CompoundMode(new),
        rights=DistrictRights(rights),
        started_by_district=by_district,
    )


def _directive(directive_id: str, target: str, minutes: int) -> Directive:
    issued = datetime(2026, 12, 1, 8, tzinfo=UTC) + timedelta(minutes=minutes)
    return Directive(directive_id, "office", target, "lockdown", None, issued)


def test_only_the_newest_standing_directive_is_due_and_only_once() -> None:
    directives = Directives()
    directives.stand("all", _directive("d-1", "all", 0))
    directives.stand("qingchuan", _directive("d-2", "qingchuan", 5))
    due, superseded = directives.due()
    assert due is not None
    assert due.id == "d-2"
    assert [d.id for d in superseded] == ["d-1"]
    assert directives.due() == (None, [])

    directives.stand("all", _directive("d-0", "all", -5))
    due, superseded = directives.due()
    assert due is None
    assert [d.id for d in superseded] == ["d-0"]


def test_a_withdrawn_directive_is_never_due() -> None:
    directives = Directives()
    directives.stand("all", _directive("d-1", "all", 0))
    directives.stand("all", None)
    assert directives.due() == (None, [])


def test_the_layout_spreads_unique_compounds_over_the_zones() -> None:
    places = district_layout("hanyang", 160, 50)
    assert len({place.name for place in places}) == 160
    assert len({place.zone for place in places}) == 50
    assert all(place.base.startswith("hanyang/hanyang/") for place in places)
    with pytest.raises(ValueError, match="zones"):
        district_layout("hanyang", 10, 0)
