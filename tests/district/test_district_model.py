"""The district's model of its compounds: reading publications, roll-ups and the ranking (no Home Assistant)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import example, given, settings, strategies as st
import pytest

from custom_components.hanyang_compound.district_model import DistrictModel
from custom_components.hanyang_compound.district_publications import (
    MAX_ASSESSMENT_BYTES,
    PublicationRejectedError,
    parse_assessment,
    parse_result,
    parse_state,
)
from custom_components.hanyang_compound.modes import CompoundMode


def figure(days_met: int, days_counted: int, *, met: bool | None = None) -> dict[str, Any]:
    """Return one indicator of a published month."""
    return {
        "value": 4.0,
        "standard": 4,
        "met": days_met == days_counted if met is None else met,
        "days_met": days_met,
        "days_counted": days_counted,
    }


def assessment(company: str | None, *figures: dict[str, Any], month: str = "2026-12") -> bytes:
    """Return a compound's published assessment with the given month figures."""
    names = ("patrol_rounds", "patrol_on_time", "entrance_availability")
    return json.dumps(
        {
            "property_company": company,
            "service_tier": "standard",
            "month": month,
            "day": f"{month}-07",
            "month_score": None,
            "today": {},
            "month_so_far": dict(zip(names, figures, strict=False)),
        }
    ).encode()


def state(mode: str = "normal", **counts: Any) -> bytes:
    """Return a compound's published summary."""
    return json.dumps({"mode": mode, "entrances": {}, **counts}).encode()


def test_roll_ups_of_a_zone_and_of_the_district() -> None:
    model = DistrictModel()
    model.apply(["qingchuan", "longdengli", "state"], state("lockdown", fever_today=2))
    model.apply(["qingchuan", "longdengli", "availability"], b"online")
    model.apply(["qingchuan", "qintai", "state"], state("lockdown", fever_today=1))
    model.apply(["yuehu", "guqin", "state"], state("normal", rounds_missed_today=3))
    model.apply(["yuehu", "guqin", "availability"], b"offline")

    assert model.zones() == ["qingchuan", "yuehu"]
    assert model.zone_mode("qingchuan") is CompoundMode.LOCKDOWN
    qingchuan = model.totals("qingchuan")
    assert (qingchuan["compounds"], qingchuan["compounds_online"]) == (2, 1)
    assert (qingchuan["compounds_lockdown"], qingchuan["fever_today"]) == (2, 3)
    district = model.totals(None)
    assert (district["compounds"], district["rounds_missed_today"]) == (3, 3)

    model.apply(["qingchuan", "qintai", "state"], state("normal"))
    assert model.zone_mode("qingchuan") is None
    assert model.modes("qingchuan") == {
        "normal": 1,
        "controlled": 0,
        "lockdown": 1,
        "evacuation": 0,
    }


def test_results_of_the_standing_directive() -> None:
    model = DistrictModel()
    for compound in ("a", "b", "c", "d"):
        model.apply(["qingchuan", compound, "state"], state())
    directive = {
        "id": "d-1",
        "issuer": "hanyang_district",
        "target": "qingchuan",
        "mode": "lockdown",
        "reason": None,
        "issued_at": "2026-12-07T08:00:00+00:00",
    }
    assert model.directive_results("qingchuan") == {"applied": 0, "pending": 0, "refused": 0}
    assert model.apply(["qingchuan", "directive"], json.dumps(directive).encode()) == "qingchuan"
    for compound, result in (("a", "applied"), ("b", "refused"), ("c", "superseded")):
        payload = {"id": "d-1", "issuer": "x", "result": result, "refusal": None}
        model.apply(["qingchuan", compound, "result"], json.dumps(payload).encode())

    assert model.directive_results("qingchuan") == {"applied": 1, "pending": 1, "refused": 2}
    model.apply(["qingchuan", "directive"], b"")
    assert "qingchuan" not in model.standing


