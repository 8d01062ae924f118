"""What a compound shows its district: a summary of its devices and the MQTT discovery config for it.

Only counts, states and the names of entrances leave the compound: never a resident's name,
number, face or temperature, nor a device's address.
"""

from __future__ import annotations

from typing import Any

from homeassistant.util import dt as dt_util

from .bthome_sensor import BTHomeSensorDevice
from .compound import Compound
from .const import MANUFACTURER, BTHomeRole
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
