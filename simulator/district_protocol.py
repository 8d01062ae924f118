"""The district link as a compound speaks it, written from the README: topics, directives, rights, discovery.

The simulated compounds use this to behave like real ones; it shares no code with the
integration, so a misreading on either side shows up as a disagreement in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
import json
import re
from typing import Any

ROOT = "hanyang"
TARGET_ALL = "all"
MODES = ("normal", "controlled", "lockdown", "evacuation")
ENDING = {
    *(("evacuation", mode) for mode in MODES if mode != "evacuation"),
    ("lockdown", "normal"),
    ("lockdown", "controlled"),
    ("controlled", "normal"),
}
"""Mode changes that end a restriction: only its starter may, unless the compound allows any."""
MAX_DIRECTIVE_BYTES = 1024
MAX_REASON = 200
FIELDS = frozenset({"id", "issuer", "target", "mode", "reason", "issued_at"})
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
RIGHTS = ("nothing", "own_restrictions", "any_restriction")
"""What a compound lets its district do: see the README's table of directives."""
REFUSED_NOT_ALLOWED = "mode_refused_district_not_allowed"
REFUSED_NOT_ITS_OWN = "mode_refused_district_not_its_own"
APPLIED, REFUSED, PENDING, SUPERSEDED = "applied", "refused", "pending", "superseded"
REMEMBERED = 100


class DirectiveError(ValueError):
    """A directive that is none: not JSON, too large, a wrong field or a target of another topic."""


@dataclass(frozen=True, slots=True)
class Directive:
    """A district's order that a target be in a mode."""

    id: str
    issuer: str
    target: str
    mode: str
    reason: str | None
    issued_at: datetime


def parse_directive(payload: bytes, target: str) -> Directive:
    """Read a directive published on target's topic; raise DirectiveError saying what is wrong."""
    if len(payload) > MAX_DIRECTIVE_BYTES:
        raise DirectiveError("too large")
    try:
        data = json.loads(payload.decode())
    except (UnicodeDecodeError, ValueError) as err:
        raise DirectiveError("no JSON") from err
    if not isinstance(data, dict) or not set(data) <= FIELDS:
        raise DirectiveError("not a directive object")
    for key in ("id", "issuer"):
        if not isinstance(data.get(key), str) or not IDENTIFIER.fullmatch(data[key]):
            raise DirectiveError(f"bad {key}")
    if data.get("target") != target:
        raise DirectiveError("target of another topic")
    if data.get("mode") not in MODES:
        raise DirectiveError("unknown mode")
    reason = data.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise DirectiveError("bad reason")
    issued_at = _time_with_zone(data.get("issued_at"))
    return Directive(data["id"], data["issuer"], target, data["mode"], reason, issued_at)


def _time_with_zone(value: Any) -> datetime:
    try:
        instant = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise DirectiveError("issued_at is no time with a zone")
    return instant


def refusal(old: str, new: str, *, rights: str, started_by_district: bool) -> str | None:
    """Return why the district may not switch a compound from old to new, or None (README's table)."""
    if rights == "nothing":
        return REFUSED_NOT_ALLOWED
    if (old, new) in ENDING and not started_by_district and rights != "any_restriction":
        return REFUSED_NOT_ITS_OWN
    return None


@dataclass(slots=True)
class Directives:
    """What stands for a compound's three targets, and which directive ids it has handled.

    The newest standing directive not handled yet is carried out, once, if it is newer than
    everything handled; other fresh ones are superseded. A withdrawn one is simply gone.
    """

    standing: dict[str, Directive] = field(default_factory=dict)
    handled: dict[str, datetime] = field(default_factory=dict)

    def stand(self, target: str, directive: Directive | None) -> None:
        """Record what stands for target now (None: withdrawn)."""
        if directive is None:
            self.standing.pop(target, None)
        else:
            self.standing[target] = directive

    def due(self) -> tuple[Directive | None, list[Directive]]:
        """Return the directive to carry out (or None) and the ones superseded; both count as handled."""
        fresh = [d for d in self.standing.values() if d.id not in self.handled]
        if not fresh:
            return None, []
        newest = max(fresh, key=lambda d: d.issued_at)
        if self.handled and newest.issued_at <= max(self.handled.values()):
            newest_due = None
        else:
            newest_due = newest
        for directive in fresh:
            self.handled[directive.id] = directive.issued_at
        while len(self.handled) > REMEMBERED:
            del self.handled[next(iter(self.handled))]
        return newest_due, [d for d in fresh if d is not newest_due]


@dataclass(frozen=True, slots=True)
class CompoundPlace:
    """Where a compound sits in the district: names as people write them, and their topic levels."""

    district: str
    zone: str
    zone_level: str
    name: str
    level: str

    @property
    def base(self) -> str:
        """The compound's own subtree."""
        return f"{ROOT}/{self.district}/{self.zone_level}/{self.level}"

    @property
    def unique_id(self) -> str:
        """The compound's id in discovery."""
        return f"{ROOT}_{self.district}_{self.zone_level}_{self.level}"

    @property
    def directive_topics(self) -> dict[str, str]:
        """The directive topic of each target that includes the compound, by target."""
        return {
            TARGET_ALL: f"{ROOT}/{self.district}/directive",
            self.zone_level: f"{ROOT}/{self.district}/{self.zone_level}/directive",
            f"{self.zone_level}/{self.level}": f"{self.base}/directive",
        }

    @property
    def username(self) -> str:
        """The compound's broker account."""
        return f"compound-{self.district}-{self.zone_level}-{self.level}"


