"""Digest-authenticated ISAPI client of one access terminal: device info, doors, history, alert stream."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
import errno
import json
import socket
import ssl
from typing import Any, Final
import uuid
from xml.etree import ElementTree as ET

import aiohttp
from yarl import URL

from .digest import DigestAuth
from .errors import (
    MalformedPartError,
    NotSupportedError,
    StreamSlotTakenError,
    StreamStalledError,
    TerminalAuthError,
    TerminalError,
    TerminalProtocolError,
    TerminalUnreachableError,
)
from .events import AccessEvent, Heartbeat, StreamItem, decode_history_record, decode_part
from .multipart import MultipartParser

DEVICE_INFO_PATH: Final = "/ISAPI/System/deviceInfo"
DOOR_PATH: Final = "/ISAPI/AccessControl/RemoteControl/door/{door}"
HISTORY_PATH: Final = "/ISAPI/AccessControl/AcsEvent?format=json"
ALERT_STREAM_PATH: Final = "/ISAPI/Event/notification/alertStream"
HISTORY_PAGE_SIZE: Final = 30
"""Terminals answer at most 30 records per history page."""
SLOT_TAKEN_MARKER: Final = "deployExceedMax"


class DoorCommand(StrEnum):
    """What a door can be told to do (the ISAPI cmd values)."""

    OPEN = "open"
    CLOSE = "close"
    ALWAYS_OPEN = "alwaysOpen"
    ALWAYS_CLOSED = "alwaysClose"


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Who the terminal is: serial number (its identity), model and firmware."""

    serial_number: str
    model: str
    firmware_version: str
    device_name: str


def _xml_text(root: ET.Element, name: str) -> str:
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == name:
            return (element.text or "").strip()
    return ""


def parse_device_info(body: str) -> DeviceInfo:
    """Read deviceInfo XML; anything else means the device is not a supported terminal."""
    try:
        root = ET.fromstring(body)  # noqa: S314 - answers of a configured terminal; expat expands no external entities
    except ET.ParseError as err:
        raise NotSupportedError(f"deviceInfo is not XML: {err}") from None
    if root.tag.rsplit("}", 1)[-1] != "DeviceInfo" or not _xml_text(root, "serialNumber"):
        raise NotSupportedError("the device's deviceInfo has no serial number")
    return DeviceInfo(
        serial_number=_xml_text(root, "serialNumber"),
        model=_xml_text(root, "model"),
        firmware_version=_xml_text(root, "firmwareVersion"),
        device_name=_xml_text(root, "deviceName"),
    )


class AlertStream:
    """The terminal's alert stream as an async iterator of typed items.

    Raises StreamStalledError when nothing (not even a heartbeat) arrives within the
    heartbeat timeout, and TerminalUnreachableError when the terminal ends the stream.
    """

    def __init__(
        self, response: aiohttp.ClientResponse, boundary: str, heartbeat_timeout: float
    ) -> None:
        """Read items from an open streaming response."""
        self._response = response
        self._parser = MultipartParser(boundary)
        self._heartbeat_timeout = heartbeat_timeout
        self._pending: deque[StreamItem] = deque()
        self._ended = False

    def __aiter__(self) -> AlertStream:
        """Return the stream itself."""
        return self

    async def __anext__(self) -> StreamItem:
        """Return the next event, heartbeat or malformed-part error."""
        while not self._pending:
            if self._ended:
                raise TerminalUnreachableError("the terminal closed the alert stream")
            try:
                chunk = await _read_chunk(self._response, self._heartbeat_timeout)
            except TimeoutError:
                raise StreamStalledError(
                    f"no data for {self._heartbeat_timeout:g} s on the alert stream"
                ) from None
            if not chunk:
                self._ended = True
                self._queue(self._parser.close())
            else:
                self._queue(self._parser.feed(chunk))
        return self._pending.popleft()

    def _queue(self, parsed: list[Any]) -> None:
        for item in parsed:
            if isinstance(item, MalformedPartError):
                self._pending.append(item)
                continue
            try:
                decoded = decode_part(item)
            except MalformedPartError as err:
                self._pending.append(err)
                continue
            if decoded is not None:
                self._pending.append(decoded)


