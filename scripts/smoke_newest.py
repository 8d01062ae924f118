"""Smoke check on a Home Assistant release outside the test harness: the demo compound loads, with every device kind, and a lockdown goes through.

Started by scripts/smoke-newest (which installs the release into .venv-newest) as
`python -m scripts.smoke_newest`. It starts the simulator and Home Assistant on free ports with
the demo's configuration in a temporary folder, sets the demo up as scripts/develop does, prints
one PASS/FAIL line per check and stops both processes, also on Ctrl-C or a failure.
Exit codes: 0 all checks passed, 1 a check failed, 75 the requirements could not be installed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
import contextlib
from dataclasses import dataclass, field
from functools import partial
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import tempfile
from typing import Any, Final

import aiohttp
import yaml

from broker.process import free_port
from scripts.demo_client import DemoError, HomeAssistantClient, async_wait_for, say
from scripts.demo_config import (
    INTEGRATIONS,
    ROOT,
    install_requirements,
    on_ports,
    write_configuration,
)
from scripts.demo_phone import async_run_phone
from scripts.demo_provision import (
    BLUETOOTH_SUBENTRY_TYPES,
    DOMAIN,
    async_bluetooth_loaded,
    async_set_up_demo,
)
from scripts.supervise import (
    DEMO,
    HOST,
    port_in_use,
    start_process,
    start_simulator,
    stop_process,
)

EXIT_FAILED = 1
EXIT_NOT_INSTALLED = 75  # EX_TEMPFAIL: the registry, not the integration
DEVICE_KINDS = (
    "io_module",
    "barrier_gate",
    "shed_light",
    "shed_socket",
    "access_terminal",
    "patrol_route",
    "bthome_sensor",
)
SIMULATOR_REQUIREMENTS: Final = tuple(
    line.strip()
    for line in (ROOT / "requirements" / "simulator.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)
"""The simulated devices' own requirements, which the release's environment may not have."""
UNRESOLVABLE = "No solution found when resolving dependencies"
"""uv's words for requirements that conflict (with the release's constraints), not for a registry it cannot reach."""
SETTLE_SECONDS = 60.0
"""The short wait for every entity to have a state, and for a lockdown to show."""
CLOSED_GATE = "North gate"
"""A demo gate not kept open in a lockdown."""
LOGGER = f"custom_components.{DOMAIN}"
ERROR_LINE = re.compile(rf"^\S+ \S+ ERROR \(.*{DOMAIN}")
"""Errors of the integration's loggers, and those Home Assistant logs about it (a failed setup)."""
DEPRECATION_LINE = re.compile(r"deprecat|stop working in", re.IGNORECASE)


VERDICTS: Final = {True: "PASS", False: "FAIL", None: "SKIP"}


@dataclass
class Report:
    """The checks' results, one line each."""

    lines: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, check: str, detail: str = "", *, passed: bool | None) -> None:
        """Record a check: passed, failed, or skipped (None)."""
        verdict = VERDICTS[passed]
        self.lines.append((verdict, check, detail))

    @property
    def failed(self) -> bool:
        """Whether any check failed."""
        return any(verdict == "FAIL" for verdict, _, _ in self.lines)

    def print(self, version: str) -> None:
        """Print the summary, one line per check, and the verdict."""
        print(f"\nSmoke check on Home Assistant {version}:", flush=True)
        for verdict, check, detail in self.lines:
            print(f"  {verdict}  {check}{f': {detail}' if detail else ''}", flush=True)
        print(f"{'FAILED' if self.failed else 'PASSED'} on Home Assistant {version}", flush=True)
        counts = {
            verdict: sum(line[0] == verdict for line in self.lines) for verdict in VERDICTS.values()
        }
        # The closing line test runners print, so that CI reads it as any suite's.
        print(f"smoke: {counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")


