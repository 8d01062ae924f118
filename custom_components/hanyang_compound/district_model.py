"""The district's view of its compounds by zone, their roll-ups and the assessment ranking: free of Home Assistant."""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Final

from .district_protocol import (
    TARGET_ALL,
    Directive,
    DirectiveRejectedError,
    parse_directive,
    valid_segment,
)
from .district_publications import (
    STATE_COUNTS,
    CompoundAssessment,
    CompoundState,
    PublicationRejectedError,
    parse_assessment,
    parse_availability,
    parse_result,
    parse_state,
)
from .modes import CompoundMode

KEPT_RESULTS: Final = 20
"""How many directives' results the district keeps per compound."""
DIRECTIVE: Final = "directive"
OFFLINE_ENTRANCE: Final = "offline"
KINDS: Final = frozenset({"state", "availability", "assessment", "result"})
"""The topics a compound publishes under its own subtree, besides its discovery config."""
RESULT_APPLIED, RESULT_PENDING, RESULT_REFUSED = "applied", "pending", "refused"
TOTALS: Final = (
    "compounds",
    "compounds_online",
    "compounds_lockdown",
    "compounds_evacuation",
    "compounds_patrol_overdue",
    "entrances_offline",
    *STATE_COUNTS,
)
"""The roll-ups of a zone or the district: counts of compounds, and the sums of their counts."""


@dataclass(slots=True)
class CompoundView:
    """What the district knows of one compound: its summary, availability, results, assessment."""

    zone: str
    compound: str
    state: CompoundState | None = None
    online: bool = False
    assessment: CompoundAssessment | None = None
    results: OrderedDict[str, str] = field(default_factory=OrderedDict)

    @property
    def name(self) -> str:
        """The compound's name as it calls itself, else its id in the topics."""
        return self.state.name if self.state and self.state.name else self.compound

    @property
    def target(self) -> str:
        """The compound as a directive's target."""
        return f"{self.zone}/{self.compound}"


@dataclass(frozen=True, slots=True)
class Ranked:
    """One place in an assessment ranking: a compound, a zone or a property company."""

    rank: int | None
    key: str
    name: str
    score: float | None
    """The share of indicator-days met this month, in percent; None when no day counted yet."""
    compounds: int
    indicators_met: int
    indicators: int