async def _read_chunk(response: aiohttp.ClientResponse, wait: float) -> bytes:
    """Read what has arrived on a streaming response, waiting at most wait seconds."""
    try:
        async with asyncio.timeout(wait):
            return await response.content.readany()
    except aiohttp.ClientError as err:
        raise TerminalUnreachableError(f"the alert stream broke: {describe_failure(err)}") from None


def describe_failure(err: BaseException) -> str:  # noqa: PLR0911 - one description per kind of failure
    """Say why a request failed without the error's own text, which names the host and port."""
    if isinstance(err, aiohttp.ClientConnectorDNSError | socket.gaierror):
        return "the host name does not resolve"
    if isinstance(err, aiohttp.ClientConnectorCertificateError | ssl.SSLCertVerificationError):
        return "the HTTPS certificate was not accepted"
    if isinstance(err, aiohttp.ClientSSLError | ssl.SSLError):
        return "the HTTPS handshake failed"
    if isinstance(err, TimeoutError):
        return "no answer in time"
    if isinstance(err, aiohttp.ServerDisconnectedError):
        return "the terminal closed the connection"
    if isinstance(err, aiohttp.ClientConnectorError):
        err = err.os_error
    if isinstance(err, OSError) and (code := errno.errorcode.get(err.errno or 0)):
        return f"the connection failed ({code})"
    if isinstance(err, ValueError):
        return "the address cannot be used"
    return f"the connection failed ({type(err).__name__})"