COUNTS = (
    ("passes_today", "Passes today", "mdi:walk"),
    ("fever_today", "Fever screenings today", "mdi:thermometer-alert"),
    ("no_mask_today", "No-mask screenings today", "mdi:face-mask-outline"),
    ("manholes_attention", "Manholes needing attention", "mdi:manhole"),
    ("sheds_overheating", "Sheds overheating", "mdi:fire-alert"),
    ("rounds_completed_today", "Patrol rounds completed today", "mdi:shield-check"),
    ("rounds_missed_today", "Patrol rounds missed today", "mdi:shield-alert"),
    ("devices_offline", "Devices offline", "mdi:lan-disconnect"),
)


def discovery_config(place: CompoundPlace, entrances: dict[str, str]) -> dict[str, Any]:
    """Return the compound's MQTT device discovery config (entrances: key -> name)."""
    uid = place.unique_id
    components: dict[str, dict[str, Any]] = {
        "mode": {
            "p": "sensor",
            "name": "Mode",
            "uniq_id": f"{uid}_mode",
            "dev_cla": "enum",
            "options": list(MODES),
            "val_tpl": "{{ value_json.mode }}",
            "ic": "mdi:shield-home",
        },
        "patrol_overdue": {
            "p": "binary_sensor",
            "name": "Patrol overdue",
            "uniq_id": f"{uid}_patrol_overdue",
            "dev_cla": "problem",
            "val_tpl": "{{ 'ON' if value_json.patrol_overdue else 'OFF' }}",
        },
    }
    components["assessment_month"] = {
        "p": "sensor",
        "name": "Service indicators met this month",
        "uniq_id": f"{uid}_assessment_month",
        "stat_t": f"{place.base}/assessment",
        "val_tpl": "{{ value_json.month_score }}",
        "json_attr_t": f"{place.base}/assessment",
        "json_attr_tpl": "{{ value_json.month_so_far | tojson }}",
        "unit_of_meas": "%",
        "stat_cla": "measurement",
        "ic": "mdi:clipboard-check-outline",
    }
    for key, name, icon in COUNTS:
        components[key] = {
            "p": "sensor",
            "name": name,
            "uniq_id": f"{uid}_{key}",
            "stat_cla": "measurement",
            "val_tpl": f"{{{{ value_json.{key} }}}}",
            "ic": icon,
        }
    for key, name in entrances.items():
        path = f"value_json.entrances['{key}']"
        components[f"entrance_{key}"] = {
            "p": "sensor",
            "name": name,
            "uniq_id": f"{uid}_entrance_{key}",
            "val_tpl": f"{{{{ {path}.state if '{key}' in value_json.entrances else None }}}}",
            "ic": "mdi:gate",
        }
        components[f"entrance_{key}_fault"] = {
            "p": "binary_sensor",
            "name": f"{name} fault",
            "uniq_id": f"{uid}_entrance_{key}_fault",
            "dev_cla": "problem",
            "val_tpl": f"{{{{ 'ON' if {path}.fault else 'OFF' }}}}",
        }
    return {
        "dev": {
            "ids": [uid],
            "name": place.name,
            "mf": "Hanyang Compound",
            "mdl": "Compound",
            "sa": place.zone,
        },
        "o": {"name": "Hanyang Compound"},
        "avty": [
            {"t": f"{place.base}/ha", "pl_avail": "online", "pl_not_avail": "offline"},
            {"t": f"{place.base}/availability"},
        ],
        "avty_mode": "all",
        "stat_t": f"{place.base}/state",
        "qos": 1,
        "cmps": components,
    }


ZONE_NAMES = (
    "Yuehu", "Qintai", "Zhongjia", "Wulidun", "Jianqiao", "Yingwuzhou", "Zhouhu", "Sixin", "Wangjiawan",
    "Longyang", "Huangjinkou", "Jiangdi", "Yongfeng", "Hanyang Avenue", "Cuiwei", "Qingshi", "Xianzheng",
    "Guiyuan", "Meizihu", "Shengli", "Zhongshan", "Lianhua", "Dunkou", "Baishazhou", "Moshui", "Xiaojun",
    "Huangling", "Yangluo", "Dongfeng", "Xinnong", "Changfeng", "Jiuzhen", "Luoyu", "Shuiguohu", "Yangchun",
    "Guanshan", "Maying", "Wuchang Road", "Hongshan", "Taizi", "Sanyang", "Nanhu", "Pengliuyang", "Tianxin",
    "Shahu", "Minzhu", "Fuxing", "Jinghe", "Gaoxin", "Heping", "Wanke",
)  # fmt: skip
"""Zones of the simulated district (place names around Hanyang), in pinyin."""
COMPOUND_PREFIXES = (
    "Xin",
    "Hua",
    "Fu",
    "Jin",
    "Yu",
    "Ming",
    "Kang",
    "Le",
    "He",
    "Tai",
    "An",
    "Bao",
    "Chang",
    "Qing",
)
COMPOUND_SUFFIXES = (
    "yuan",
    "li",
    "cun",
    "ju",
    "fang",
    "ting",
    "wan",
    "cheng",
    "lin",
    "tai",
    "ge",
    "zhuang",
)


def slug(text: str) -> str:
    """Return a name as one topic level (lower case, words joined by _)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def district_layout(district: str, compounds: int, zones: int) -> list[CompoundPlace]:
    """Return the simulated compounds: names unique across the district, spread over zones in turn."""
    if not 0 < zones <= len(ZONE_NAMES):
        raise ValueError(f"between 1 and {len(ZONE_NAMES)} zones")
    names = [f"{p}{s}" for s in COMPOUND_SUFFIXES for p in COMPOUND_PREFIXES]
    places = []
    for index in range(compounds):
        zone = ZONE_NAMES[index % zones]
        name = names[index % len(names)]
        if index >= len(names):
            name = f"{name} {index // len(names) + 1}"
        places.append(CompoundPlace(district, zone, slug(zone), name, slug(name)))
    return places
