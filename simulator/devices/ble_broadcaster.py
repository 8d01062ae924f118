"""Simulated BLE sensors: BTHome v2 advertisements streamed as NDJSON over HTTP, as a proxy would hear them.

GET /advertisements on 127.0.0.1:<port> never ends: one JSON line per advertisement
({"address", "name", "rssi", "service_uuids", "service_data": {uuid: hex}, "connectable"}).
Values follow each sensor's schedule (a cover lifted after a while, water rising, a shed
heating up); commands set values or silence a sensor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
import json
import random
from typing import Any

from aiohttp import web

from simulator.devices.bthome_encoding import BTHOME_SERVICE_UUID, encode_service_data
from simulator.kinds import CommandError, register_kind

LOOPBACK = "127.0.0.1"


@dataclass(slots=True)
class _Drift:
    """A measurement that moves by a fixed step per advertisement until it reaches a limit."""

    key: str
    step: float
    limit: float

    def apply(self, values: dict[str, float]) -> None:
        current = values.get(self.key, self.limit)
        moved = current + self.step
        values[self.key] = min(moved, self.limit) if self.step > 0 else max(moved, self.limit)


@dataclass(slots=True)
class _Sensor:
    """One simulated BTHome sensor."""

    address: str
    name: str
    values: dict[str, float]
    bind_key: bytes | None = None
    steps: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    drifts: list[_Drift] = field(default_factory=list)
    silent: bool = False
    counter: int = 0
    packet_id: int = 0

    def advertisement(self, elapsed: float) -> dict[str, Any]:
        while self.steps and self.steps[0][0] <= elapsed:
            self.values.update(self.steps.pop(0)[1])
        for drift in self.drifts:
            drift.apply(self.values)
        self.counter += 1
        self.packet_id = (self.packet_id + 1) % 256
        service_data = encode_service_data(
            {"packet_id": self.packet_id, **self.values},
            address=self.address,
            bind_key=self.bind_key,
            counter=self.counter,
        )
        return {
            "address": self.address,
            "name": self.name,
            "rssi": random.randint(-85, -60),
            "service_uuids": [BTHOME_SERVICE_UUID],
            "service_data": {BTHOME_SERVICE_UUID: service_data.hex()},
            "connectable": False,
        }


def _sensor(raw: Mapping[str, Any]) -> _Sensor:
    try:
        address = str(raw["address"]).upper()
        key = raw.get("bind_key")
        steps = sorted(
            (float(step["after"]), {k: float(v) for k, v in step["set"].items()})
            for step in raw.get("steps", [])
        )
        drifts = [
            _Drift(key=name, step=float(drift["step"]), limit=float(drift["limit"]))
            for name, drift in raw.get("drift", {}).items()
        ]
        return _Sensor(
            address=address,
            name=str(raw.get("name", "BTHome")),
            values={k: float(v) for k, v in raw.get("values", {}).items()},
            bind_key=bytes.fromhex(key) if key else None,
            steps=steps,
            drifts=drifts,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ValueError(
            f"a ble_broadcaster sensor needs address, values, steps, drift: {err}"
        ) from err


class BleBroadcaster:
    """A room full of BTHome sensors, heard through one simulated proxy."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        """Read the port, advertising interval and sensors from the settings."""
        self.device_id = device_id
        self._port = int(settings.get("port", 0))
        self._interval = float(settings.get("interval", 2.0))
        self.sensors = {
            sensor.address: sensor for sensor in map(_sensor, settings.get("sensors", []))
        }
        self._runner: web.AppRunner | None = None
        self._queues: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self.port = 0

    async def async_start(self) -> None:
        """Serve the advertisement stream and start advertising."""
        app = web.Application()
        app.router.add_get("/advertisements", self._handle_stream)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, LOOPBACK, self._port).start()
        self.port = self._runner.addresses[0][1]
        self._task = asyncio.create_task(self._advertise())

    async def async_stop(self) -> None:
        """Stop advertising and serving."""
        if self._task:
            self._task.cancel()
            self._task = None
        for queue in self._queues:
            queue.put_nowait(None)  # ends each open stream, so the server stops at once
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    def status(self) -> dict[str, Any]:
        """Return the stream's address and each sensor's values."""
        return {
            "url": f"http://{LOOPBACK}:{self.port}/advertisements",
            "listeners": len(self._queues),
            "sensors": {
                address: {"values": sensor.values, "silent": sensor.silent}
                for address, sensor in self.sensors.items()
            },
        }

    async def async_command(self, command: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Run set (address, values), silence (address) or resume (address)."""
        sensor = self.sensors.get(str(arguments.get("address", "")).upper())
        if sensor is None:
            raise CommandError(f"no sensor {arguments.get('address')!r}")
        if command == "set":
            values = arguments.get("values")
            if not isinstance(values, dict):
                raise CommandError("set needs values: an object of measurements")
            sensor.values.update({k: float(v) for k, v in values.items()})
        elif command in ("silence", "resume"):
            sensor.silent = command == "silence"
        else:
            raise CommandError(f"unknown command {command!r} (set, silence, resume)")
        return {"address": sensor.address, "values": sensor.values, "silent": sensor.silent}

    async def _advertise(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            for sensor in self.sensors.values():
                if not sensor.silent:
                    advertisement = sensor.advertisement(loop.time() - started)
                    for queue in self._queues:
                        queue.put_nowait(advertisement)
            await asyncio.sleep(self._interval)

    async def _handle_stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._queues.add(queue)
        try:
            while (advertisement := await queue.get()) is not None:
                await response.write(json.dumps(advertisement).encode() + b"\n")
        except ConnectionResetError:
            pass
        finally:
            self._queues.discard(queue)
        return response


register_kind("ble_broadcaster")(BleBroadcaster)