class IsapiClient:
    """Talks to one terminal with digest authentication over an injected aiohttp session.

    After the terminal refuses the credentials once, every further request fails at once
    with TerminalAuthError without contacting it: repeated failed logins lock terminals.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        port: int,
        *,
        username: str,
        password: str,
        https: bool = False,
        verify_ssl: bool = True,
        request_timeout: float = 10.0,
    ) -> None:
        """Prepare the client; nothing is sent until a request is made.

        Raises ValueError if host is no host name or IP address.
        """
        self._session = session
        # Built, not formatted: an IPv6 address needs brackets, and a bad host fails here.
        self._base_url = str(URL.build(scheme="https" if https else "http", host=host, port=port))
        self._ssl: bool = verify_ssl if https else True
        self._auth = DigestAuth(username, password)
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=request_timeout, sock_read=None
        )
        self.auth_failed = False
        self.reauthentications = 0
        """How often a 401 in mid-session was answered by re-authenticating (stale nonces)."""

    async def _send(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        content_type: str | None = None,
        limits: aiohttp.ClientTimeout | None = None,
    ) -> aiohttp.ClientResponse:
        if self.auth_failed:
            raise TerminalAuthError("the terminal refused the credentials; waiting for new ones")
        had_challenge = self._auth.has_challenge
        for attempt in range(2):
            headers = {"Content-Type": content_type} if content_type else {}
            if self._auth.has_challenge:
                headers["Authorization"] = self._auth.authorization(method, path)
            try:
                response = await self._session.request(
                    method,
                    self._base_url + path,
                    data=data,
                    headers=headers,
                    timeout=limits or self._timeout,
                    ssl=self._ssl,
                )
            except Exception as err:  # noqa: BLE001 - see below
                # Any failure of the session is the terminal out of reach, never a crash of the
                # link: besides aiohttp's errors, a resolver library at odds with its wrapper
                # raises TypeError, a bad address ValueError.
                raise TerminalUnreachableError(describe_failure(err)) from None
            if response.status != 401:  # noqa: PLR2004 - HTTP status
                return response
            challenge = response.headers.get("WWW-Authenticate", "")
            response.release()
            if attempt or not challenge:
                self.auth_failed = True
                raise TerminalAuthError("the terminal refused the user name or password")
            # The first request learns the challenge; later a nonce goes stale: answer once.
            self._auth.accept_challenge(challenge)
            if had_challenge:
                self.reauthentications += 1
        raise AssertionError("unreachable")  # pragma: no cover

    async def _read(self, response: aiohttp.ClientResponse) -> str:
        try:
            async with response:
                text = await response.text(errors="replace")
        except (aiohttp.ClientError, TimeoutError) as err:
            raise TerminalUnreachableError(describe_failure(err)) from None
        if response.status == 404:  # noqa: PLR2004 - HTTP status
            raise NotSupportedError(f"{response.url.path} does not exist on this device")
        if response.status >= 400:  # noqa: PLR2004 - HTTP status
            raise TerminalProtocolError(f"{response.url.path} answered HTTP {response.status}")
        return text

    async def async_get_device_info(self) -> DeviceInfo:
        """Return the terminal's identity."""
        return parse_device_info(await self._read(await self._send("GET", DEVICE_INFO_PATH)))

    async def async_control_door(self, door: int, command: DoorCommand) -> None:
        """Open once, close, hold open or hold closed a door."""
        body = f"<RemoteControlDoor><cmd>{command}</cmd></RemoteControlDoor>".encode()
        await self._read(
            await self._send(
                "PUT", DOOR_PATH.format(door=door), data=body, content_type="application/xml"
            )
        )

    async def _search_page(
        self, search_id: str, position: int, cond: dict[str, Any]
    ) -> dict[str, Any]:
        body = json.dumps(
            {
                "AcsEventCond": {
                    "searchID": search_id,
                    "searchResultPosition": position,
                    "maxResults": HISTORY_PAGE_SIZE,
                    "major": 0,
                    "minor": 0,
                    **cond,
                }
            }
        ).encode()
        text = await self._read(
            await self._send("POST", HISTORY_PATH, data=body, content_type="application/json")
        )
        try:
            answer = json.loads(text)["AcsEvent"]
        except (ValueError, KeyError, TypeError) as err:
            raise TerminalProtocolError(f"unreadable history answer: {err}") from None
        if not isinstance(answer, dict):
            raise TerminalProtocolError("unreadable history answer")
        return answer

    async def async_search_history(
        self, begin_serial: int, end_serial: int | None = None
    ) -> list[AccessEvent | MalformedPartError]:
        """Return the records from begin_serial (to end_serial), page by page, in serial order.

        An unreadable record is returned as an error in its place; the others are kept.
        """
        cond: dict[str, Any] = {"beginSerialNo": begin_serial}
        if end_serial is not None:
            cond["endSerialNo"] = end_serial
        search_id = uuid.uuid4().hex
        records: list[AccessEvent | MalformedPartError] = []
        position = 0
        while True:
            answer = await self._search_page(search_id, position, cond)
            status = answer.get("responseStatusStrg")
            info_list = answer.get("InfoList") or []
            if status == "NO MATCH" or not isinstance(info_list, list):
                break
            for record in info_list:
                try:
                    records.append(decode_history_record(record))
                except MalformedPartError as err:
                    records.append(err)
            position += len(info_list)
            if status != "MORE" or not info_list:
                break
        return sorted(records, key=lambda r: r.serial_no if isinstance(r, AccessEvent) else -1)

    async def async_latest_serial(self) -> int | None:
        """Return the serial number of the terminal's newest record, None if it has none."""
        first = await self._search_page(uuid.uuid4().hex, 0, {})
        total = first.get("totalMatches")
        if first.get("responseStatusStrg") == "NO MATCH" or not isinstance(total, int) or total < 1:
            return None
        last = await self._search_page(uuid.uuid4().hex, total - 1, {})
        serials = [
            record["serialNo"]
            for record in last.get("InfoList") or []
            if isinstance(record, dict) and isinstance(record.get("serialNo"), int)
        ]
        return max(serials, default=None)

    @asynccontextmanager
    async def async_open_alert_stream(self, heartbeat_timeout: float) -> AsyncIterator[AlertStream]:
        """Subscribe to the alert stream; the subscription (the terminal's only slot) ends with the block."""
        response = await self._send("GET", ALERT_STREAM_PATH, limits=self._stream_timeout)
        try:
            if response.status != 200:  # noqa: PLR2004 - HTTP status
                text = await response.text(errors="replace")
                if SLOT_TAKEN_MARKER in text:
                    raise StreamSlotTakenError("another subscriber holds the alert stream")
                raise TerminalProtocolError(f"the alert stream answered HTTP {response.status}")
            yield AlertStream(response, _boundary(response) or "boundary", heartbeat_timeout)
        finally:
            response.close()


def _boundary(response: aiohttp.ClientResponse) -> str:
    header = response.headers.get("Content-Type", "")
    for param in header.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary":
            return value.strip('"')
    return ""


__all__ = [
    "AccessEvent",
    "AlertStream",
    "DeviceInfo",
    "DoorCommand",
    "Heartbeat",
    "IsapiClient",
    "TerminalError",
]