def demo_on_free_ports(demo: Mapping[str, Any]) -> dict[str, Any]:
    """Return the demo with its simulated devices (and the steps adding them) on free ports."""
    ports = {device["port"]: free_port() for device in demo["devices"] if "port" in device}
    moved: dict[str, Any] = on_ports(dict(demo), ports)
    return moved


async def _async_checks(client: HomeAssistantClient, report: Report) -> None:
    """Check the demo compound in the running Home Assistant."""
    bluetooth = await async_bluetooth_loaded(client)
    components = (await client.async_websocket({"type": "get_config"}))["components"]
    report.add(
        "Home Assistant's Bluetooth loaded",
        "" if bluetooth else "it did not load: its devices are skipped",
        passed=True if bluetooth else None,
    )
    if bluetooth and "bluetooth_adapters" not in components:
        # Core esphome's requirements, which bluetooth_adapters waits for, may not be installable.
        report.add(
            "core bluetooth_adapters loaded",
            "it did not (see the log): core bthome and ESPHome proxies are unavailable, not checked",
            passed=None,
        )
    entry = (await client.async_get(f"/api/config/config_entries/entry?domain={DOMAIN}"))[0]
    report.add("compound entry loaded", entry["state"], passed=entry["state"] == "loaded")
    subentries = await client.async_websocket(
        {"type": "config_entries/subentries/list", "entry_id": entry["entry_id"]}
    )
    kind_of = {subentry["subentry_id"]: subentry["subentry_type"] for subentry in subentries}
    title_of = {subentry["subentry_id"]: subentry["title"] for subentry in subentries}
    entities = [
        entity
        for entity in await client.async_websocket({"type": "config/entity_registry/list"})
        if entity["platform"] == DOMAIN
    ]
    for kind in DEVICE_KINDS:
        count = sum(kind_of.get(entity["config_subentry_id"]) == kind for entity in entities)
        if kind in BLUETOOTH_SUBENTRY_TYPES and not bluetooth:
            report.add(f"entities of {kind}", "skipped: Bluetooth did not load", passed=None)
        else:
            report.add(f"entities of {kind}", f"{count}", passed=count > 0)
    for over_bluetooth in (False, True) if bluetooth else (False,):
        checked = [
            entity["entity_id"]
            for entity in entities
            if (kind_of.get(entity["config_subentry_id"]) in BLUETOOTH_SUBENTRY_TYPES)
            == over_bluetooth
            and not entity["disabled_by"]
        ]
        unavailable = await _async_settled(partial(_async_unavailable, client, checked))
        report.add(
            f"none of {len(checked)} {'Bluetooth' if over_bluetooth else 'other'} entities unavailable",
            ", ".join(unavailable),
            passed=not unavailable,
        )
    await _async_check_lockdown(client, entry["entry_id"], entities, title_of, report)


async def _async_settled(missing: Callable[[], Awaitable[list[str]]]) -> list[str]:
    """Wait up to SETTLE_SECONDS for missing() to name nothing; return what it names then."""
    with contextlib.suppress(DemoError):
        await async_wait_for(missing, "", SETTLE_SECONDS)
    return await missing()


async def _async_unavailable(client: HomeAssistantClient, entity_ids: list[str]) -> list[str]:
    states = {state["entity_id"]: state["state"] for state in await client.async_get("/api/states")}
    return [
        entity_id
        for entity_id in entity_ids
        if states.get(entity_id, "unavailable") == "unavailable"
    ]


