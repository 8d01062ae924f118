"""Simulated face-recognition temperature-screening terminal speaking the ISAPI subset over HTTP.

Digest auth (its own implementation: a simulator sharing the client's code would share its bugs),
device info, door control, a multipart alert stream with heartbeats and retained-history replay,
history search in pages of 30, residents passing at a configurable rate, and fault injection.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
import hashlib
import ipaddress
import json
import os
from pathlib import Path
import random
import re
import ssl
import tempfile
import time
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from simulator.kinds import CommandError, register_kind

LOOPBACK = "127.0.0.1"
BOUNDARY = "boundary"
WUHAN = timezone(timedelta(hours=8))
HISTORY_PAGE_LIMIT = 30
NONCES_KEPT = 16
"""Nonces valid at once, so concurrent clients do not make each other's stale."""
MAJOR_EVENT, MAJOR_OPERATION = 5, 3
MINOR_FACE_PASSED, MINOR_FACE_FAILED, MINOR_REMOTE_OPEN = 0x4B, 0x4C, 0x400
FEVER_FROM = 37.3
DOOR_COMMANDS = {"open", "close", "alwaysOpen", "alwaysClose"}
RESIDENTS = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴婷")
_AUTH_PARAM = re.compile(r'([a-zA-Z]+)=("([^"]*)"|[^,\s]*)')
MALFORMED_KINDS = (
    "bad_json",
    "no_content_type",
    "repeated_boundary",
    "bad_header",
    "wrong_length",
    "garbage",
    "not_an_object",
    "name_not_text",
    "employee_no_not_text",
    "temperature_not_number",
)
ODD_FIELDS = {
    "name_not_text": "name",
    "employee_no_not_text": "employeeNoString",
    "temperature_not_number": "currTemperature",
}
"""Kinds of malformed part that are an access event with one field of the wrong type."""


