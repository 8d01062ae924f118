"""What a compound shows its district: a summary of its devices, its assessment and the MQTT discovery config.

Only counts, states, indicators and the names of entrances leave the compound: never a
resident's name, number, face or temperature, nor a device's address.
"""

from __future__ import annotations

import math
from typing import Any

from homeassistant.util import dt as dt_util

from .assessment import Figure, counted, day_standards, met_on, month_figures
from .assessment_store import assessed_indicators
from .bthome_sensor import BTHomeSensorDevice
from .compound import Compound
from .const import CONF_PROPERTY_COMPANY, CONF_SERVICE_TIER, MANUFACTURER, BTHomeRole
from .district_protocol import CompoundTopics
from .gate import BarrierGate
from .interfaces import DeviceWithAvailability
from .modes import CompoundMode
from .patrol_rounds import RoundResult, RouteStatus
from .patrol_route import PatrolRouteDevice
from .terminal import AccessTerminal

OFFLINE = "offline"

_COUNTS = {
    "passes_today": ("Passes today", "mdi:walk"),
    "fever_today": ("Fever screenings today", "mdi:thermometer-alert"),
    "no_mask_today": ("No-mask screenings today", "mdi:face-mask-outline"),
    "manholes_attention": ("Manholes needing attention", "mdi:manhole"),
    "sheds_overheating": ("Sheds overheating", "mdi:fire-alert"),
    "rounds_completed_today": ("Patrol rounds completed today", "mdi:shield-check"),
    "rounds_missed_today": ("Patrol rounds missed today", "mdi:shield-alert"),
    "devices_offline": ("Devices offline", "mdi:lan-disconnect"),
}
"""The summary's counts: key, the district entity's name and icon."""


def _entrances(compound: Compound) -> dict[str, dict[str, Any]]:
    entrances: dict[str, dict[str, Any]] = {}
    for subentry_id, device in compound.devices.items():
        if isinstance(device, BarrierGate):
            state = str(device.machine.state) if device.available else OFFLINE
            entrances[subentry_id] = {
                "name": device.entrance_name,
                "state": state,
                "fault": device.machine.fault is not None,
            }
        elif isinstance(device, AccessTerminal):
            policy = str(compound.entrance_policy(device))
            entrances[subentry_id] = {
                "name": device.entrance_name,
                "state": policy if device.available else OFFLINE,
                "fault": not device.available,
            }
    return entrances


def compound_state(compound: Compound) -> dict[str, Any]:
    """Return the summary the compound publishes: its mode, entrances and counts, as JSON data."""
    terminals = compound.devices.of_kind(AccessTerminal)
    sensors = compound.devices.of_kind(BTHomeSensorDevice)
    routes = compound.devices.of_kind(PatrolRouteDevice)
    now = dt_util.utcnow()
    entrances = _entrances(compound)
    return {
        "name": compound.name,
        "zone": compound.summary.zone,
        "mode": str(compound.mode),
        "entrances": {
            key: {"state": entrance["state"], "fault": entrance["fault"]}
            for key, entrance in entrances.items()
        },
        "passes_today": sum(terminal.counts.passes for terminal in terminals),
        "fever_today": sum(terminal.counts.fever for terminal in terminals),
        "no_mask_today": sum(terminal.counts.no_mask for terminal in terminals),
        "manholes_attention": sum(
            1 for s in sensors if s.role is BTHomeRole.MANHOLE and s.attention_reasons
        ),
        "sheds_overheating": sum(
            1 for s in sensors if s.role is BTHomeRole.SHED_THERMOMETER and s.overheating
        ),
        "rounds_completed_today": sum(
            r.route.count_today(RoundResult.COMPLETED, now) for r in routes
        ),
        "rounds_missed_today": sum(r.route.count_today(RoundResult.MISSED, now) for r in routes),
        "patrol_overdue": any(r.route.status is RouteStatus.OVERDUE for r in routes),
        "devices_offline": sum(
            1
            for device in compound.devices.values()
            if isinstance(device, DeviceWithAvailability) and not device.available
        ),
    }


