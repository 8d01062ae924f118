"""Runs the demo: the simulated compound and a Home Assistant that has it set up, until Ctrl-C.

Started by scripts/develop as `python -m scripts.supervise`. It behaves like a small supervisor
of a user's installation: Home Assistant is started again whenever it exits with code 100 (a
restart asked for from the UI or by homeassistant.restart), and Ctrl-C stops both processes
and frees their ports. With --district it also runs the district's broker, simulated compounds
in other zones and the district's Home Assistant (see scripts/demo_district.py).
`python -m scripts.supervise press ACTION` instead taps a notification action on the stand-in phone.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import threading
from typing import Any

import aiohttp
import yaml

from broker.accounts import DistrictAccounts
from scripts.demo_client import DEMO_USER, DemoError, HomeAssistantClient, say
from scripts.demo_config import ROOT, install_requirements, write_configuration
from scripts.demo_district import (
    BROKER_PORT,
    CREDENTIALS_FILE,
    DISTRICT_NAME,
    async_link_compound,
    async_set_up_district,
    district_accounts,
    simulator_description,
    start_broker,
)
from scripts.demo_phone import async_press_phone_action, async_run_phone
from scripts.demo_provision import async_onboarded, async_set_up_demo

DEVELOP = ROOT / ".develop"
CONFIG = DEVELOP / "config"
DEMO = ROOT / "simulator" / "demo.yaml"
HOST = "127.0.0.1"
HA_PORT = 8123
CONTROL_PORT = 8130
BLE_PROXY_PORT = 15060
HA_URL = f"http://{HOST}:{HA_PORT}"
RESTART_EXIT_CODE = 100
PHONE_REGISTRATION = DEVELOP / "phone.json"
PHONE_LOG = DEVELOP / "phone.log"
DISTRICT_DIRECTORY = DEVELOP / "district"
DISTRICT_CONFIG = DISTRICT_DIRECTORY / "config"
DISTRICT_HA_PORT = 8124
DISTRICT_URL = f"http://{HOST}:{DISTRICT_HA_PORT}"


@dataclass(frozen=True, slots=True)
class DistrictRun:
    """The running district of --district: its accounts, their passwords, its Home Assistant."""

    accounts: DistrictAccounts
    passwords: dict[str, str]
    home_assistant: RestartingHomeAssistant


class RestartingHomeAssistant:
    """A Home Assistant beside the demo's, started again whenever it asks for a restart (its UI's *Restart*)."""

    def __init__(self, config: Path, log_file: Path, name: str) -> None:
        """Start it, and watch it from a thread of its own."""
        self._config, self._log_file, self._name = config, log_file, name
        self._lock = threading.Lock()
        self._stopping = False
        self.process = start_home_assistant(config, log_file)
        threading.Thread(target=self._watch, name=f"watch {name}", daemon=True).start()

    def _watch(self) -> None:
        while True:
            code = self.process.wait()
            with self._lock:
                if self._stopping or code != RESTART_EXIT_CODE:
                    return
                say(f"{self._name} asked for a restart; starting it again ...")
                self.process = start_home_assistant(self._config, self._log_file)

    def stop(self) -> None:
        """Stop it for good."""
        with self._lock:
            self._stopping = True
        stop_process(self.process, self._name)


def port_in_use(port: int) -> bool:
    """Return whether something listens on port on HOST."""
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) == 0


def ensure_port_free(port: int) -> None:
    """Stop with a clear message when a port the demo needs is taken."""
    if port_in_use(port):
        raise DemoError(f"port {port} on {HOST} is in use: is another scripts/develop running?")


def start_home_assistant(config: Path, log_file: Path) -> subprocess.Popen[bytes]:
    """Start Home Assistant on a configuration folder."""
    # Run from the configuration folder: from the repository root, `python -m` would put the
    # repository's custom_components/ first on the path and hide the linked development proxy.
    return start_process(
        [sys.executable, "-m", "homeassistant", "--config", str(config)], log_file, cwd=config
    )


def start_simulator(
    description: Path, control_port: int, log_file: Path
) -> subprocess.Popen[bytes]:
    """Start the simulator serving a described compound, its control API on control_port."""
    return start_process(
        [
            sys.executable,
            "-m",
            "simulator",
            "serve",
            "--config",
            str(description),
            "--control-port",
            str(control_port),
        ],
        log_file,
    )


def start_process(command: list[str], log_file: Path, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    """Start a child in its own session (Ctrl-C reaches only the supervisor), logging to a file."""
    with log_file.open("ab") as log:
        return subprocess.Popen(
            command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_process(process: subprocess.Popen[bytes], name: str, timeout: float = 60) -> None:
    """Ask a child to stop, and kill it if it does not within timeout seconds."""
    if process.poll() is not None:
        return
    say(f"stopping {name} ...")
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def async_set_up_district_home_assistant(language: str, district: DistrictRun) -> None:
    """Onboard the district's Home Assistant and give it mqtt and the district entry."""
    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, DISTRICT_URL, log=".develop/district/hass.log")
        await client.async_wait_until_up(district.home_assistant.process)
        async with async_onboarded(client, language):
            await async_set_up_district(client, district.accounts, district.passwords)
    say(f"the district's Home Assistant is ready: {DISTRICT_URL}")
    say(f"  login: {DEMO_USER['username']} / {DEMO_USER['password']}")
    say(f"  broker: mqtt://{HOST}:{BROKER_PORT}, accounts in .develop/district/broker/")


