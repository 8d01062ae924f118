"""Runs the demo: the simulated compound and a Home Assistant that has it set up, until Ctrl-C.

Started by scripts/develop. It behaves like a small supervisor of a user's installation:
Home Assistant is started again whenever it exits with code 100 (a restart asked for from
the UI or by homeassistant.restart), and Ctrl-C stops both processes and frees their ports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
import hashlib
from http import HTTPStatus
import json
import os
from pathlib import Path
import re
import shutil
import signal
import socket
import subprocess
import sys
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEVELOP = ROOT / ".develop"
CONFIG = DEVELOP / "config"
DEMO = ROOT / "simulator" / "demo.yaml"
HOST = "127.0.0.1"
HA_PORT = 8123
CONTROL_PORT = 8130
BLE_PROXY_PORT = 15060
HA_URL = f"http://{HOST}:{HA_PORT}"
CLIENT_ID = f"{HA_URL}/"
RESTART_EXIT_CODE = 100
START_TIMEOUT = 600.0

PHONE_REGISTRATION = DEVELOP / "phone.json"
PHONE_LOG = DEVELOP / "phone.log"
DEMO_PHONE = {
    "app_id": "io.hanyang_compound.standin",
    "app_name": "Stand-in phone",
    "app_version": "1.0",
    "device_id": "standin-duty-phone",
    "device_name": "Duty phone",
    "manufacturer": "Hanyang Compound",
    "model": "Stand-in",
    "os_name": "Linux",
    "os_version": "1",
    "supports_encryption": False,
    "app_data": {"push_websocket_channel": True},
}

DEMO_USER = {"name": "Compound Manager", "username": "manager", "password": "longdengli-demo"}

# A hardware-free, offline set of integrations instead of default_config, whose camera, stream,
# cloud and discovery parts log errors without hardware or internet.
INTEGRATIONS = (
    "api",
    "assist_pipeline",
    "automation",
    "blueprint",
    "config",
    "conversation",
    "counter",
    "diagnostics",
    "frontend",
    "history",
    "input_boolean",
    "input_button",
    "input_datetime",
    "input_number",
    "input_select",
    "input_text",
    "logbook",
    "mobile_app",
    "person",
    "recorder",
    "scene",
    "schedule",
    "script",
    "sun",
    "system_health",
    "tag",
    "timer",
    "zone",
)
# Onboarding sets these up; they only work online, so the offline demo removes them.
ONLINE_ONBOARDING_INTEGRATIONS = {"google_translate", "met", "radio_browser"}
SUBENTRY_REFERENCE = re.compile(r"^\{subentry:(?P<title>.+)\}$")
DEVICE_REFERENCE = re.compile(r"^\{device:(?P<name>.+)\}$")


def say(message: str) -> None:
    """Print one line of the supervisor's progress."""
    print(f"[develop] {message}", flush=True)


def _manifest(integration: str) -> dict[str, Any]:
    import homeassistant  # noqa: PLC0415 - only the supervisor's own interpreter has it

    path = Path(homeassistant.__file__).parent / "components" / integration / "manifest.json"
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def integration_requirements() -> list[str]:
    """Return the Python requirements of the demo's integrations and all they depend on."""
    seen: set[str] = set()
    pending = list(INTEGRATIONS)
    requirements: set[str] = set()
    while pending:
        integration = pending.pop()
        if integration in seen:
            continue
        seen.add(integration)
        manifest = _manifest(integration)
        requirements.update(manifest.get("requirements", []))
        pending.extend(manifest.get("dependencies", []))
    return sorted(requirements)


def install_requirements() -> None:
    """Install the integrations' requirements once, under Home Assistant's constraints."""
    requirements = integration_requirements()
    stamp_file = DEVELOP / "requirements.stamp"
    stamp = hashlib.sha256("\n".join([sys.executable, *requirements]).encode()).hexdigest()
    if stamp_file.exists() and stamp_file.read_text(encoding="utf-8") == stamp:
        return
    import homeassistant  # noqa: PLC0415 - only the supervisor's own interpreter has it

    constraints = Path(homeassistant.__file__).parent / "package_constraints.txt"
    uv = [shutil.which("uv")] if shutil.which("uv") else ["python3", "-m", "uv"]
    say(f"installing {len(requirements)} requirements of the demo's integrations ...")
    subprocess.run(
        [
            *uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            sys.executable,
            "-c",
            str(constraints),
            *requirements,
        ],
        check=True,
    )
    stamp_file.write_text(stamp, encoding="utf-8")