def compound_assessment(compound: Compound) -> dict[str, Any] | None:
    """Return the assessment the compound publishes: today's and this month's indicators so far.

    Only the indicators its devices let it measure (as its sensors show), each with its value,
    standard, whether it is met and on how many of the counted days; none of the report's details
    (which round, which entrance, when). None before the assessment runs.
    """
    source = compound.assessment
    if source is None:
        return None
    indicators = assessed_indicators(compound.entry)
    standards = source.standards
    today_figures = {figure.indicator: figure for figure in source.today()}
    days = source.days()
    now = dt_util.now()
    month = f"{now:%Y-%m}"
    kept = [days[key] for key in sorted(days) if key.startswith(month) and counted(days[key])]
    month_by_indicator = {figure.indicator: figure for figure in month_figures(kept, standards)}
    today_counted = int(counted(days.get(f"{now:%Y-%m-%d}", {})))
    month_so_far: dict[str, dict[str, Any]] = {}
    for indicator in indicators:
        days_met = sum(
            met_on(indicator, day, day_standards(day, standards)[indicator]) for day in kept
        )
        month_so_far[indicator] = _figure(month_by_indicator[indicator], days_met, len(kept))
    figures = month_so_far.values()
    met_days = sum(figure["days_met"] for figure in figures)
    counted_days = sum(figure["days_counted"] for figure in figures)
    return {
        "property_company": compound.entry.options.get(CONF_PROPERTY_COMPANY),
        "service_tier": compound.entry.data[CONF_SERVICE_TIER],
        "month": month,
        "day": f"{now:%Y-%m-%d}",
        "month_score": round(100 * met_days / counted_days, 1) if counted_days else None,
        "today": {
            indicator: _figure(
                today_figures[indicator],
                int(today_figures[indicator].met) * today_counted,
                today_counted,
            )
            for indicator in indicators
        },
        "month_so_far": month_so_far,
    }


def _figure(figure: Figure, days_met: int, days_counted: int) -> dict[str, Any]:
    value = None if math.isnan(figure.value) else figure.value
    return {
        "value": value,
        "standard": figure.standard,
        "met": figure.met,
        "days_met": days_met,
        "days_counted": days_counted,
    }


def discovery_config(
    compound: Compound, topics: CompoundTopics, ha_status: tuple[str, str, str]
) -> dict[str, Any]:
    """Return the device discovery config that shows the compound in any Home Assistant on the broker.

    ha_status is the compound Home Assistant's own will topic with its online and offline
    payloads: with availability_mode all, the district tells "Home Assistant gone" (its will)
    from "compound stopped" (the compound's own topic) and shows both as unavailable.
    """
    uid = topics.unique_id
    components: dict[str, dict[str, Any]] = {
        "mode": {
            "p": "sensor",
            "name": "Mode",
            "uniq_id": f"{uid}_mode",
            "dev_cla": "enum",
            "options": [str(mode) for mode in CompoundMode],
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
        "stat_t": topics.assessment,
        "val_tpl": "{{ value_json.month_score }}",
        "json_attr_t": topics.assessment,
        "json_attr_tpl": "{{ value_json.month_so_far | tojson }}",
        "unit_of_meas": "%",
        "stat_cla": "measurement",
        "ic": "mdi:clipboard-check-outline",
    }
    for key, (name, icon) in _COUNTS.items():
        components[key] = {
            "p": "sensor",
            "name": name,
            "uniq_id": f"{uid}_{key}",
            "stat_cla": "measurement",
            "val_tpl": f"{{{{ value_json.{key} }}}}",
            "ic": icon,
        }
    for key, entrance in _entrances(compound).items():
        path = f"value_json.entrances['{key}']"
        components[f"entrance_{key}"] = {
            "p": "sensor",
            "name": entrance["name"],
            "uniq_id": f"{uid}_entrance_{key}",
            "val_tpl": f"{{{{ {path}.state if '{key}' in value_json.entrances else None }}}}",
            "ic": "mdi:gate",
        }
        components[f"entrance_{key}_fault"] = {
            "p": "binary_sensor",
            "name": f"{entrance['name']} fault",
            "uniq_id": f"{uid}_entrance_{key}_fault",
            "dev_cla": "problem",
            "val_tpl": f"{{{{ 'ON' if {path}.fault else 'OFF' }}}}",
        }
    will_topic, online, offline = ha_status
    return {
        "dev": {
            "ids": [uid],
            "name": compound.name,
            "mf": MANUFACTURER,
            "mdl": "Compound",
            "sa": compound.summary.zone,
        },
        "o": {"name": MANUFACTURER},
        "avty": [
            {"t": will_topic, "pl_avail": online, "pl_not_avail": offline},
            {"t": topics.availability},
        ],
        "avty_mode": "all",
        "stat_t": topics.state,
        "qos": 1,
        "cmps": components,
    }
