"""The district rules and the directive book, without a broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from custom_components.hanyang_compound.district_link import _stored_handled, topic_segment
from custom_components.hanyang_compound.district_protocol import (
    REMEMBERED_DIRECTIVES,
    Directive,
    DirectiveBook,
)
from custom_components.hanyang_compound.modes import (
    REFUSED_DISTRICT_NOT_ALLOWED,
    REFUSED_DISTRICT_NOT_ITS_OWN,
    CompoundMode,
    DistrictRights,
    district_refusal,
)

N, C, L, E = (
    CompoundMode.NORMAL,
    CompoundMode.CONTROLLED,
    CompoundMode.LOCKDOWN,
    CompoundMode.EVACUATION,
)
OWN, ANY, NOTHING = (
    DistrictRights.OWN_RESTRICTIONS,
    DistrictRights.ANY_RESTRICTION,
    DistrictRights.NOTHING,
)
START = datetime(2026, 12, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("old", "new", "rights", "by_district", "refusal"),
    [
        (N, L, OWN, False, None),
        (N, C, OWN, False, None),
        (N, E, OWN, False, None),
        (L, L, OWN, False, None),
        (L, N, OWN, True, None),
        (L, N, OWN, False, REFUSED_DISTRICT_NOT_ITS_OWN),
        (L, C, OWN, False, REFUSED_DISTRICT_NOT_ITS_OWN),
        (C, N, OWN, False, REFUSED_DISTRICT_NOT_ITS_OWN),
        (E, L, OWN, False, REFUSED_DISTRICT_NOT_ITS_OWN),
        (E, N, OWN, True, None),
        (L, N, ANY, False, None),
        (N, L, NOTHING, False, REFUSED_DISTRICT_NOT_ALLOWED),
        (N, E, NOTHING, False, REFUSED_DISTRICT_NOT_ALLOWED),
    ],
)
def test_what_a_district_may_do(
    old: CompoundMode,
    new: CompoundMode,
    rights: DistrictRights,
    by_district: bool,
    refusal: str | None,
) -> None:
    assert district_refusal(old, new, rights=rights, started_by_district=by_district) == refusal


def _directive(number: int, minutes: int) -> Directive:
    return Directive(f"d-{number}", "district", "all", L, None, START + timedelta(minutes=minutes))


def test_the_book_remembers_a_bounded_number_of_directives() -> None:
    book = DirectiveBook()
    for number in range(REMEMBERED_DIRECTIVES + 5):
        book.stand("all", _directive(number, number))
        due, superseded = book.take_due()
        assert due is not None
        assert due.directive_id == f"d-{number}"
        assert superseded == []
    assert len(book.handled) == REMEMBERED_DIRECTIVES
    assert book.take_due() == (None, [])


def test_a_withdrawn_directive_no_longer_stands() -> None:
    book = DirectiveBook()
    book.stand("all", _directive(1, 0))
    book.stand("all", None)
    assert book.take_due() == (None, [])


def test_handled_directives_are_read_back_skipping_what_was_changed_by_hand() -> None:
    stored = [["d-1", "2026-12-01T08:00:00+00:00"], ["d-2", "no time"], ["d-3"], 7, ["d-4", None]]
    assert _stored_handled(stored) == [("d-1", START)]
    assert _stored_handled({"not": "a list"}) == []
    assert _stored_handled([["d-5", "2026-12-01T08:00:00"]]) == []


def test_a_name_without_letters_or_digits_falls_back_in_topics() -> None:
    assert topic_segment("青川", "zone") == "qing_chuan"
    assert topic_segment("!!!", "zone") == "zone"
    assert topic_segment("x" * 65, "zone") == "zone"
