"""Benchmark: a district of 161 compounds on one broker and one district Home Assistant.

The broker is Mosquitto from the shipped template (accounts, ACL, persistence) on a free
127.0.0.1 port. The district's Home Assistant is a real process (the demo's integrations,
recorder included, logging at warning) with the mqtt integration on the office's account and
discovery on. The 161 compounds (51 zones) are the simulator's district_compounds, each on its
own connection and account, in this process: they speak the README's topic layout, as a linked
compound does. Measured:
- discovery: from the compounds connecting until the district's device registry has all 161;
- the district Home Assistant's steady CPU (% of one core) while the compounds publish their
  summaries (about half of them every 5 s);
- a zone lockdown: from the district office publishing it until every compound of the zone has
  reported applied, as the office's MQTT client sees the results (p50 / p99 over repeats); also
  until the district Home Assistant shows every compound of the zone in lockdown;
- a broker restart right after a zone lockdown is published: every compound's state back (at
  the office and in the district Home Assistant), the directive carried out by each compound of
  the zone exactly once.
Prints a table, then as its last line one JSON object.
Usage: .venv/bin/python bench/district.py [--repeat 20] [--cpu-seconds 30] [--compounds 161]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from datetime import UTC, datetime
import getpass
import json
from pathlib import Path
import shutil
import statistics
import sys
import tempfile
import threading
import time
from typing import Any

import aiohttp
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
import psutil  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broker.accounts import DistrictAccounts, acl_file, write_password_file  # noqa: E402
from broker.config import ACL_FILE, PASSWORD_FILE, render_config, write_config  # noqa: E402
from broker.process import Mosquitto, free_port  # noqa: E402
from scripts.demo_client import HomeAssistantClient  # noqa: E402
from scripts.demo_config import write_configuration  # noqa: E402
from scripts.demo_district import async_add_mqtt  # noqa: E402
from scripts.demo_provision import async_onboarded  # noqa: E402
from scripts.supervise import start_home_assistant, stop_process  # noqa: E402
from simulator.devices.district_compounds import DistrictCompounds  # noqa: E402
from simulator.district_protocol import CompoundPlace, district_layout  # noqa: E402

DISTRICT = "hanyang"
COMPOUNDS = 161
ZONES = 51
HOST = "127.0.0.1"
OFFICE = "district-hanyang-office"
TIMEOUT = 300.0


class Office:
    """The district office's MQTT client: publishes directives, notes when results and states arrive."""

    def __init__(self, port: int, password: str) -> None:
        """Connect as the office and follow everything of the district (again after reconnecting)."""
        self.lock = threading.Lock()
        self.results: dict[tuple[str, str], str] = {}
        """(compound base, directive id) -> last result."""
        self.result_times: dict[tuple[str, str], float] = {}
        self.states: dict[str, dict[str, Any]] = {}
        self.state_messages = 0
        self.changed = threading.Condition(self.lock)
        self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-office")
        self._client.username_pw_set(OFFICE, password)
        self._client.on_connect = lambda c, *_: c.subscribe(f"hanyang/{DISTRICT}/#", qos=1)
        self._client.on_message = self._on_message
        self._client.reconnect_delay_set(1, 2)
        self._client.connect(HOST, port)
        self._client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: paho.MQTTMessage) -> None:
        base, _, leaf = message.topic.rpartition("/")
        if not message.payload or leaf not in ("result", "state"):
            return
        data = json.loads(message.payload)
        with self.changed:
            if leaf == "result":
                self.results[(base, data["id"])] = data["result"]
                if data["result"] == "applied":
                    self.result_times.setdefault((base, data["id"]), time.monotonic())
            else:
                self.states[base] = data
                self.state_messages += 1
            self.changed.notify_all()

    def publish(self, topic: str, payload: str) -> None:
        """Publish retained at QoS 1."""
        self._client.publish(topic, payload, qos=1, retain=True)

    def wait(self, check: Any, within: float = TIMEOUT) -> None:
        """Block until check() holds (checked under the lock at every message)."""
        with self.changed:
            if not self.changed.wait_for(check, within):
                raise TimeoutError("the district did not see it in time")

    def close(self) -> None:
        """Disconnect."""
        self._client.loop_stop()
        self._client.disconnect()


