"""Simulated compounds of a district, each on its own MQTT connection and account, as linked compounds behave.

Each publishes, retained at QoS 1 under hanyang/<district>/<zone>/<compound>/, its Home
Assistant's birth (will: offline), its availability, its summary and a device discovery config,
and carries out the district's directives for it, its zone and all: once by id, only the newest
standing one, with the district rights of the README's table, reporting pending / applied /
refused / superseded. Settings: broker (host:port), district, compounds, zones, credentials
(a JSON file of user name -> password; none: anonymous), rights, state_interval (s), seed,
discovery_prefix.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
import json
import logging
from pathlib import Path
import random
from typing import Any

from simulator.district_protocol import (
    APPLIED,
    MODES,
    PENDING,
    REFUSED,
    RIGHTS,
    SUPERSEDED,
    CompoundPlace,
    Directive,
    DirectiveError,
    Directives,
    discovery_config,
    district_layout,
    parse_directive,
    refusal,
)
from simulator.kinds import CommandError, register_kind
from simulator.mqtt_client import LoopClient

LOGGER = logging.getLogger(__name__)
SETTLE_SECONDS = 0.2
"""A compound's retained directives arrive in one burst on connecting: decide once all are in."""
ENTRANCES = {"gate1": "North gate", "gate2": "South gate"}
PROPERTY_COMPANIES = ("正阳物业", "汉阳城市服务")
"""The district's two property companies; each simulated compound is run by one of them."""
INDICATOR_STANDARDS = {"patrol_rounds": 4.0, "entrance_availability": 98.0}
"""What a simulated compound is assessed on, each with its standard (more is better for both)."""
BUSY_SHARE = 0.5
"""The share of compounds whose counts move in a state interval (residents passing)."""


class SimulatedCompound:
    """One linked compound: its mode, counts and the directives it has handled."""

    def __init__(
        self,
        place: CompoundPlace,
        *,
        credentials: tuple[str, str] | None,
        rights: str,
        discovery_prefix: str,
        rng: random.Random,
    ) -> None:
        """Prepare the compound in normal mode; it connects on start."""
        self.place = place
        self.rights = rights
        self.mode = "normal"
        self.started_by_district = False
        self.directives = Directives()
        self.applied: Counter[str] = Counter()
        """How often each directive id was carried out (never more than once)."""
        self.results: dict[str, str] = {}
        """The last result reported per directive id."""
        self.counts = {
            "passes_today": rng.randint(50, 900),
            "fever_today": rng.randint(0, 2),
            "no_mask_today": rng.randint(0, 15),
            "manholes_attention": 0,
            "sheds_overheating": 0,
            "rounds_completed_today": rng.randint(0, 4),
            "rounds_missed_today": 0,
            "devices_offline": 0,
        }
        self._rng = rng
        self.property_company = rng.choice(PROPERTY_COMPANIES)
        today = datetime.now(UTC).day
        self._missed_days = {
            indicator: min(today, rng.choice((0, 0, 1, 2))) for indicator in INDICATOR_STANDARDS
        }
        self._discovery_topic = f"{discovery_prefix}/device/{place.unique_id}/config"
        self._targets = {topic: target for target, topic in place.directive_topics.items()}
        self._settle: asyncio.TimerHandle | None = None
        self.client = LoopClient(
            place.username,
            credentials=credentials,
            will=(f"{place.base}/ha", "offline"),
            on_connected=self._on_connected,
            on_message=self._on_message,
        )

    def state(self) -> dict[str, Any]:
        """Return the summary the compound publishes."""
        gates = "open" if self.mode == "evacuation" else "closed"
        return {
            "mode": self.mode,
            "entrances": {key: {"state": gates, "fault": False} for key in ENTRANCES},
            **self.counts,
            "patrol_overdue": False,
        }

    def assessment(self, now: datetime) -> dict[str, Any]:
        """Return the assessment the compound publishes: this month's figures so far, made up."""
        days = now.day
        month_so_far: dict[str, dict[str, Any]] = {}
        for indicator, standard in INDICATOR_STANDARDS.items():
            days_met = days - self._missed_days.get(indicator, 0)
            month_so_far[indicator] = {
                "value": standard if days_met == days else standard / 2,
                "standard": standard,
                "met": days_met == days,
                "days_met": days_met,
                "days_counted": days,
            }
        met = sum(figure["days_met"] for figure in month_so_far.values())
        return {
            "property_company": self.property_company,
            "service_tier": "standard",
            "month": f"{now:%Y-%m}",
            "day": f"{now:%Y-%m-%d}",
            "month_score": round(100 * met / (days * len(month_so_far)), 1),
            "today": {},
            "month_so_far": month_so_far,
        }

    def tick(self) -> None:
        """Let residents pass (sometimes), and publish the summary when it changed."""
        if self._rng.random() < BUSY_SHARE:
            self.counts["passes_today"] += self._rng.randint(1, 12)
            self.publish_state()

    def publish_state(self) -> None:
        """Publish the summary."""
        self.client.publish(f"{self.place.base}/state", json.dumps(self.state()))

    def set_mode(self, mode: str, *, by_district: bool) -> None:
        """Switch mode, remembering who started it, and publish at once."""
        self.mode = mode
        self.started_by_district = by_district
        self.publish_state()

    async def stop(self) -> None:
        """Say the compound is offline, decide nothing more, and disconnect."""
        if self._settle:
            self._settle.cancel()
            self._settle = None
        self.client.publish(f"{self.place.base}/availability", "offline")
        await self.client.stop()

    def _on_connected(self) -> None:
        # Published in full on every connection: a restarted broker may have forgotten them.
        base = self.place.base
        self.client.subscribe(list(self._targets))
        self.client.publish(f"{base}/ha", "online")
        self.client.publish(f"{base}/availability", "online")
        self.client.publish(
            self._discovery_topic, json.dumps(discovery_config(self.place, ENTRANCES))
        )
        self.publish_state()
        self.client.publish(f"{base}/assessment", json.dumps(self.assessment(datetime.now(UTC))))

    def _on_message(self, topic: str, payload: bytes) -> None:
        target = self._targets.get(topic)
        if target is None:
            return
        if not payload:
            self.directives.stand(target, None)
            return
        try:
            directive = parse_directive(payload, target)
        except DirectiveError as err:
            LOGGER.warning("%s dropped a directive on %s: %s", self.place.name, topic, err)
            return
        self.directives.stand(target, directive)
        if self._settle:
            self._settle.cancel()
        self._settle = asyncio.get_running_loop().call_later(SETTLE_SECONDS, self._carry_out)

    def _carry_out(self) -> None:
        self._settle = None
        due, superseded = self.directives.due()
        for directive in superseded:
            self._report(directive, SUPERSEDED)
        if due is None:
            return
        self._report(due, PENDING)
        why = refusal(
            self.mode, due.mode, rights=self.rights, started_by_district=self.started_by_district
        )
        if why:
            self._report(due, REFUSED, why)
            return
        self.applied[due.id] += 1
        self.set_mode(due.mode, by_district=True)
        self._report(due, APPLIED)

    def _report(self, directive: Directive, result: str, why: str | None = None) -> None:
        self.results[directive.id] = result
        report = {
            "id": directive.id,
            "issuer": directive.issuer,
            "result": result,
            "refusal": why,
            "mode": self.mode,
            "at": datetime.now(UTC).isoformat(),
        }
        self.client.publish(f"{self.place.base}/result", json.dumps(report))