def write_configuration(language: str) -> None:
    """Write the demo's configuration and link the integration from the working tree."""
    CONFIG.mkdir(parents=True, exist_ok=True)
    configuration: dict[str, Any] = {
        "homeassistant": {
            "name": "Longdengli",
            "latitude": 30.5537,
            "longitude": 114.2647,
            "elevation": 25,
            "unit_system": "metric",
            "time_zone": "Asia/Shanghai",
            "country": "CN",
            "currency": "CNY",
            "language": language,
            "internal_url": HA_URL,
        },
        "http": {"server_host": HOST, "server_port": HA_PORT},
        "logger": {
            "default": "warning",
            "logs": {"custom_components.hanyang_compound": "info", "homeassistant.setup": "info"},
        },
        **{integration: {} for integration in INTEGRATIONS},
        "hanyang_ble_proxy": {"url": f"http://{HOST}:{BLE_PROXY_PORT}/advertisements"},
        "automation": "!include automations.yaml",
        "script": "!include scripts.yaml",
        "scene": "!include scenes.yaml",
    }
    text = yaml.safe_dump(configuration, allow_unicode=True, sort_keys=False)
    text = re.sub(r"'(!include [a-z]+\.yaml)'", r"\1", text)
    (CONFIG / "configuration.yaml").write_text(text, encoding="utf-8")
    for included in ("automations.yaml", "scripts.yaml", "scenes.yaml"):
        path = CONFIG / included
        if not path.exists():
            path.write_text("[]\n" if included != "scripts.yaml" else "{}\n", encoding="utf-8")
    (CONFIG / "custom_components").mkdir(exist_ok=True)
    _link(
        CONFIG / "custom_components" / "hanyang_compound",
        ROOT / "custom_components" / "hanyang_compound",
    )
    _link(CONFIG / "custom_sentences", ROOT / "custom_sentences")
    # Development only: the simulated Bluetooth proxy that relays the simulator's advertisements.
    _link(
        CONFIG / "custom_components" / "hanyang_ble_proxy",
        ROOT / "dev" / "custom_components" / "hanyang_ble_proxy",
    )


def _link(link: Path, target: Path) -> None:
    """Point link at target in the working tree, so edits there reach Home Assistant."""
    if not link.is_symlink():
        if link.exists():
            shutil.rmtree(link)
        link.symlink_to(target)


def ensure_port_free(port: int) -> None:
    """Stop with a clear message when a port the demo needs is taken."""
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            sys.exit(
                f"[develop] port {port} on {HOST} is in use: is another scripts/develop running?"
            )


def start_process(command: list[str], log_name: str, cwd: Path = ROOT) -> subprocess.Popen[bytes]:
    """Start a child in its own session (Ctrl-C reaches only the supervisor), logging to a file."""
    log = (DEVELOP / log_name).open("ab")
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