def directive(directive_id: str, target: str, mode: str) -> str:
    """Return a directive issued now."""
    return json.dumps(
        {
            "id": directive_id,
            "issuer": "district-office",
            "target": target,
            "mode": mode,
            "reason": "Benchmark",
            "issued_at": datetime.now(UTC).isoformat(),
        }
    )


async def async_district_devices(client: HomeAssistantClient) -> int:
    """Return how many compounds the district's device registry holds."""
    devices = await client.async_websocket({"type": "config/device_registry/list"})
    return sum(
        1
        for device in devices
        if any(
            ident[0] == "mqtt" and ident[1].startswith("hanyang_")
            for ident in device["identifiers"]
        )
    )


async def async_modes(client: HomeAssistantClient) -> dict[str, str]:
    """Return the district Home Assistant's mode sensor of each compound (by entity id)."""
    return {
        state["entity_id"]: state["state"]
        for state in await client.async_get("/api/states")
        if state["entity_id"].startswith("sensor.") and state["entity_id"].endswith("_mode")
    }


async def async_poll(check: Any, within: float = TIMEOUT, every: float = 0.1) -> float:
    """Await check() (a coroutine function) until true; return the seconds it took."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > within:
            raise TimeoutError("not in time")
        await asyncio.sleep(every)
    return time.monotonic() - start


async def async_cpu(processes: list[psutil.Process], seconds: float) -> list[float]:
    """Return each process's CPU (% of one core): the median of three windows over seconds."""
    windows: list[list[float]] = [[] for _ in processes]
    for _ in range(3):
        for process in processes:
            process.cpu_percent(None)
        await asyncio.sleep(seconds / 3)
        for measured, process in zip(windows, processes, strict=True):
            measured.append(process.cpu_percent(None))
    return [float(statistics.median(measured)) for measured in windows]


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def start_broker(directory: Path, places: list[CompoundPlace]) -> tuple[Mosquitto, dict[str, str]]:
    """Start the shipped configuration with the district's accounts on a free port."""
    accounts = DistrictAccounts(
        DISTRICT, ("office",), tuple((place.zone_level, place.level) for place in places)
    )
    passwords = write_password_file(directory / PASSWORD_FILE, accounts.usernames)
    (directory / ACL_FILE).write_text(acl_file([accounts]), encoding="utf-8")
    port = free_port()
    config = render_config(directory, port=port, user=getpass.getuser())
    broker = Mosquitto(write_config(directory, config), port)
    broker.start()
    return broker, passwords


async def async_zone_lockdowns(
    office: Office, places: list[CompoundPlace], client: HomeAssistantClient, repeat: int
) -> tuple[list[float], list[float]]:
    """Lock zones down one after another; return the seconds until applied (MQTT) and shown (district)."""
    zones = sorted({place.zone_level for place in places})
    applied, shown = [], []
    for number in range(repeat):
        zone = zones[number % len(zones)]
        members = [place for place in places if place.zone_level == zone]
        seconds_applied, seconds_shown = await async_zone_round(office, client, members, number)
        applied.append(seconds_applied)
        shown.append(seconds_shown)
    return applied, shown