class DistrictCompounds:
    """Many simulated compounds of one district on one broker (the simulator's district_compounds kind)."""

    kind = "district_compounds"

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        """Lay the compounds out over the zones; nothing connects before async_start."""
        self.device_id = device_id
        host, _, port = str(settings.get("broker", "127.0.0.1:1883")).rpartition(":")
        self._broker = (host or "127.0.0.1", int(port))
        rights = str(settings.get("rights", "own_restrictions"))
        if rights not in RIGHTS:
            raise CommandError(f"{device_id}: rights must be one of {', '.join(RIGHTS)}")
        self._interval = float(settings.get("state_interval", 5))
        passwords = {}
        if settings.get("credentials"):
            passwords = json.loads(Path(settings["credentials"]).read_text(encoding="utf-8"))
        rng = random.Random(settings.get("seed", 1))
        places = district_layout(
            str(settings.get("district", "hanyang")),
            int(settings.get("compounds", 160)),
            int(settings.get("zones", 50)),
        )
        self.compounds = {
            f"{place.zone_level}/{place.level}": SimulatedCompound(
                place,
                credentials=(place.username, passwords[place.username])
                if place.username in passwords
                else None,
                rights=rights,
                discovery_prefix=str(settings.get("discovery_prefix", "homeassistant")),
                rng=rng,
            )
            for place in places
        }
        self._ticker: asyncio.Task[None] | None = None

    async def async_start(self) -> None:
        """Connect every compound (each keeps reconnecting by itself) and start their counts moving."""
        for compound in self.compounds.values():
            compound.client.start(*self._broker)
        self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def async_stop(self) -> None:
        """Say every compound offline and disconnect."""
        if self._ticker:
            self._ticker.cancel()
            self._ticker = None
        for compound in self.compounds.values():
            await compound.stop()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            for compound in self.compounds.values():
                compound.tick()

    def status(self) -> dict[str, Any]:
        """Return how many compounds are connected, their modes, and the results they reported."""
        compounds = self.compounds.values()
        return {
            "broker": f"{self._broker[0]}:{self._broker[1]}",
            "compounds": len(self.compounds),
            "connected": sum(1 for c in compounds if c.client.connected),
            "refused_by_broker": sum(1 for c in compounds if c.client.refused),
            "modes": dict(Counter(c.mode for c in compounds)),
            "results": dict(Counter(r for c in compounds for r in c.results.values())),
            "applied_twice": sorted(
                {d for c in compounds for d, times in c.applied.items() if times > 1}
            ),
        }

    async def async_command(self, command: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Run a control command on one compound (argument compound: <zone>/<compound>).

        drop: its Home Assistant is gone (the connection drops, the broker sends its will);
        restore: it comes back; set_mode (mode): the compound changes its own mode; show: its state.
        """
        key = str(arguments.get("compound", ""))
        if key not in self.compounds:
            raise CommandError(f"no compound {key!r} (give compound: <zone>/<compound>)")
        compound = self.compounds[key]
        if command == "drop":
            await compound.client.stop(gracefully=False)
        elif command == "restore":
            compound.client.start(*self._broker)
        elif command == "set_mode":
            if arguments.get("mode") not in MODES:
                raise CommandError(f"mode must be one of {', '.join(MODES)}")
            compound.set_mode(str(arguments["mode"]), by_district=False)
        elif command != "show":
            raise CommandError(f"district compounds cannot {command}")
        return {
            **compound.state(),
            "connected": compound.client.connected,
            "started_by_district": compound.started_by_district,
            "results": compound.results,
        }


register_kind(DistrictCompounds.kind)(DistrictCompounds)