class HomeAssistantClient:
    """The few REST and websocket calls the supervisor makes, as an authenticated user."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        """Use session for every call; authenticate with async_authenticate first."""
        self.session = session
        self.token = ""

    async def async_wait_until_up(self, process: subprocess.Popen[bytes]) -> None:
        """Wait until Home Assistant answers, or fail if it exits first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            if process.poll() is not None:
                sys.exit(
                    f"[develop] Home Assistant exited with code {process.returncode}: see .develop/hass.log"
                )
            # Before onboarding only its API answers; after it, only the login providers do.
            for path in ("/api/onboarding", "/auth/providers"):
                with contextlib.suppress(aiohttp.ClientError):
                    async with self.session.get(f"{HA_URL}{path}") as response:
                        if response.status == HTTPStatus.OK:
                            return
            await asyncio.sleep(1)
        sys.exit("[develop] Home Assistant did not start in time: see .develop/hass.log")

    async def async_authenticate(self, language: str) -> None:
        """Onboard through Home Assistant's onboarding API if needed, then log in as the demo user."""
        async with self.session.get(f"{HA_URL}/api/onboarding") as response:
            # Once onboarding is complete, Home Assistant no longer serves its API.
            onboarding = await response.json() if response.status == HTTPStatus.OK else []
        steps = {step["step"]: step["done"] for step in onboarding}
        if not steps.get("user", True):
            say("onboarding: creating the demo user ...")
            payload = {**DEMO_USER, "client_id": CLIENT_ID, "language": language}
            async with self.session.post(
                f"{HA_URL}/api/onboarding/users", json=payload
            ) as response:
                code = (await response.json())["auth_code"]
        else:
            code = await self._async_login()
        async with self.session.post(
            f"{HA_URL}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        ) as response:
            self.token = (await response.json())["access_token"]
        if not steps.get("core_config", True):
            await self.async_post("/api/onboarding/core_config", {})
            await self._async_remove_online_integrations()
        for step, payload in (
            ("analytics", {}),
            ("integration", {"client_id": CLIENT_ID, "redirect_uri": f"{HA_URL}/?auth_callback=1"}),
        ):
            if not steps.get(step, True):
                await self.async_post(f"/api/onboarding/{step}", payload)

    async def _async_remove_online_integrations(self) -> None:
        """Remove what onboarding adds that needs the internet (weather, radio, cloud speech)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        removed: set[str] = set()
        while removed != ONLINE_ONBOARDING_INTEGRATIONS and loop.time() < deadline:
            for entry in await self.async_get("/api/config/config_entries/entry"):
                if entry["domain"] in ONLINE_ONBOARDING_INTEGRATIONS:
                    async with self.session.delete(
                        f"{HA_URL}/api/config/config_entries/entry/{entry['entry_id']}",
                        headers=self._headers,
                    ) as response:
                        response.raise_for_status()
                    removed.add(entry["domain"])
            await asyncio.sleep(0.5)

    async def _async_login(self) -> str:
        login = {
            "client_id": CLIENT_ID,
            "handler": ["homeassistant", None],
            "redirect_uri": CLIENT_ID,
        }
        async with self.session.post(f"{HA_URL}/auth/login_flow", json=login) as response:
            flow_id = (await response.json())["flow_id"]
        credentials = {
            "client_id": CLIENT_ID,
            "username": DEMO_USER["username"],
            "password": DEMO_USER["password"],
        }
        async with self.session.post(
            f"{HA_URL}/auth/login_flow/{flow_id}", json=credentials
        ) as response:
            result = await response.json()
        if result.get("type") != "create_entry":
            sys.exit("[develop] the demo login was refused: delete .develop/ to start from scratch")
        return str(result["result"])

    async def async_wait_until_running(self) -> None:
        """Wait until every integration has started; the web server answers long before that."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while (await self.async_get("/api/config"))["state"] != "RUNNING":
            if loop.time() > deadline:
                sys.exit("[develop] Home Assistant did not finish starting: see .develop/hass.log")
            await asyncio.sleep(1)

    async def async_get(self, path: str) -> Any:
        """GET a REST path and return its JSON."""
        async with self.session.get(f"{HA_URL}{path}", headers=self._headers) as response:
            response.raise_for_status()
            return await response.json()

    async def async_post(self, path: str, payload: Mapping[str, Any]) -> Any:
        """POST JSON to a REST path and return its JSON."""
        async with self.session.post(
            f"{HA_URL}{path}", json=payload, headers=self._headers
        ) as response:
            body = await response.json()
            if response.status >= HTTPStatus.BAD_REQUEST:
                raise RuntimeError(f"POST {path} answered {response.status}: {body}")
            return body

    async def async_websocket(self, command: dict[str, Any]) -> Any:
        """Run one websocket command and return its result."""
        async with self.session.ws_connect(f"{HA_URL}/api/websocket") as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": self.token})
            await ws.receive_json()
            await ws.send_json({"id": 1, **command})
            answer = await ws.receive_json()
        if not answer.get("success"):
            raise RuntimeError(f"{command['type']} failed: {answer.get('error')}")
        return answer["result"]

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def async_provision(client: HomeAssistantClient, demo: dict[str, Any]) -> None:
    """Set up the demo compound and its devices through Home Assistant's own flows, once."""
    compound = demo["compound"]
    entries = await client.async_get("/api/config/config_entries/entry?domain=hanyang_compound")
    if not entries:
        say(f"adding the compound {compound['name']} ...")
        flow = await client.async_post(
            "/api/config/config_entries/flow", {"handler": "hanyang_compound"}
        )
        await client.async_post(
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {key: compound[key] for key in ("name", "zone", "service_tier")},
        )
        entries = await client.async_get("/api/config/config_entries/entry?domain=hanyang_compound")
    entry_id = entries[0]["entry_id"]
    setup = demo.get("home_assistant") or {}
    existing_tags = {tag["id"] for tag in await client.async_websocket({"type": "tag/list"})}
    for tag in setup.get("tags", []):
        if tag["id"] not in existing_tags:
            await client.async_websocket(
                {"type": "tag/create", "tag_id": tag["id"], "name": tag["name"]}
            )
    subentries = {
        subentry["title"]: subentry["subentry_id"]
        for subentry in await client.async_websocket(
            {"type": "config_entries/subentries/list", "entry_id": entry_id}
        )
    }
    for wanted in setup.get("subentries", []):
        if wanted["title"] in subentries:
            continue
        say(f"adding {wanted['title']} ...")
        result = await client.async_post(
            "/api/config/config_entries/subentries/flow",
            {"handler": [entry_id, wanted["type"]]},
        )
        for step in wanted["steps"]:
            result = await client.async_post(
                f"/api/config/config_entries/subentries/flow/{result['flow_id']}",
                _resolve_references(step, subentries),
            )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"adding {wanted['title']} stopped at {result}")
        subentries = {
            subentry["title"]: subentry["subentry_id"]
            for subentry in await client.async_websocket(
                {"type": "config_entries/subentries/list", "entry_id": entry_id}
            )
        }