def _self_signed_context() -> ssl.SSLContext:
    """Return a server TLS context with a fresh self-signed certificate, as terminals ship."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "access terminal")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as directory:
        cert_file, key_file = Path(directory, "cert.pem"), Path(directory, "key.pem")
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert_file, key_file)
    return context


@dataclass(slots=True)
class _Subscriber:
    request: web.Request
    queue: asyncio.Queue[tuple[bytes, int | None] | None] = field(default_factory=asyncio.Queue)
    """What to write next, with the serial number of the live event it carries; None ends the stream."""
    stalled: bool = False

    @property
    def gone(self) -> bool:
        transport = self.request.transport
        return transport is None or transport.is_closing()


def _part(body: bytes, content_type: str | None = 'application/json; charset="UTF-8"') -> bytes:
    headers = f"Content-Type: {content_type}\r\n" if content_type else ""
    return f"--{BOUNDARY}\r\n{headers}Content-Length: {len(body)}\r\n\r\n".encode() + body + b"\r\n"


def _malformed(kind: str, good: bytes) -> bytes:  # noqa: PLR0911 - one stretch per kind
    """Return a broken stretch of stream followed (where the kind allows) by a good part."""
    match kind:
        case "bad_json":
            return _part(b'{"eventType": "AccessControllerEvent", "Access')
        case "no_content_type":
            return _part(good, content_type=None)
        case "repeated_boundary":
            return f"--{BOUNDARY}\r\n--{BOUNDARY}\r\n".encode() + _part(good)
        case "bad_header":
            return f"--{BOUNDARY}\r\nthis is not a header\r\n\r\n{{}}\r\n".encode()
        case "wrong_length":
            return (
                f"--{BOUNDARY}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n".encode()
                + good
                + b"\r\n"
            )
        case "garbage":
            return b"\x00\xffnot multipart at all\r\n"
        case "not_an_object":
            return _part(b"[1, 2, 3]")
    raise CommandError(f"unknown malformed kind {kind!r}; known: {', '.join(MALFORMED_KINDS)}")


class AccessTerminal:
    """One simulated terminal; its journal of records survives reboots, as on the real device."""

    def __init__(self, device_id: str, settings: Mapping[str, Any]) -> None:
        """Configure the terminal from its description settings."""
        self.device_id = device_id
        self.port = int(settings.get("port", 0))
        self.username = str(settings.get("username", "admin"))
        self.password = str(settings.get("password", "hanyang123"))
        self.serial = str(settings.get("serial", f"DS-K1T671TM{device_id.upper()}"))
        self.model = str(settings.get("model", "DS-K1T671TM-3XF"))
        self.algorithm = str(settings.get("algorithm", "MD5"))
        self.doors = int(settings.get("doors", 1))
        self.heartbeat_interval = float(settings.get("heartbeat_interval", 10))
        self.retained = int(settings.get("retained", 100))
        self.clock_offset = float(settings.get("clock_offset", 0))
        self.lockout_after = int(settings.get("lockout_after", 5))
        self._tls = _self_signed_context() if settings.get("tls") else None
        residents = settings.get("residents") or {}
        self.per_minute = float(residents.get("per_minute", 0))
        self.fever_rate = float(residents.get("fever_rate", 0.05))
        self.no_mask_rate = float(residents.get("no_mask_rate", 0.1))
        self.journal: list[dict[str, Any]] = []
        self.door_states = dict.fromkeys(range(1, self.doors + 1), "normal")
        self.door_commands: list[tuple[int, str]] = []
        self.sent_at: dict[int, float] = {}
        """perf_counter time each live event was written to the subscriber's stream (for benchmarks)."""
        self.failed_logins = 0
        self.unauthorized_left = 0
        self.slot_taken_by_other = False
        self.down = False
        self._subscriber: _Subscriber | None = None
        self._nonces: deque[str] = deque(maxlen=NONCES_KEPT)
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._random = random.Random(settings.get("seed"))
        for _ in range(int(settings.get("history", 0))):
            self._record(self._resident_record())

    # ----- life cycle -----------------------------------------------------------------

    async def async_start(self) -> None:
        """Serve ISAPI on 127.0.0.1 and start residents passing, if configured."""
        app = web.Application()
        app.router.add_get("/ISAPI/System/deviceInfo", self._device_info)
        app.router.add_put("/ISAPI/AccessControl/RemoteControl/door/{door}", self._door)
        app.router.add_post("/ISAPI/AccessControl/AcsEvent", self._history)
        app.router.add_get("/ISAPI/Event/notification/alertStream", self._alert_stream)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, LOOPBACK, self.port, shutdown_timeout=0.1, ssl_context=self._tls
        )
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.down = False
        self._ensure_residents()

    def _ensure_residents(self) -> None:
        if self.per_minute > 0 and not any(task.get_name() == "residents" for task in self._tasks):
            self._spawn(self._residents(), "residents")

    async def async_stop(self) -> None:
        """Stop serving and free the port."""
        for task in list(self._tasks):
            task.cancel()
        await self._shutdown_http()

    async def _shutdown_http(self) -> None:
        self._end_subscription()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def status(self) -> dict[str, Any]:
        """Return the endpoint and what a test or a person watching the demo wants to know."""
        return {
            "host": LOOPBACK,
            "port": self.port,
            "https": self._tls is not None,
            "serial": self.serial,
            "doors": {str(door): state for door, state in self.door_states.items()},
            "door_commands": len(self.door_commands),
            "records": len(self.journal),
            "last_serial": self.journal[-1]["serialNo"] if self.journal else 0,
            "subscribed": self._subscriber is not None and not self._subscriber.gone,
            "failed_logins": self.failed_logins,
            "down": self.down,
            "residents_per_minute": self.per_minute,
        }

    # ----- control API --------------------------------------------------------------

    async def async_command(self, command: str, arguments: Mapping[str, Any]) -> dict[str, Any]:  # noqa: C901, PLR0912 - one branch per command
        """Run a control command: people passing, residents' rates, faults."""
        match command:
            case "pass":
                for _ in range(int(arguments.get("count", 1))):
                    self._publish(self._resident_record(**arguments))
            case "residents":
                self.per_minute = float(arguments.get("per_minute", self.per_minute))
                self.fever_rate = float(arguments.get("fever_rate", self.fever_rate))
                self.no_mask_rate = float(arguments.get("no_mask_rate", self.no_mask_rate))
                self._ensure_residents()
            case "burst":
                self._spawn(
                    self._burst(float(arguments["rate"]), float(arguments["duration"])), "burst"
                )
            case "stall":
                if self._subscriber is not None:
                    self._subscriber.stalled = True
            case "drop":
                self._end_subscription()
            case "reboot":
                self._spawn(self._reboot(float(arguments.get("downtime", 2))), "reboot")
            case "unauthorized":
                self.unauthorized_left = int(arguments.get("count", 1))
            case "set_password":
                self.password = str(arguments["password"])
                self.failed_logins = 0
            case "malformed":
                kinds = arguments.get("kinds") or list(MALFORMED_KINDS)
                good = json.dumps(self._heartbeat()).encode()
                self._send(
                    b"".join(
                        _part(self._odd_event(ODD_FIELDS[kind]))
                        if kind in ODD_FIELDS
                        else _malformed(str(kind), good)
                        for kind in kinds
                    )
                )
            case "deploy_exceed_max":
                self.slot_taken_by_other = bool(arguments.get("taken", True))
                if self.slot_taken_by_other:
                    self._end_subscription()
            case _:
                raise CommandError(f"an access terminal cannot {command}")
        return self.status()

    async def _reboot(self, downtime: float) -> None:
        self.down = True
        self.door_states = dict.fromkeys(self.door_states, "normal")  # held doors are forgotten
        await self._shutdown_http()
        self._nonces.clear()
        await asyncio.sleep(downtime)
        await self.async_start()

    async def _residents(self) -> None:
        while self.per_minute > 0:
            await asyncio.sleep(self._random.expovariate(self.per_minute / 60))
            if self.per_minute > 0:
                self._publish(self._resident_record())

    async def _burst(self, rate: float, duration: float) -> None:
        start = time.perf_counter()
        count = int(rate * duration)
        for index in range(count):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self._publish(self._resident_record(temperature=36.5, mask=True))

    # ----- records ----------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.now(UTC).astimezone(WUHAN) + timedelta(seconds=self.clock_offset)

    def _resident_record(self, **given: Any) -> dict[str, Any]:
        index = self._random.randrange(len(RESIDENTS))
        fever = self._random.random() < self.fever_rate
        temperature = float(
            given.get(
                "temperature",
                round(
                    self._random.uniform(37.5, 38.6) if fever else self._random.uniform(36.0, 37.0),
                    1,
                ),
            )
        )
        mask = bool(given.get("mask", self._random.random() >= self.no_mask_rate))
        unit = str(given.get("unit", "celsius"))
        abnormal = temperature >= FEVER_FROM
        if unit == "fahrenheit":
            temperature = round(temperature * 9 / 5 + 32, 1)
        granted = bool(given.get("granted", not abnormal))
        return {
            "major": MAJOR_EVENT,
            "minor": MINOR_FACE_PASSED if granted else MINOR_FACE_FAILED,
            "name": str(given.get("name", RESIDENTS[index])),
            "employeeNoString": str(given.get("employee_no", 1001 + index)),
            "currentVerifyMode": str(given.get("verify_mode", "face")),
            "mask": "yes" if mask else "no",
            "currTemperature": temperature,
            "isAbnomalTemperature": abnormal,
            "thermometryUnit": unit,
            "doorNo": int(given.get("door", 1)),
        }

    def _record(self, record: dict[str, Any]) -> dict[str, Any]:
        serial = (self.journal[-1]["serialNo"] if self.journal else 0) + 1
        stored = {**record, "serialNo": serial, "time": self._now().isoformat(timespec="seconds")}
        self.journal.append(stored)
        return stored

    def _publish(self, record: dict[str, Any]) -> None:
        """Record an event and push it to the subscriber, as the terminal does."""
        stored = self._record(record)
        if self._subscriber is not None and not self.down:
            self._send(
                _part(json.dumps(self._envelope(stored, current=True)).encode()), stored["serialNo"]
            )

    def _envelope(self, stored: dict[str, Any], *, current: bool) -> dict[str, Any]:
        event = {
            key: value for key, value in stored.items() if key not in ("major", "minor", "time")
        }
        return {
            "ipAddress": LOOPBACK,
            "portNo": self.port,
            "protocol": "HTTP",
            "dateTime": stored["time"],
            "activePostCount": 1,
            "eventType": "AccessControllerEvent",
            "eventState": "active",
            "eventDescription": "Access Controller Event",
            "AccessControllerEvent": {
                "deviceName": self.model,
                "majorEventType": stored["major"],
                "subEventType": stored["minor"],
                "currentEvent": current,
                **event,
            },
        }

    def _odd_event(self, field: str) -> bytes:
        """Return an access event (never recorded) whose field holds its value in an object."""
        record = {
            **self._resident_record(),
            "serialNo": (self.journal[-1]["serialNo"] if self.journal else 0) + 1,
            "time": self._now().isoformat(timespec="seconds"),
        }
        record[field] = {"value": record[field]}
        return json.dumps(self._envelope(record, current=True)).encode()

    def _heartbeat(self) -> dict[str, Any]:
        return {
            "ipAddress": LOOPBACK,
            "portNo": self.port,
            "protocol": "HTTP",
            "dateTime": self._now().isoformat(timespec="seconds"),
            "activePostCount": 1,
            "eventType": "heartBeat",
            "eventState": "active",
            "eventDescription": "heartBeat",
        }

    async def async_flushed(self) -> None:
        """Return once everything sent so far is written to the subscriber's stream."""
        if (subscriber := self._subscriber) is not None:
            await subscriber.queue.join()

    def _send(self, data: bytes, serial: int | None = None) -> None:
        if self._subscriber is not None:
            self._subscriber.queue.put_nowait((data, serial))

    def _end_subscription(self) -> None:
        if self._subscriber is not None:
            self._subscriber.queue.put_nowait(None)
            self._subscriber = None

    # ----- digest authentication ------------------------------------------------------

    def _challenge(self, *, stale: bool) -> web.Response:
        nonce = os.urandom(16).hex()
        self._nonces.append(nonce)
        header = (
            f'Digest realm="DS-{self.serial}", qop="auth", nonce="{nonce}", '
            f'opaque="{self.device_id}", algorithm={self.algorithm}'
            + (", stale=TRUE" if stale else "")
        )
        return web.Response(status=401, headers={"WWW-Authenticate": header})

    def _hash(self, text: str) -> str:
        name = "sha256" if self.algorithm.upper().startswith("SHA-256") else "md5"
        return hashlib.new(name, text.encode()).hexdigest()

    def _authorize(self, request: web.Request) -> web.Response | None:  # noqa: PLR0911 - one refusal per failure
        """Return the 401 to send, or None when the request is authenticated."""
        if self.unauthorized_left > 0:
            self.unauthorized_left -= 1
            return self._challenge(stale=True)
        header = request.headers.get("Authorization", "")
        if not header.startswith("Digest "):
            return self._challenge(stale=False)
        params = {
            m.group(1): m.group(3) if m.group(3) is not None else m.group(2)
            for m in _AUTH_PARAM.finditer(header[7:])
        }
        nonce = params.get("nonce")
        if nonce not in self._nonces:
            return self._challenge(stale=True)
        if self.failed_logins >= self.lockout_after:
            return self._challenge(stale=False)  # locked: even the right password is refused
        ha1 = self._hash(f"{params.get('username')}:DS-{self.serial}:{self.password}")
        ha2 = self._hash(f"{request.method}:{params.get('uri')}")
        expected = self._hash(f"{ha1}:{nonce}:{params.get('nc')}:{params.get('cnonce')}:auth:{ha2}")
        if params.get("username") != self.username or params.get("response") != expected:
            self.failed_logins += 1
            return self._challenge(stale=False)
        if params.get("uri") != request.path_qs:
            return web.Response(status=400, text="uri mismatch")
        return None

    # ----- ISAPI handlers -------------------------------------------------------------

    async def _device_info(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._authorize(request)) is not None:
            return refusal
        return web.Response(
            content_type="application/xml",
            text=(
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<DeviceInfo version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">'
                f"<deviceName>{self.device_id}</deviceName><deviceID>{self.device_id}</deviceID>"
                f"<model>{self.model}</model><serialNumber>{self.serial}</serialNumber>"
                "<firmwareVersion>V3.2.30</firmwareVersion><deviceType>ACS</deviceType>"
                "</DeviceInfo>"
            ),
        )

    async def _door(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._authorize(request)) is not None:
            return refusal
        door = int(request.match_info["door"]) if request.match_info["door"].isdigit() else 0
        match = re.search(r"<cmd>(\w+)</cmd>", await request.text())
        if door not in self.door_states or match is None or match.group(1) not in DOOR_COMMANDS:
            return web.Response(status=400, text="badParameters")
        command = match.group(1)
        self.door_commands.append((door, command))
        if command == "open":
            self._publish({"major": MAJOR_OPERATION, "minor": MINOR_REMOTE_OPEN, "doorNo": door})
        else:
            self.door_states[door] = {
                "close": "normal",
                "alwaysOpen": "always_open",
                "alwaysClose": "always_closed",
            }[command]
        return web.Response(
            content_type="application/xml",
            text="<ResponseStatus><statusCode>1</statusCode><statusString>OK</statusString></ResponseStatus>",
        )

    async def _history(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._authorize(request)) is not None:
            return refusal
        try:
            cond = (await request.json())["AcsEventCond"]
            position = int(cond.get("searchResultPosition", 0))
            limit = min(int(cond.get("maxResults", HISTORY_PAGE_LIMIT)), HISTORY_PAGE_LIMIT)
            begin = int(cond.get("beginSerialNo", 0))
            end = int(cond.get("endSerialNo", 1 << 62))
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="badJsonContent")
        matches = [dict(record) for record in self.journal if begin <= record["serialNo"] <= end]
        page = matches[position : position + limit]
        more = position + len(page) < len(matches)
        status = ("MORE" if more else "OK") if page else "NO MATCH"
        return web.json_response(
            {
                "AcsEvent": {
                    "searchID": cond.get("searchID", ""),
                    "responseStatusStrg": status,
                    "numOfMatches": len(page),
                    "totalMatches": len(matches),
                    "InfoList": page,
                }
            }
        )

    async def _alert_stream(self, request: web.Request) -> web.StreamResponse:
        if (refusal := self._authorize(request)) is not None:
            return refusal
        if self._subscriber is not None and self._subscriber.gone:
            self._end_subscription()
        if self.slot_taken_by_other or self._subscriber is not None:
            return web.Response(
                status=403,
                content_type="application/xml",
                text="<ResponseStatus><statusCode>4</statusCode><subStatusCode>deployExceedMax</subStatusCode></ResponseStatus>",
            )
        subscriber = self._subscriber = _Subscriber(request)
        response = web.StreamResponse(
            headers={"Content-Type": f"multipart/mixed; boundary={BOUNDARY}"}
        )
        await response.prepare(request)
        try:
            await self._pump(subscriber, response)
        except ConnectionResetError:
            pass  # the subscriber went away; the slot is freed below
        finally:
            if self._subscriber is subscriber:
                self._subscriber = None
        if request.transport is not None:
            request.transport.close()
        return response

    async def _pump(self, subscriber: _Subscriber, response: web.StreamResponse) -> None:
        """Replay retained history, then write live parts and heartbeats until the stream ends."""
        if self.retained and self.journal:
            await response.write(
                b"".join(
                    _part(json.dumps(self._envelope(record, current=False)).encode())
                    for record in self.journal[-self.retained :]
                )
            )
        while True:
            taken = True
            try:
                outgoing = await asyncio.wait_for(subscriber.queue.get(), self.heartbeat_interval)
            except TimeoutError:
                outgoing, taken = (_part(json.dumps(self._heartbeat()).encode()), None), False
            if outgoing is None:
                return
            data, serial = outgoing
            if not subscriber.stalled:
                if serial is not None:
                    # Taken here, not when the event happened: many simulated terminals share
                    # one process, and a real one writes as soon as it has an event.
                    self.sent_at[serial] = time.perf_counter()
                await response.write(data)
            if taken:
                subscriber.queue.task_done()


register_kind("access_terminal")(AccessTerminal)