def test_compounds_zones_and_companies_are_ranked_by_indicator_days_met() -> None:
    model = DistrictModel()
    publications = {
        ("qingchuan", "longdengli"): assessment("正阳物业", figure(7, 7), figure(6, 7)),
        ("qingchuan", "qintai"): assessment("红色物业", figure(2, 7), figure(7, 7)),
        ("yuehu", "guqin"): assessment("红色物业", figure(7, 7), figure(7, 7)),
        ("yuehu", "new"): assessment(None),
        ("yuehu", "lastmonth"): assessment("正阳物业", figure(0, 30), month="2026-11"),
    }
    for (zone, compound), payload in publications.items():
        model.apply([zone, compound, "state"], state())
        model.apply([zone, compound, "assessment"], payload)

    compounds = model.ranking("compound")
    assert [(row.rank, row.key, row.score) for row in compounds] == [
        (1, "yuehu/guqin", 100.0),
        (2, "qingchuan/longdengli", 92.9),
        (3, "qingchuan/qintai", 64.3),
        (None, "yuehu/new", None),
    ]
    assert (compounds[1].indicators_met, compounds[1].indicators) == (1, 2)
    zones = model.ranking("zone")
    assert [(row.key, row.score, row.compounds) for row in zones] == [
        ("yuehu", 100.0, 2),
        ("qingchuan", 78.6, 2),
    ]
    companies = model.ranking("company")
    assert [(row.name, row.score) for row in companies] == [
        ("正阳物业", 92.9),
        ("红色物业", 82.1),
    ]
    assert model.companies() == ["正阳物业", "红色物业"]
    assert model.month() == "2026-12"


@pytest.mark.parametrize(
    "payload",
    [
        assessment("x", figure(8, 7)),
        assessment("x" * 101),
        b'{"month": "2026-12", "day": "2026-11-30"}',
        b'{"month": "2026-02", "day": "2026-02-30"}',
        b'{"month": "2026-12", "day": "2026-12-01", "today": {"a b": {}}}',
        b'{"month": "2026-12", "day": "2026-12-01", "today": {"a": {"standard": "4"}}}',
        b'{"month": "2026-12", "day": "2026-12-01", "today": {"a": {"standard": Infinity}}}',
        b'{"month": "2026-12", "day": "2026-12-01", "today": []}',
        b" " * (MAX_ASSESSMENT_BYTES + 1),
    ],
)
def test_a_bad_assessment_is_rejected(payload: bytes) -> None:
    with pytest.raises(PublicationRejectedError):
        parse_assessment(payload)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=30,
)
KEYS = st.sampled_from(
    [
        "mode",
        "entrances",
        "fever_today",
        "name",
        "zone",
        "patrol_overdue",
        "id",
        "result",
        "refusal",
        "month",
        "day",
        "today",
        "month_so_far",
        "property_company",
        "standard",
        "days_met",
        "days_counted",
        "value",
        "met",
        "state",
        "fault",
    ]
)
SHAPED = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-2, 10)
    | st.sampled_from(["normal", "2026-12", "2026-12-07", "applied", "d-1"]),
    lambda children: st.dictionaries(KEYS, children, max_size=8),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(
    levels=st.lists(
        st.sampled_from(
            ["qingchuan", "x", "Bad!", "directive", "state", "result", "assessment", "availability"]
        ),
        max_size=4,
    ),
    payload=st.one_of(
        st.binary(max_size=200),
        JSON.map(lambda v: json.dumps(v).encode()),
        SHAPED.map(lambda v: json.dumps(v).encode()),
    ),
)
def test_no_publication_breaks_the_model(levels: list[str], payload: bytes) -> None:
    model = DistrictModel()
    model.apply(["qingchuan", "longdengli", "state"], state())
    with contextlib.suppress(PublicationRejectedError):
        model.apply(levels, payload)
    # Whatever was taken in, every view still computes.
    for zone in (*model.zones(), None):
        model.totals(zone)
        model.modes(zone)
    for by in ("compound", "zone", "company"):
        model.ranking(by)
    model.directive_results("all")


@settings(max_examples=200, deadline=None)
@given(SHAPED.map(lambda v: json.dumps(v).encode()))
@example(b'{"id": "d-1", "result": {}}')
def test_each_reader_raises_only_its_own_error(payload: bytes) -> None:
    for read in (parse_state, parse_result, parse_assessment):
        with contextlib.suppress(PublicationRejectedError):
            read(payload)
