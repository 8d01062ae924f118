"""Runs the demo: the simulated compound and a Home Assistant that has it set up, until Ctrl-C.

Started by scripts/develop as `python -m scripts.supervise`. It behaves like a small supervisor
of a user's installation: Home Assistant is started again whenever it exits with code 100 (a
restart asked for from the UI or by homeassistant.restart), and Ctrl-C stops both processes
and frees their ports. `python -m scripts.supervise press ACTION` instead taps a notification
action on the stand-in phone.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
from typing import Any

import aiohttp
import yaml

from scripts.demo_client import DEMO_USER, DemoError, HomeAssistantClient, say
from scripts.demo_config import ROOT, install_requirements, write_configuration
from scripts.demo_phone import async_press_phone_action, async_run_phone
from scripts.demo_provision import async_set_up_demo

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


def port_in_use(port: int) -> bool:
    """Return whether something listens on port on HOST."""
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) == 0


def ensure_port_free(port: int) -> None:
    """Stop with a clear message when a port the demo needs is taken."""
    if port_in_use(port):
        raise DemoError(f"port {port} on {HOST} is in use: is another scripts/develop running?")


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


async def async_run_home_assistant(language: str, demo: dict[str, Any]) -> int:
    """Run Home Assistant with the demo set up until it exits; returns its exit code."""
    # Run from the configuration folder: from the repository root, `python -m` would put the
    # repository's custom_components/ first on the path and hide the linked development proxy.
    process = start_process(
        [sys.executable, "-m", "homeassistant", "--config", str(CONFIG)],
        DEVELOP / "hass.log",
        cwd=CONFIG,
    )
    try:
        async with aiohttp.ClientSession() as session:
            client = HomeAssistantClient(session, HA_URL, log=".develop/hass.log")
            await client.async_wait_until_up(process)
            webhook_id = await async_set_up_demo(
                client, demo, language=language, phone_registration=PHONE_REGISTRATION
            )
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
        stop_process(process, "Home Assistant")


def _supervise(language: str) -> int:
    DEVELOP.mkdir(exist_ok=True)
    for port in (HA_PORT, CONTROL_PORT, BLE_PROXY_PORT):
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
    simulator = start_process(
        [
            sys.executable,
            "-m",
            "simulator",
            "serve",
            "--config",
            str(DEMO),
            "--control-port",
            str(CONTROL_PORT),
        ],
        DEVELOP / "simulator.log",
    )
    say(f"simulated compound {demo['compound']['name']} started")
    try:
        while True:
            code = asyncio.run(async_run_home_assistant(language, demo))
            if code != RESTART_EXIT_CODE:
                say(f"Home Assistant exited with code {code}")
                return code
            say("Home Assistant asked for a restart; starting it again ...")
    finally:
        stop_process(simulator, "the simulator")


def main() -> int:
    """Supervise the simulator and Home Assistant until Ctrl-C or a final exit."""
    if sys.argv[1:2] == ["press"]:
        asyncio.run(async_press_phone_action(HA_URL, PHONE_REGISTRATION, sys.argv[2]))
        return 0
    # Stop cleanly on Ctrl-C and on SIGTERM, even when started where SIGINT is ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return _supervise(os.environ.get("DEVELOP_LANGUAGE", "en"))
    except KeyboardInterrupt:
        return 0
    except DemoError as err:
        say(str(err))
        return 1


if __name__ == "__main__":
    sys.exit(main())