class DistrictModel:
    """The compounds of one district by zone, fed with the topics under hanyang/<district>/."""

    def __init__(self) -> None:
        """Start knowing nothing."""
        self.compounds: dict[tuple[str, str], CompoundView] = {}
        self.standing: dict[str, Directive] = {}
        """The directive standing for each target (all, a zone, zone/compound)."""
        self._rankings: dict[str, list[Ranked]] = {}
        """The rankings computed since the last publication changed the model."""

    def apply(self, levels: list[str], payload: bytes) -> str:
        """Take in one publication below the district's root; return the zone it concerns (or all).

        Raise PublicationRejectedError (nothing changes) for a topic or payload that is no valid one.
        """
        zone = self._apply(levels, payload)
        self._rankings.clear()
        return zone

    def _apply(self, levels: list[str], payload: bytes) -> str:
        if levels and levels[-1] == DIRECTIVE:
            return self._apply_directive(levels[:-1], payload)
        if len(levels) != 3 or not all(valid_segment(level) for level in levels[:2]):  # noqa: PLR2004
            raise PublicationRejectedError("not a compound's topic")
        zone, compound, kind = levels
        key = (zone, compound)
        if not payload:
            # A cleared retained state is a compound removed from the district.
            if kind == "state":
                self.compounds.pop(key, None)
            return zone
        if kind not in KINDS:
            raise PublicationRejectedError(f"unknown topic {kind}")
        view = self.compounds.get(key) or CompoundView(zone, compound)
        if kind == "state":
            view.state = parse_state(payload)
        elif kind == "availability":
            view.online = parse_availability(payload)
        elif kind == "assessment":
            view.assessment = parse_assessment(payload)
        else:
            result = parse_result(payload)
            view.results[result.directive_id] = result.result
            view.results.move_to_end(result.directive_id)
            while len(view.results) > KEPT_RESULTS:
                view.results.popitem(last=False)
        self.compounds[key] = view
        return zone

    def _apply_directive(self, levels: list[str], payload: bytes) -> str:
        if not levels:
            target = TARGET_ALL
        elif len(levels) <= 2 and all(valid_segment(level) for level in levels):  # noqa: PLR2004
            target = "/".join(levels)
        else:
            raise PublicationRejectedError("not a directive's topic")
        if not payload:
            self.standing.pop(target, None)
        else:
            try:
                self.standing[target] = parse_directive(payload, target)
            except DirectiveRejectedError as err:
                raise PublicationRejectedError(str(err)) from err
        return levels[0] if levels else TARGET_ALL

    # What the district's entities show

    def zones(self) -> list[str]:
        """Return the zones of the compounds that published their summary, sorted."""
        return sorted({view.zone for view in self.compounds.values() if view.state})

    def zone_name(self, zone: str) -> str:
        """Return a zone's name as its compounds call it, else its id in the topics."""
        names = Counter(
            view.state.zone_name
            for view in self.in_zone(zone)
            if view.state and view.state.zone_name
        )
        return names.most_common(1)[0][0] if names else zone

    def in_zone(self, zone: str | None) -> list[CompoundView]:
        """Return the compounds of a zone (None: of the whole district)."""
        return [view for view in self.compounds.values() if zone is None or view.zone == zone]

    def find(self, zone: str, compound: str | None = None) -> CompoundView | None:
        """Return a compound by its id or name in a zone (given by id or name), if the district knows it."""
        wanted_zone = next(
            (z for z in self.zones() if zone.casefold() in (z, self.zone_name(z).casefold())),
            None,
        )
        views = self.in_zone(wanted_zone) if wanted_zone else []
        if compound is None:
            return views[0] if views else None
        wanted = compound.casefold()
        return next((v for v in views if wanted in (v.compound, v.name.casefold())), None)

    def totals(self, zone: str | None) -> dict[str, int]:
        """Return the roll-ups of a zone (None: the district)."""
        views = self.in_zone(zone)
        states = [view.state for view in views if view.state]
        totals = {
            "compounds": len(views),
            "compounds_online": sum(view.online for view in views),
            "compounds_lockdown": sum(s.mode is CompoundMode.LOCKDOWN for s in states),
            "compounds_evacuation": sum(s.mode is CompoundMode.EVACUATION for s in states),
            "compounds_patrol_overdue": sum(s.patrol_overdue for s in states),
            "entrances_offline": sum(
                state == OFFLINE_ENTRANCE for s in states for state, _fault in s.entrances.values()
            ),
        }
        return totals | {key: sum(s.counts[key] for s in states) for key in STATE_COUNTS}

    def zone_mode(self, zone: str) -> CompoundMode | None:
        """Return the mode every compound of the zone reports, or None when they differ (or none did)."""
        modes = {view.state.mode for view in self.in_zone(zone) if view.state}
        return modes.pop() if len(modes) == 1 else None

    def modes(self, zone: str | None) -> dict[str, int]:
        """Return how many compounds of a zone (None: the district) report each mode."""
        counts = Counter(str(view.state.mode) for view in self.in_zone(zone) if view.state)
        return {str(mode): counts[str(mode)] for mode in CompoundMode}

    def directive_results(self, target: str) -> dict[str, int]:
        """Return how many compounds of a target applied, refused or have yet to report its standing directive.

        A compound that reported the directive superseded (by a newer one for it) counts as refused.
        """
        counts = dict.fromkeys((RESULT_APPLIED, RESULT_PENDING, RESULT_REFUSED), 0)
        if (directive := self.standing.get(target)) is None:
            return counts
        for view in self.in_zone(None if target == TARGET_ALL else target):
            result = view.results.get(directive.directive_id, RESULT_PENDING)
            counts[result if result in counts else RESULT_REFUSED] += 1
        return counts

    # The assessment

    def month(self) -> str | None:
        """Return the month ranked: the newest any compound published its assessment for."""
        return max(
            (view.assessment.month for view in self.compounds.values() if view.assessment),
            default=None,
        )

    def _assessed(self) -> list[tuple[CompoundView, CompoundAssessment]]:
        """Return the compounds that published the ranked month's assessment, with it."""
        month = self.month()
        return [
            (view, view.assessment)
            for view in self.compounds.values()
            if view.assessment and view.assessment.month == month
        ]

    def companies(self) -> list[str]:
        """Return the property companies the compounds name in their latest assessment, sorted.

        Not only the ranked month's: a company stays while its compounds have yet to publish a new month.
        """
        return sorted(
            {
                view.assessment.property_company
                for view in self.compounds.values()
                if view.assessment and view.assessment.property_company is not None
            }
        )

    def ranking(self, by: str) -> list[Ranked]:
        """Return compounds, zones or companies (by) ranked by the share of indicator-days met this month."""
        if (ranked := self._rankings.get(by)) is None:
            ranked = self._rankings[by] = self._rank(by)
        return ranked

    def _rank(self, by: str) -> list[Ranked]:
        groups: dict[str, tuple[str, list[CompoundAssessment]]] = {}
        for view, assessment in self._assessed():
            if by == "compound":
                key, name = view.target, view.name
            elif by == "zone":
                key, name = view.zone, self.zone_name(view.zone)
            elif (company := assessment.property_company) is not None:
                key, name = company, company
            else:
                continue
            groups.setdefault(key, (name, []))[1].append(assessment)
        rows = [_scored(key, name, views) for key, (name, views) in groups.items()]
        rows.sort(key=lambda row: (row.score is None, -(row.score or 0), row.name))
        return [
            Ranked(
                place + 1 if row.score is not None else None,
                row.key,
                row.name,
                row.score,
                row.compounds,
                row.indicators_met,
                row.indicators,
            )
            for place, row in enumerate(rows)
        ]


def _scored(key: str, name: str, assessments: list[CompoundAssessment]) -> Ranked:
    figures = [figure for a in assessments for figure in a.month_so_far.values()]
    days = sum(figure.days_counted for figure in figures)
    score = round(100 * sum(figure.days_met for figure in figures) / days, 1) if days else None
    met = sum(figure.met for figure in figures)
    return Ranked(None, key, name, score, len(assessments), met, len(figures))