async def async_register_phone(client: HomeAssistantClient) -> str:
    """Register the stand-in phone with the mobile app integration once; return its webhook id."""
    if PHONE_REGISTRATION.exists():
        registration = json.loads(PHONE_REGISTRATION.read_text(encoding="utf-8"))
    else:
        registration = await client.async_post("/api/mobile_app/registrations", DEMO_PHONE)
        PHONE_REGISTRATION.write_text(json.dumps(registration), encoding="utf-8")
        say(f"registered the stand-in phone {DEMO_PHONE['device_name']}")
    return str(registration["webhook_id"])


async def async_run_phone(client: HomeAssistantClient, webhook_id: str) -> None:
    """Receive the stand-in phone's notifications as the companion app does, and write them down."""
    async with client.session.ws_connect(f"{HA_URL}/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": client.token})
        await ws.receive_json()
        await ws.send_json(
            {"id": 1, "type": "mobile_app/push_notification_channel", "webhook_id": webhook_id}
        )
        async for message in ws:
            data = json.loads(message.data)
            if data.get("type") != "event":
                continue
            notification = data["event"]
            with PHONE_LOG.open("a", encoding="utf-8") as log:
                log.write(json.dumps(notification, ensure_ascii=False) + "\n")
            actions = [a.get("action") for a in notification.get("data", {}).get("actions", [])]
            say(
                f"phone: {notification.get('title', '')}: {notification.get('message', '')}"
                + (f" [actions: {', '.join(actions)}]" if actions else "")
            )