async def _async_check_lockdown(
    client: HomeAssistantClient,
    entry_id: str,
    entities: list[dict[str, Any]],
    title_of: Mapping[str, str],
    report: Report,
) -> None:
    """Set lockdown through the service; the mode select shows it and a gate not kept open closes."""
    devices = await client.async_websocket({"type": "config/device_registry/list"})
    compound = next(
        device
        for device in devices
        if entry_id in (device.get("config_entry_id"), *device.get("config_entries", []))
        and device["model"] == "Compound"
    )
    gate = next(
        entity["entity_id"]
        for entity in entities
        if entity["entity_id"].startswith("cover.")
        and title_of.get(entity["config_subentry_id"]) == CLOSED_GATE
    )
    # Open first, so that "closed" afterwards is the lockdown's doing.
    await client.async_post("/api/services/cover/open_cover", {"entity_id": gate})
    opened = await _async_state_once_settled(client, gate, "open")
    report.add(f"{CLOSED_GATE} opened before", f"{gate} is {opened}", passed=opened == "open")
    try:
        await client.async_post(
            f"/api/services/{DOMAIN}/set_mode",
            {"compound": compound["id"], "mode": "lockdown", "reason": "Smoke check"},
        )
    except DemoError as err:
        report.add("set_mode lockdown accepted", str(err), passed=False)
        return
    report.add("set_mode lockdown accepted", passed=True)
    mode_select = next(
        entity["entity_id"]
        for entity in entities
        if entity["entity_id"].startswith("select.")
        and entity["device_id"] == compound["id"]
        and entity.get("translation_key") == "mode"
    )
    for entity_id, wanted, check in (
        (mode_select, "lockdown", "mode select shows lockdown"),
        (gate, "closed", f"{CLOSED_GATE} (not kept open) closed"),
    ):
        shown = await _async_state_once_settled(client, entity_id, wanted)
        report.add(check, f"{entity_id} is {shown}", passed=shown == wanted)


async def _async_state_once_settled(
    client: HomeAssistantClient, entity_id: str, wanted: str
) -> str:
    """Return the entity's state once it is wanted, or after SETTLE_SECONDS."""

    async def differs() -> list[str]:
        state: str = (await client.async_get(f"/api/states/{entity_id}"))["state"]
        return [] if state == wanted else [state]

    differing = await _async_settled(differs)
    return differing[0] if differing else wanted


def check_log(log: Path, report: Report) -> None:
    """Report errors of the integration's logger and deprecation warnings naming the integration."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    errors = [line for line in lines if ERROR_LINE.match(line)]
    deprecations = [line for line in lines if DEPRECATION_LINE.search(line) and DOMAIN in line]
    report.add(
        f"no error from or about {LOGGER} in the log", f"{len(errors)} found", passed=not errors
    )
    report.add(
        "no deprecation warning naming the integration",
        f"{len(deprecations)} found",
        passed=not deprecations,
    )
    for line in errors + deprecations:
        print(f"    {line}", flush=True)


async def _async_wait_for_simulator(
    session: aiohttp.ClientSession, process: subprocess.Popen[bytes], control_port: int, log: Path
) -> None:
    """Wait until the simulator's control API answers, or fail plainly if it exits first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_SECONDS
    while loop.time() < deadline:
        if process.poll() is not None:
            raise DemoError(f"the simulator exited with code {process.returncode}: see {log}")
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"http://{HOST}:{control_port}/status") as response:
                if response.ok:
                    return
        await asyncio.sleep(0.5)
    raise DemoError(f"the simulator did not answer in time: see {log}")


async def _async_run(
    processes: tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]],
    url: str,
    demo: Mapping[str, Any],
    *,
    control_port: int,
    folder: Path,
    report: Report,
) -> None:
    """Set the demo up in the Home Assistant at url once it and the simulator answer, and check it."""
    hass, simulator = processes
    log = folder / "hass.log"
    async with aiohttp.ClientSession() as session:
        await _async_wait_for_simulator(session, simulator, control_port, folder / "simulator.log")
        report.add("the simulator started", passed=True)
        client = HomeAssistantClient(session, url, log=str(log))
        await client.async_wait_until_up(hass)
        webhook_id = await async_set_up_demo(
            client, demo, language="en", phone_registration=folder / "phone.json"
        )
        # The demo's automations notify the stand-in phone; without it they log errors.
        phone = asyncio.create_task(async_run_phone(client, webhook_id, folder / "phone.log"))
        try:
            await _async_checks(client, report)
        finally:
            phone.cancel()