async def async_zone_round(
    office: Office, client: HomeAssistantClient, members: list[CompoundPlace], number: int
) -> tuple[float, float]:
    """Lock one zone down and back; return the seconds until applied (MQTT) and shown (district)."""
    zone = members[0].zone_level
    bases = [place.base for place in members]
    topic = f"hanyang/{DISTRICT}/{zone}/directive"
    directive_id = f"zone-{number}"
    sent = time.monotonic()
    office.publish(topic, directive(directive_id, zone, "lockdown"))
    await asyncio.to_thread(
        office.wait, lambda: all((base, directive_id) in office.result_times for base in bases)
    )
    applied = max(office.result_times[(base, directive_id)] for base in bases) - sent
    mode_ids = {f"sensor.{place.level}_mode" for place in members}

    async def district_shows() -> bool:
        modes = await async_modes(client)
        return all(modes.get(entity_id) == "lockdown" for entity_id in mode_ids)

    await async_poll(district_shows, every=0.05)
    shown = time.monotonic() - sent
    # Back to normal, so each round starts from the same place.
    office.publish(topic, directive(f"{directive_id}-end", zone, "normal"))
    await asyncio.to_thread(
        office.wait,
        lambda: all(
            office.results.get((base, f"{directive_id}-end")) == "applied" for base in bases
        ),
    )
    return applied, shown


async def async_run(args: argparse.Namespace) -> dict[str, Any]:  # noqa: PLR0915 - one scenario, in order
    """Run the scenario and return the figures."""
    workdir = Path(tempfile.mkdtemp(prefix="hanyang-district-bench-"))
    compounds: int = args.compounds
    places = district_layout(DISTRICT, compounds, ZONES)
    broker, passwords = start_broker(workdir, places)
    credentials = workdir / "credentials.json"
    credentials.write_text(json.dumps(passwords), encoding="utf-8")
    ha_port = free_port()
    config = workdir / "config"
    write_configuration(
        config, language="en", host=HOST, port=ha_port, ble_proxy_url=None, name="District"
    )
    process = start_home_assistant(config, workdir / "hass.log")
    office = Office(broker.port, passwords[OFFICE])
    simulated = DistrictCompounds(
        "district",
        {
            "broker": f"{HOST}:{broker.port}",
            "compounds": compounds,
            "zones": ZONES,
            "credentials": str(credentials),
        },
    )
    figures: dict[str, Any] = {"compounds": compounds, "zones": ZONES}
    try:
        async with aiohttp.ClientSession() as session:
            client = HomeAssistantClient(
                session, f"http://{HOST}:{ha_port}", str(workdir / "hass.log")
            )
            await client.async_wait_until_up(process)
            async with async_onboarded(client, "en"):
                await async_add_mqtt(client, (OFFICE, passwords[OFFICE]), None, broker.port)
            ha = psutil.Process(process.pid)
            await asyncio.sleep(args.settle_seconds)
            (figures["idle_cpu_percent"],) = await async_cpu([ha], args.cpu_seconds)

            await simulated.async_start()

            async def all_discovered() -> bool:
                return await async_district_devices(client) >= compounds

            figures["discovery_s"] = await async_poll(all_discovered, every=0.25)

            async def all_available() -> bool:
                modes = await async_modes(client)
                return sum(1 for state in modes.values() if state == "normal") >= compounds

            figures["all_available_s"] = figures["discovery_s"] + await async_poll(all_available)
            await asyncio.sleep(args.settle_seconds)
            counted, started = office.state_messages, time.monotonic()
            # This process runs the simulated compounds (and the office's client).
            (
                figures["district_cpu_percent"],
                figures["simulated_compounds_cpu_percent"],
            ) = await async_cpu([ha, psutil.Process()], args.cpu_seconds)
            figures["summaries_per_second"] = (office.state_messages - counted) / (
                time.monotonic() - started
            )

            applied, shown = await async_zone_lockdowns(office, places, client, args.repeat)
            figures["zone_lockdown_applied_p50_s"] = statistics.median(applied)
            figures["zone_lockdown_applied_p99_s"] = percentile(applied, 0.99)
            figures["zone_lockdown_shown_p50_s"] = statistics.median(shown)
            figures["zone_lockdown_shown_p99_s"] = percentile(shown, 0.99)

            # A zone lockdown, and the broker restarting right after it was published.
            zone = places[0].zone_level
            members = [place.base for place in places if place.zone_level == zone]
            office.publish(
                f"hanyang/{DISTRICT}/{zone}/directive", directive("restart-1", zone, "lockdown")
            )
            await asyncio.sleep(0.02)
            with office.changed:
                office.states.clear()
            restarted = time.monotonic()
            broker.stop()
            broker.start()
            await asyncio.to_thread(office.wait, lambda: len(office.states) >= compounds)
            figures["restart_states_back_at_office_s"] = time.monotonic() - restarted
            await asyncio.to_thread(
                office.wait,
                lambda: all(
                    office.states.get(base, {}).get("mode") == "lockdown" for base in members
                ),
            )
            figures["restart_zone_locked_s"] = time.monotonic() - restarted

            async def district_back() -> bool:
                modes = await async_modes(client)
                return (
                    sum(1 for state in modes.values() if state in ("normal", "lockdown"))
                    >= compounds
                )

            await async_poll(district_back)
            figures["restart_district_back_s"] = time.monotonic() - restarted
            status = simulated.status()
            zone_compounds = [c for c in simulated.compounds.values() if c.place.base in members]
            figures["restart_directive_applied"] = sum(
                c.applied["restart-1"] == 1 for c in zone_compounds
            )
            figures["restart_zone_compounds"] = len(zone_compounds)
            figures["applied_twice"] = status["applied_twice"]
            figures["lost"] = len(zone_compounds) - figures["restart_directive_applied"]
    finally:
        await simulated.async_stop()
        office.close()
        stop_process(process, "the district's Home Assistant")
        broker.stop()
        with contextlib.suppress(OSError):
            shutil.rmtree(workdir)
    return figures