async def async_press_phone_action(action: str) -> None:
    """Press a notification action on the stand-in phone, as a volunteer taps it in the app."""
    webhook_id = json.loads(PHONE_REGISTRATION.read_text(encoding="utf-8"))["webhook_id"]
    payload = {
        "type": "fire_event",
        "data": {"event_type": "mobile_app_notification_action", "event_data": {"action": action}},
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{HA_URL}/api/webhook/{webhook_id}", json=payload) as response,
    ):
        response.raise_for_status()
    say(f"pressed {action} on the stand-in phone")


async def async_set_aliases(client: HomeAssistantClient, aliases: Mapping[str, list[str]]) -> None:
    """Give entities the names residents say, e.g. 北门 for the north gate, as Assist's aliases."""
    for entity_id, names in aliases.items():
        await client.async_websocket(
            {"type": "config/entity_registry/update", "entity_id": entity_id, "aliases": names}
        )


async def async_add_automations(
    client: HomeAssistantClient, automations: list[dict[str, Any]]
) -> None:
    """Create the demo's automations from the shipped blueprints, once, through the automation editor's API."""
    existing = {state["attributes"].get("id") for state in await client.async_get("/api/states")}
    devices = {
        device["name"]: device["id"]
        for device in await client.async_websocket({"type": "config/device_registry/list"})
    }
    for automation in automations:
        if automation["id"] not in existing:
            config = _resolve_references(automation, devices, DEVICE_REFERENCE, "name")
            await client.async_post(f"/api/config/automation/config/{automation['id']}", config)
            say(f"added the automation {automation['alias']}")


def _resolve_references(
    value: Any,
    ids: Mapping[str, str],
    reference: re.Pattern[str] = SUBENTRY_REFERENCE,
    group: str = "title",
) -> Any:
    """Replace each "{subentry:TITLE}" (or another reference) in value by the id it names."""
    if isinstance(value, dict):
        return {
            key: _resolve_references(item, ids, reference, group) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_resolve_references(item, ids, reference, group) for item in value]
    if isinstance(value, str) and (match := reference.match(value)):
        return ids[match[group]]
    return value


async def async_run_home_assistant(language: str, demo: dict[str, Any]) -> int:
    """Run Home Assistant until it exits; returns its exit code."""
    # Run from the configuration folder: from the repository root, `python -m` would put the
    # repository's custom_components/ first on the path and hide the linked development proxy.
    process = start_process(
        [sys.executable, "-m", "homeassistant", "--config", str(CONFIG)], "hass.log", cwd=CONFIG
    )
    try:
        async with aiohttp.ClientSession() as session:
            client = HomeAssistantClient(session)
            await client.async_wait_until_up(process)
            await client.async_authenticate(language)
            await client.async_wait_until_running()
            await async_provision(client, demo)
            await async_set_aliases(client, (demo.get("home_assistant") or {}).get("aliases", {}))
            phone = asyncio.create_task(async_run_phone(client, await async_register_phone(client)))
            await async_add_automations(
                client, (demo.get("home_assistant") or {}).get("automations", [])
            )
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


def main() -> int:
    """Supervise the simulator and Home Assistant until Ctrl-C or a final exit.

    `supervise.py press ACTION` instead presses a notification action on the stand-in phone.
    """
    if sys.argv[1:2] == ["press"]:
        asyncio.run(async_press_phone_action(sys.argv[2]))
        return 0
    language = os.environ.get("DEVELOP_LANGUAGE", "en")
    # Stop cleanly on Ctrl-C and on SIGTERM, even when started where SIGINT is ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    DEVELOP.mkdir(exist_ok=True)
    for port in (HA_PORT, CONTROL_PORT, BLE_PROXY_PORT):
        ensure_port_free(port)
    install_requirements()
    write_configuration(language)
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
        "simulator.log",
    )
    say(f"simulated compound {demo['compound']['name']} started")
    try:
        while True:
            code = asyncio.run(async_run_home_assistant(language, demo))
            if code != RESTART_EXIT_CODE:
                say(f"Home Assistant exited with code {code}")
                return code
            say("Home Assistant asked for a restart; starting it again ...")
    except KeyboardInterrupt:
        return 0
    finally:
        stop_process(simulator, "the simulator")


if __name__ == "__main__":
    sys.exit(main())
