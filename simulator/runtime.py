"""Runs a described compound: starts its devices and a control API for faults and scripted events."""

from __future__ import annotations

from collections.abc import Mapping
import json
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from . import devices as _registers_device_kinds  # noqa: F401
from .description import CompoundDescription, DescriptionError
from .kinds import KINDS, CommandError, SimulatedDevice

LOOPBACK = "127.0.0.1"


class Simulator:
    """A running simulated compound.

    Devices serve their own protocols; the control API (HTTP, JSON) lists them at GET /status
    and runs commands at POST /devices/<id>/<command> with a JSON object of arguments.
    """

    def __init__(self, description: CompoundDescription, *, control_port: int = 0) -> None:
        """Prepare the compound; nothing listens until async_start."""
        unknown = sorted({device.kind for device in description.devices} - KINDS.keys())
        if unknown:
            raise DescriptionError(
                f"unknown device kinds: {', '.join(unknown)} (known: {', '.join(sorted(KINDS))})"
            )
        self.description = description
        self.devices: dict[str, SimulatedDevice] = {
            device.id: KINDS[device.kind](device.id, device.settings)
            for device in description.devices
        }
        self._control_port = control_port
        self._runner: web.AppRunner | None = None
        self.control_url = ""

    async def async_start(self) -> None:
        """Start every device, then the control API."""
        started: list[SimulatedDevice] = []
        try:
            for device in self.devices.values():
                await device.async_start()
                started.append(device)
            app = web.Application()
            app.router.add_get("/status", self._handle_status)
            app.router.add_post("/devices/{device_id}/{command}", self._handle_command)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, LOOPBACK, self._control_port)
            await site.start()
        except BaseException:
            for device in reversed(started):
                await device.async_stop()
            raise
        port = self._runner.addresses[0][1]
        self.control_url = f"http://{LOOPBACK}:{port}"

    async def async_stop(self) -> None:
        """Stop the control API and every device, freeing their ports."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for device in reversed(self.devices.values()):
            await device.async_stop()

    async def __aenter__(self) -> Self:
        """Start the compound for the duration of a with-block."""
        await self.async_start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the compound at the end of the with-block."""
        await self.async_stop()

    def status(self) -> dict[str, Any]:
        """Return the compound and each device's endpoint and state."""
        return {
            "compound": {
                "name": self.description.name,
                "zone": self.description.zone,
                "service_tier": self.description.service_tier,
            },
            "devices": {
                device.id: {"kind": device.kind, **self.devices[device.id].status()}
                for device in self.description.devices
            },
        }

    async def async_command(
        self, device_id: str, command: str, arguments: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Run a control command on one device."""
        if device_id not in self.devices:
            raise CommandError(f"no device {device_id!r}")
        return await self.devices[device_id].async_command(command, arguments)

    async def _handle_status(self, request: web.Request) -> web.Response:
        return web.json_response(self.status())

    async def _handle_command(self, request: web.Request) -> web.Response:
        try:
            arguments = await request.json() if request.can_read_body else {}
        except json.JSONDecodeError:
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        if not isinstance(arguments, dict):
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        device_id = request.match_info["device_id"]
        if device_id not in self.devices:
            return web.json_response({"error": f"no device {device_id!r}"}, status=404)
        try:
            result = await self.async_command(device_id, request.match_info["command"], arguments)
        except CommandError as err:
            return web.json_response({"error": str(err)}, status=400)
        return web.json_response(result)