async def async_run_home_assistant(
    language: str, demo: dict[str, Any], district: DistrictRun | None
) -> int:
    """Run Home Assistant with the demo set up until it exits; returns its exit code."""
    process = start_home_assistant(CONFIG, DEVELOP / "hass.log")
    district_setup = None
    if district:
        district_setup = asyncio.create_task(
            async_set_up_district_home_assistant(language, district)
        )
    try:
        async with aiohttp.ClientSession() as session:
            client = HomeAssistantClient(session, HA_URL, log=".develop/hass.log")
            await client.async_wait_until_up(process)
            webhook_id = await async_set_up_demo(
                client, demo, language=language, phone_registration=PHONE_REGISTRATION
            )
            if district_setup and district:
                await async_link_compound(
                    client, demo["compound"], district.accounts, district.passwords
                )
                await district_setup
            phone = asyncio.create_task(async_run_phone(client, webhook_id, PHONE_LOG))
            say(f"Home Assistant is ready: {HA_URL}")
            say(f"  login: {DEMO_USER['username']} / {DEMO_USER['password']}")
            say(f"  simulator control API: http://{HOST}:{CONTROL_PORT}/status")
            say("  stand-in phone: notify.mobile_app_duty_phone, received in .develop/phone.log")
            say("  logs: .develop/hass.log, .develop/simulator.log; Ctrl-C stops everything")
            code = await asyncio.to_thread(process.wait)
            phone.cancel()
            return code
    finally:
        if district_setup:
            district_setup.cancel()
        stop_process(process, "Home Assistant")


def _supervise(language: str, *, district: bool) -> int:
    DEVELOP.mkdir(exist_ok=True)
    ports = (HA_PORT, CONTROL_PORT, BLE_PROXY_PORT)
    for port in (*ports, BROKER_PORT, DISTRICT_HA_PORT) if district else ports:
        ensure_port_free(port)
    install_requirements()
    write_configuration(
        CONFIG,
        language=language,
        host=HOST,
        port=HA_PORT,
        ble_proxy_url=f"http://{HOST}:{BLE_PROXY_PORT}/advertisements",
    )
    demo = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    with contextlib.ExitStack() as running:
        description = DEMO
        district_run = _start_district(language, demo, running) if district else None
        if district:
            description = DISTRICT_DIRECTORY / "simulator.yaml"
            credentials = DISTRICT_DIRECTORY / "broker" / CREDENTIALS_FILE
            description.write_text(
                yaml.safe_dump(simulator_description(demo, credentials), allow_unicode=True),
                encoding="utf-8",
            )
        simulator = start_simulator(description, CONTROL_PORT, DEVELOP / "simulator.log")
        running.callback(stop_process, simulator, "the simulator")
        say(f"simulated compound {demo['compound']['name']} started")
        while True:
            code = asyncio.run(async_run_home_assistant(language, demo, district_run))
            if code != RESTART_EXIT_CODE:
                say(f"Home Assistant exited with code {code}")
                return code
            say("Home Assistant asked for a restart; starting it again ...")


def _start_district(
    language: str, demo: dict[str, Any], running: contextlib.ExitStack
) -> DistrictRun:
    """Start the district's broker and Home Assistant; running stops them, the broker last."""
    accounts = district_accounts(demo["compound"])
    broker, passwords = start_broker(DISTRICT_DIRECTORY / "broker", accounts)
    running.callback(broker.stop)
    write_configuration(
        DISTRICT_CONFIG,
        language=language,
        host=HOST,
        port=DISTRICT_HA_PORT,
        ble_proxy_url=None,
        name=DISTRICT_NAME,
    )
    home_assistant = RestartingHomeAssistant(
        DISTRICT_CONFIG, DISTRICT_DIRECTORY / "hass.log", "the district's Home Assistant"
    )
    running.callback(home_assistant.stop)
    return DistrictRun(accounts, passwords, home_assistant)


def main() -> int:
    """Supervise the simulator and Home Assistant until Ctrl-C or a final exit."""
    if sys.argv[1:2] == ["press"]:
        asyncio.run(async_press_phone_action(HA_URL, PHONE_REGISTRATION, sys.argv[2]))
        return 0
    # Stop cleanly on Ctrl-C and on SIGTERM, even when started where SIGINT is ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return _supervise(
            os.environ.get("DEVELOP_LANGUAGE", "en"), district="--district" in sys.argv[1:]
        )
    except KeyboardInterrupt:
        return 0
    except DemoError as err:
        say(str(err))
        return 1


if __name__ == "__main__":
    sys.exit(main())
