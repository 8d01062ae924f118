"""The district link's topics, directives and results, and which directive stands: free of Home Assistant."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
import json
import re
from typing import Any

from .modes import CompoundMode

TOPIC_ROOT = "hanyang"
TARGET_ALL = "all"
MAX_DIRECTIVE_BYTES = 1024
"""A directive is a few short fields; anything larger is refused before it is parsed."""
MAX_REASON_CHARS = 200
REMEMBERED_DIRECTIVES = 100
"""How many handled directive ids a compound keeps, so none is carried out twice."""

_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_SEGMENT = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_DIRECTIVE_KEYS = frozenset({"id", "issuer", "target", "mode", "reason", "issued_at"})


def valid_segment(text: str) -> bool:
    """Whether text may be one level of the topic layout (a district, zone or compound id)."""
    return _SEGMENT.fullmatch(text) is not None


def valid_identifier(text: str) -> bool:
    """Whether text may be a directive's id or issuer."""
    return _IDENTIFIER.fullmatch(text) is not None


def district_unique_id(district: str) -> str:
    """Return the unique id of a district's config entry: one per district id."""
    return f"district {district}"


def directive_topic(district: str, target: str) -> str:
    """Return the topic of a target's standing directive: all, a zone, or zone/compound."""
    if target == TARGET_ALL:
        return f"{TOPIC_ROOT}/{district}/directive"
    return f"{TOPIC_ROOT}/{district}/{target}/directive"


@dataclass(frozen=True, slots=True)
class CompoundTopics:
    """Where one compound publishes and listens: hanyang/<district>/<zone>/<compound>/…."""

    district: str
    zone: str
    compound: str

    @property
    def base(self) -> str:
        """The compound's own subtree, the only one its broker account may publish under."""
        return f"{TOPIC_ROOT}/{self.district}/{self.zone}/{self.compound}"

    @property
    def availability(self) -> str:
        """Where the compound says online while it is linked and running, offline when it stops."""
        return f"{self.base}/availability"

    @property
    def state(self) -> str:
        """The compound's summary, one JSON object."""
        return f"{self.base}/state"

    @property
    def result(self) -> str:
        """What became of the last directive addressed to the compound."""
        return f"{self.base}/result"

    @property
    def unique_id(self) -> str:
        """The compound's id across the district: discovery's device and entity ids start with it."""
        return f"{TOPIC_ROOT}_{self.district}_{self.zone}_{self.compound}"

    def discovery(self, prefix: str) -> str:
        """Return the topic of the compound's device discovery config under a discovery prefix."""
        return f"{prefix}/device/{self.unique_id}/config"

    @property
    def assessment(self) -> str:
        """The compound's service assessment: today's and this month's indicators, one JSON object."""
        return f"{self.base}/assessment"

    @property
    def directive_topics(self) -> dict[str, str]:
        """The directive topic of each target that includes the compound, by the target's name."""
        targets = (TARGET_ALL, self.zone, f"{self.zone}/{self.compound}")
        return {target: directive_topic(self.district, target) for target in targets}


class DirectiveRejectedError(Exception):
    """A directive payload that is not one: too large, no JSON object, or a field is wrong."""


@dataclass(frozen=True, slots=True)
class Directive:
    """A district's order that a target (one compound, a zone, all) be in a mode."""

    directive_id: str
    issuer: str
    target: str
    mode: CompoundMode
    reason: str | None
    issued_at: datetime


def parse_directive(payload: bytes, target: str) -> Directive:
    """Read a directive published for target; raise DirectiveRejectedError saying what is wrong."""
    if len(payload) > MAX_DIRECTIVE_BYTES:
        raise DirectiveRejectedError(f"larger than {MAX_DIRECTIVE_BYTES} bytes")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as err:
        raise DirectiveRejectedError("not JSON") from err
    if not isinstance(data, dict):
        raise DirectiveRejectedError("not a JSON object")
    if unknown := set(data) - _DIRECTIVE_KEYS:
        raise DirectiveRejectedError(f"unknown fields {sorted(unknown)}")
    for key in ("id", "issuer"):
        if not isinstance(data.get(key), str) or not valid_identifier(data[key]):
            raise DirectiveRejectedError(f"{key} missing or invalid")
    if data.get("target") != target:
        raise DirectiveRejectedError("target does not match the topic")
    try:
        mode = CompoundMode(str(data.get("mode")))
    except ValueError as err:
        raise DirectiveRejectedError("unknown mode") from err
    reason = data.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS):
        raise DirectiveRejectedError("reason invalid")
    issued_at = _aware_time(data.get("issued_at"))
    return Directive(data["id"], data["issuer"], target, mode, reason, issued_at)


def _aware_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise DirectiveRejectedError("issued_at missing")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as err:
        raise DirectiveRejectedError("issued_at is no ISO 8601 time") from err
    if instant.tzinfo is None:
        raise DirectiveRejectedError("issued_at has no time zone")
    return instant


def result_payload(
    directive: Directive, result: str, mode: CompoundMode, at: datetime, refusal: str | None = None
) -> str:
    """Return the JSON a compound publishes about a directive: applied, refused, pending, superseded."""
    return json.dumps(
        {
            "id": directive.directive_id,
            "issuer": directive.issuer,
            "result": result,
            "refusal": refusal,
            "mode": str(mode),
            "at": at.isoformat(),
        }
    )


class DirectiveBook:
    """The directives standing for a compound's targets, and the ones it already handled.

    A directive is carried out once (by id), and only while it stands and is the newest
    standing one: a directive withdrawn (its retained topic cleared) or superseded by a newer
    one for any of the compound's targets is never carried out, however late it arrives.
    """

    def __init__(self, handled: list[tuple[str, datetime]] | None = None) -> None:
        """Start with nothing standing and the directives handled before (id, issue time), oldest first."""
        self.standing: dict[str, Directive] = {}
        self._handled: OrderedDict[str, datetime] = OrderedDict(handled or [])

    @property
    def handled(self) -> list[tuple[str, datetime]]:
        """The directives handled so far (id, issue time), oldest first, for storage."""
        return list(self._handled.items())

    def stand(self, target: str, directive: Directive | None) -> None:
        """Record what stands now for a target; None when its directive was withdrawn."""
        if directive is None:
            self.standing.pop(target, None)
        else:
            self.standing[target] = directive

    def take_due(self) -> tuple[Directive | None, list[Directive]]:
        """Return the directive to carry out now (if any) and the standing ones it supersedes.

        Both are marked handled: neither is returned again.
        """
        fresh = [d for d in self.standing.values() if d.directive_id not in self._handled]
        if not fresh:
            return None, []
        newest = max(fresh, key=lambda d: d.issued_at)
        latest_handled = max(self._handled.values(), default=None)
        due = newest if latest_handled is None or newest.issued_at > latest_handled else None
        superseded = [d for d in fresh if d is not due]
        for directive in fresh:
            self._handled[directive.directive_id] = directive.issued_at
        while len(self._handled) > REMEMBERED_DIRECTIVES:
            self._handled.popitem(last=False)
        return due, superseded