def smoke(folder: Path) -> Report:
    """Run the demo on free ports in folder with this interpreter's Home Assistant and check it."""
    report = Report()
    demo = demo_on_free_ports(yaml.safe_load(DEMO.read_text(encoding="utf-8")))
    ha_port, control_port = free_port(), free_port()
    device_ports = {
        device["port"]: device["kind"] for device in demo["devices"] if "port" in device
    }
    ble_proxy_port = next(port for port, kind in device_ports.items() if kind == "ble_broadcaster")
    config = folder / "config"
    write_configuration(
        config,
        language="en",
        host=HOST,
        port=ha_port,
        ble_proxy_url=f"http://{HOST}:{ble_proxy_port}/advertisements",
    )
    description = folder / "demo.yaml"
    description.write_text(yaml.safe_dump(demo, allow_unicode=True), encoding="utf-8")
    simulator = start_simulator(description, control_port, folder / "simulator.log")
    log = folder / "hass.log"
    # From the configuration folder, as scripts/supervise does, so the linked proxy is found.
    hass = start_process(
        [sys.executable, "-m", "homeassistant", "--config", str(config)], log, cwd=config
    )
    try:
        asyncio.run(
            _async_run(
                (hass, simulator),
                f"http://{HOST}:{ha_port}",
                demo,
                control_port=control_port,
                folder=folder,
                report=report,
            )
        )
    except DemoError as err:
        report.add("the demo set up", str(err), passed=False)
    except Exception as err:  # noqa: BLE001 - a release that breaks the check itself fails it too
        report.add("the check ran to its end", f"{type(err).__name__}: {err}", passed=False)
    finally:
        # Ctrl-C again must not leave a process behind: the rest is the stop.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            stop_process(hass, "Home Assistant")
        finally:
            stop_process(simulator, "the simulator")
    taken = [port for port in (ha_port, control_port, *device_ports) if port_in_use(port)]
    report.add("ports freed", ", ".join(map(str, taken)), passed=not taken)
    check_log(log, report)
    return report


def main() -> int:
    """Install the requirements, run the check and print its summary."""
    # Stop cleanly on Ctrl-C and on SIGTERM, even when started where SIGINT is ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    import homeassistant.const  # noqa: PLC0415 - the release under check, in this interpreter

    version = homeassistant.const.__version__
    manifest = yaml.safe_load((ROOT / "custom_components" / DOMAIN / "manifest.json").read_text())
    try:
        install_requirements(INTEGRATIONS, name="smoke")
    except subprocess.CalledProcessError:
        say(
            f"could not install Home Assistant {version}'s own requirements: not the integration's fault"
        )
        return EXIT_NOT_INSTALLED
    try:
        install_requirements((), manifest["requirements"], name="smoke-integration")
    except subprocess.CalledProcessError as err:
        if UNRESOLVABLE in err.stderr:
            print(
                f"FAILED: the integration's requirements conflict with Home Assistant {version}'s"
            )
            return EXIT_FAILED
        say("could not install the integration's requirements: not the integration's fault")
        return EXIT_NOT_INSTALLED
    try:
        install_requirements((), SIMULATOR_REQUIREMENTS, name="smoke-simulator")
    except subprocess.CalledProcessError:
        say("could not install the simulator's requirements: not the integration's fault")
        return EXIT_NOT_INSTALLED
    try:
        install_requirements(("bluetooth",), name="smoke-bluetooth")
    except subprocess.CalledProcessError:
        say("Home Assistant's Bluetooth requirements could not be installed")
    keep = os.environ.get("SMOKE_KEEP")
    with tempfile.TemporaryDirectory(prefix="hanyang-smoke-") as temporary:
        folder = Path(keep) if keep else Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            report = smoke(folder)
        except KeyboardInterrupt:
            say("interrupted")
            return EXIT_FAILED
    report.print(version)
    return EXIT_FAILED if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
