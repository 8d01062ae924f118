"""The few REST and websocket calls the demo makes to Home Assistant, its onboarding, and bounded waits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
import contextlib
from http import HTTPStatus
import subprocess
from typing import Any

import aiohttp

START_TIMEOUT = 600.0
"""Seconds Home Assistant may take to answer and to start, on a loaded machine on its first run."""
POLL_SECONDS = 0.5
DEMO_USER = {"name": "Compound Manager", "username": "manager", "password": "longdengli-demo"}
# Onboarding sets these up; they only work online, so the offline demo removes them.
ONLINE_ONBOARDING_INTEGRATIONS = {"google_translate", "met", "radio_browser"}
ONLINE_INTEGRATIONS_TIMEOUT = 30.0


def say(message: str) -> None:
    """Print one line of the demo's progress."""
    print(f"[develop] {message}", flush=True)


class DemoError(RuntimeError):
    """The demo could not be brought up; the message says what is missing and where to look."""


async def async_wait_for(
    missing: Callable[[], Awaitable[list[str]]], what: str, within: float
) -> None:
    """Poll until missing() names nothing; raise DemoError naming what never appeared in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while absent := await missing():
        if loop.time() > deadline:
            raise DemoError(f"{what} did not appear within {within:.0f} s: {', '.join(absent)}")
        await asyncio.sleep(POLL_SECONDS)


class HomeAssistantClient:
    """The calls the demo makes to one Home Assistant, as its authenticated demo user."""

    def __init__(self, session: aiohttp.ClientSession, url: str, log: str) -> None:
        """Talk to the Home Assistant at url with session; log names its log file for messages."""
        self.session = session
        self.url = url
        self.client_id = f"{url}/"
        self.log = log
        self.token = ""

    async def async_wait_until_up(self, process: subprocess.Popen[bytes]) -> None:
        """Wait until Home Assistant answers, or fail if it exits first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            if process.poll() is not None:
                raise DemoError(
                    f"Home Assistant exited with code {process.returncode}: see {self.log}"
                )
            # Before onboarding only its API answers; after it, only the login providers do.
            for path in ("/api/onboarding", "/auth/providers"):
                with contextlib.suppress(aiohttp.ClientError):
                    async with self.session.get(f"{self.url}{path}") as response:
                        if response.status == HTTPStatus.OK:
                            return
            await asyncio.sleep(1)
        raise DemoError(f"Home Assistant did not start in time: see {self.log}")

    async def async_authenticate(self, language: str) -> bool:
        """Onboard through Home Assistant's onboarding API if needed, then log in as the demo user.

        Returns whether onboarding just added its online integrations (see async_remove_online_integrations).
        """
        async with self.session.get(f"{self.url}/api/onboarding") as response:
            # Once onboarding is complete, Home Assistant no longer serves its API.
            onboarding = await response.json() if response.status == HTTPStatus.OK else []
        steps = {step["step"]: step["done"] for step in onboarding}
        if not steps.get("user", True):
            say("onboarding: creating the demo user ...")
            payload = {**DEMO_USER, "client_id": self.client_id, "language": language}
            async with self.session.post(
                f"{self.url}/api/onboarding/users", json=payload
            ) as response:
                code = (await response.json())["auth_code"]
        else:
            code = await self._async_login()
        async with self.session.post(
            f"{self.url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        ) as response:
            self.token = (await response.json())["access_token"]
        if not steps.get("core_config", True):
            await self.async_post("/api/onboarding/core_config", {})
        redirect = f"{self.url}/?auth_callback=1"
        for step, payload in (
            ("analytics", {}),
            ("integration", {"client_id": self.client_id, "redirect_uri": redirect}),
        ):
            if not steps.get(step, True):
                await self.async_post(f"/api/onboarding/{step}", payload)
        return not steps.get("core_config", True)

    async def async_remove_online_integrations(self) -> None:
        """Remove what onboarding adds that needs the internet (weather, radio, cloud speech).

        Onboarding adds them in the background, and one whose requirements cannot be installed
        never appears: this looks for them for a while, and nothing waits on them.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ONLINE_INTEGRATIONS_TIMEOUT
        removed: set[str] = set()
        while removed != ONLINE_ONBOARDING_INTEGRATIONS and loop.time() < deadline:
            for entry in await self.async_get("/api/config/config_entries/entry"):
                if entry["domain"] in ONLINE_ONBOARDING_INTEGRATIONS:
                    await self.async_delete(f"/api/config/config_entries/entry/{entry['entry_id']}")
                    removed.add(entry["domain"])
            await asyncio.sleep(POLL_SECONDS)

    async def _async_login(self) -> str:
        login = {
            "client_id": self.client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": self.client_id,
        }
        async with self.session.post(f"{self.url}/auth/login_flow", json=login) as response:
            flow_id = (await response.json())["flow_id"]
        credentials = {
            "client_id": self.client_id,
            "username": DEMO_USER["username"],
            "password": DEMO_USER["password"],
        }
        async with self.session.post(
            f"{self.url}/auth/login_flow/{flow_id}", json=credentials
        ) as response:
            result = await response.json()
        if result.get("type") != "create_entry":
            raise DemoError("the demo login was refused: delete .develop/ to start from scratch")
        return str(result["result"])

    async def async_wait_until_running(self) -> None:
        """Wait until every integration has started; the web server answers long before that."""

        async def starting() -> list[str]:
            state = (await self.async_get("/api/config"))["state"]
            return [] if state == "RUNNING" else [f"Home Assistant still {state}"]

        await async_wait_for(starting, f"the end of the start (see {self.log})", START_TIMEOUT)

    async def async_get(self, path: str) -> Any:
        """GET a REST path and return its JSON."""
        async with self.session.get(f"{self.url}{path}", headers=self._headers) as response:
            response.raise_for_status()
            return await response.json()

    async def async_post(self, path: str, payload: Mapping[str, Any]) -> Any:
        """POST JSON to a REST path and return its JSON."""
        async with self.session.post(
            f"{self.url}{path}", json=payload, headers=self._headers
        ) as response:
            body = await response.json()
            if response.status >= HTTPStatus.BAD_REQUEST:
                raise DemoError(f"POST {path} answered {response.status}: {body}")
            return body

    async def async_delete(self, path: str) -> None:
        """DELETE a REST path."""
        async with self.session.delete(f"{self.url}{path}", headers=self._headers) as response:
            response.raise_for_status()

    async def async_websocket(self, command: dict[str, Any]) -> Any:
        """Run one websocket command and return its result."""
        async with self.session.ws_connect(f"{self.url}/api/websocket") as ws:
            await self.async_authenticate_websocket(ws)
            await ws.send_json({"id": 1, **command})
            answer = await ws.receive_json()
        if not answer.get("success"):
            raise DemoError(f"{command['type']} failed: {answer.get('error')}")
        return answer["result"]

    async def async_authenticate_websocket(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Log a new websocket connection in as the demo user."""
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": self.token})
        await ws.receive_json()

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}