def main() -> None:
    """Run the benchmark and print the table and the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="zone lockdowns measured")
    parser.add_argument(
        "--compounds", type=int, default=COMPOUNDS, help="more, to see how the district scales"
    )
    parser.add_argument("--cpu-seconds", type=float, default=30.0, help="CPU measured over")
    parser.add_argument(
        "--settle-seconds", type=float, default=30.0, help="wait before measuring CPU"
    )
    args = parser.parse_args()
    figures = asyncio.run(async_run(args))
    rows = [
        ("compounds / zones", f"{figures['compounds']} / {ZONES}", ""),
        ("every compound discovered (device registry)", f"{figures['discovery_s']:.1f} s", ""),
        ("every compound shown available", f"{figures['all_available_s']:.1f} s", ""),
        (
            "district Home Assistant, CPU before the compounds",
            f"{figures['idle_cpu_percent']:.1f} % of a core",
            "",
        ),
        (
            "simulated compounds (this process), steady CPU",
            f"{figures['simulated_compounds_cpu_percent']:.1f} % of a core",
            "",
        ),
        ("summaries published (steady)", f"{figures['summaries_per_second']:.1f} /s", ""),
        (
            "district Home Assistant, steady CPU",
            f"{figures['district_cpu_percent']:.1f} % of a core",
            "≤ 10 %",
        ),
        (
            "zone lockdown → all applied, p50",
            f"{figures['zone_lockdown_applied_p50_s'] * 1000:.0f} ms",
            "",
        ),
        (
            "zone lockdown → all applied, p99",
            f"{figures['zone_lockdown_applied_p99_s'] * 1000:.0f} ms",
            "≤ 1 s",
        ),
        (
            "zone lockdown → district shows it, p50",
            f"{figures['zone_lockdown_shown_p50_s'] * 1000:.0f} ms",
            "",
        ),
        (
            "zone lockdown → district shows it, p99",
            f"{figures['zone_lockdown_shown_p99_s'] * 1000:.0f} ms",
            "",
        ),
        (
            "broker restart: every state back at the office",
            f"{figures['restart_states_back_at_office_s']:.1f} s",
            "",
        ),
        (
            "broker restart: every compound back in the district",
            f"{figures['restart_district_back_s']:.1f} s",
            "",
        ),
        (
            "broker restart: zone directive applied once",
            f"{figures['restart_directive_applied']} / {figures['restart_zone_compounds']}",
            "all",
        ),
        (
            "directives lost / applied twice",
            f"{figures['lost']} / {len(figures['applied_twice'])}",
            "0 / 0",
        ),
    ]
    width = max(len(row[0]) for row in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>18}  {target}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
