"""Tests of how the terminal client reads odd answers: not XML, missing pages, broken streams."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
import errno
import json
import socket

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
import pytest

from custom_components.hanyang_compound.devices.isapi.client import IsapiClient
from custom_components.hanyang_compound.devices.isapi.errors import (
    MalformedPartError,
    NotSupportedError,
    TerminalProtocolError,
    TerminalUnreachableError,
)
from custom_components.hanyang_compound.devices.isapi.events import AccessEvent, Heartbeat
from tests.terminal_sim import PASSWORD

pytestmark = pytest.mark.usefixtures("socket_enabled")

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncGenerator[Callable[[str, str, Handler], Awaitable[IsapiClient]]]:
    """Serve one handler without authentication and return a client of it."""
    runners: list[web.AppRunner] = []
    sessions: list[aiohttp.ClientSession] = []

    async def start(method: str, path: str, handler: Handler) -> IsapiClient:
        app = web.Application()
        app.router.add_route(method, path, handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        session = aiohttp.ClientSession()
        sessions.append(session)
        port = runner.addresses[0][1]
        return IsapiClient(session, "127.0.0.1", port, username="admin", password=PASSWORD)

    yield start
    for session in sessions:
        await session.close()
    for runner in runners:
        await runner.cleanup()


def answer(text: str, status: int = 200) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(text=text, status=status)

    return handler


@pytest.mark.parametrize(
    ("text", "status", "error"),
    [
        ("<html>router login</html>", 200, NotSupportedError),
        ("not xml at all", 200, NotSupportedError),
        ("<DeviceInfo><model>x</model></DeviceInfo>", 200, NotSupportedError),
        ("", 404, NotSupportedError),
        ("", 500, TerminalProtocolError),
    ],
)
async def test_device_info_from_devices_that_are_not_terminals(
    serve: Callable[[str, str, Handler], Awaitable[IsapiClient]],
    text: str,
    status: int,
    error: type[Exception],
) -> None:
    client = await serve("GET", "/ISAPI/System/deviceInfo", answer(text, status))
    with pytest.raises(error):
        await client.async_get_device_info()


async def test_history_answers_unreadable_empty_or_with_bad_records(
    serve: Callable[[str, str, Handler], Awaitable[IsapiClient]],
) -> None:
    unreadable = await serve("POST", "/ISAPI/AccessControl/AcsEvent", answer("[]"))
    with pytest.raises(TerminalProtocolError):
        await unreadable.async_search_history(1)
    not_an_object = await serve("POST", "/ISAPI/AccessControl/AcsEvent", answer('{"AcsEvent": 3}'))
    with pytest.raises(TerminalProtocolError):
        await not_an_object.async_search_history(1)

    empty = await serve(
        "POST",
        "/ISAPI/AccessControl/AcsEvent",
        answer('{"AcsEvent": {"responseStatusStrg": "NO MATCH", "totalMatches": 0}}'),
    )
    assert await empty.async_search_history(1) == []
    assert await empty.async_latest_serial() is None

    records = [{"major": 5, "minor": 75, "serialNo": 9}, {"major": 5, "serialNo": 8}]
    mixed = await serve(
        "POST",
        "/ISAPI/AccessControl/AcsEvent",
        answer(json.dumps({"AcsEvent": {"responseStatusStrg": "OK", "InfoList": records}})),
    )
    first, second = await mixed.async_search_history(1)
    assert isinstance(first, MalformedPartError)
    assert isinstance(second, AccessEvent)
    assert second.serial_no == 9


async def test_alert_streams_refused_or_ended_by_the_terminal(
    serve: Callable[[str, str, Handler], Awaitable[IsapiClient]],
) -> None:
    refused = await serve("GET", "/ISAPI/Event/notification/alertStream", answer("busy", 503))
    with pytest.raises(TerminalProtocolError, match="HTTP 503"):
        async with refused.async_open_alert_stream(5):
            pass

    async def one_heartbeat(request: web.Request) -> web.StreamResponse:
        # No boundary parameter: terminals use "boundary" then.
        response = web.StreamResponse(headers={"Content-Type": "multipart/mixed"})
        await response.prepare(request)
        await response.write(
            b'--boundary\r\nContent-Type: application/json\r\n\r\n{"eventType": "heartBeat"}\r\n--boundary\r\n'
        )
        await response.write_eof()
        return response

    ending = await serve("GET", "/ISAPI/Event/notification/alertStream", one_heartbeat)
    async with ending.async_open_alert_stream(5) as stream:
        assert await anext(stream) == Heartbeat()
        with pytest.raises(TerminalUnreachableError, match="closed the alert stream"):
            await anext(stream)


class FailingResolver(AbstractResolver):
    """A resolver that fails as the given error: DNS failures of every kind."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def resolve(self, host: str, port: int = 0, family: int = 0) -> list[ResolveResult]:
        raise self.error

    async def close(self) -> None:
        """Nothing to close."""


@pytest.mark.parametrize(
    ("error", "description"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "does not resolve"),
        (OSError(errno.EHOSTUNREACH, "No route to host terminal-east.lan"), "does not resolve"),
        # A resolver library at odds with its wrapper (seen with aiodns 3.2 on pycares 5).
        (TypeError("Channel.getaddrinfo() takes 3 positional arguments"), "(TypeError)"),
    ],
)
async def test_dns_failures_are_unreachable_terminals_described_without_the_host(
    error: Exception, description: str
) -> None:
    connector = aiohttp.TCPConnector(resolver=FailingResolver(error))
    async with aiohttp.ClientSession(connector=connector) as session:
        client = IsapiClient(session, "terminal-east.lan", 8080, username="a", password=PASSWORD)
        with pytest.raises(TerminalUnreachableError) as raised:
            await client.async_get_device_info()
    assert description in str(raised.value)
    assert "terminal-east" not in str(raised.value)
    assert "8080" not in str(raised.value)


async def test_connection_failures_are_described_without_the_address(
    unused_tcp_port: int,
) -> None:
    async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    async def never_answer(reader: asyncio.StreamReader, _writer: asyncio.StreamWriter) -> None:
        await reader.read()

    servers = [
        await asyncio.start_server(handle, "127.0.0.1", 0)
        for handle in (close_at_once, never_answer)
    ]
    ports = [unused_tcp_port, *(server.sockets[0].getsockname()[1] for server in servers)]
    descriptions = []
    async with aiohttp.ClientSession() as session:
        for port in ports:
            client = IsapiClient(
                session, "127.0.0.1", port, username="a", password=PASSWORD, request_timeout=0.3
            )
            with pytest.raises(TerminalUnreachableError) as raised:
                await client.async_get_device_info()
            descriptions.append(str(raised.value))
    for server in servers:
        server.close()
        await server.wait_closed()

    assert descriptions == [
        "the connection failed (ECONNREFUSED)",
        "the terminal closed the connection",
        "no answer in time",
    ]


@pytest.mark.filterwarnings("ignore:A test tried to use socket")  # ::1 may not be connected to here
async def test_ipv6_addresses_are_bracketed_and_bad_hosts_refused() -> None:
    requested: list[str] = []

    async def on_request_start(
        _session: aiohttp.ClientSession, _context: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        requested.append(str(params.url))

    tracing = aiohttp.TraceConfig()
    tracing.on_request_start.append(on_request_start)
    async with aiohttp.ClientSession(trace_configs=[tracing]) as session:
        for host in ("user:pw@127.0.0.1", "127.0.0.1:80", "east gate", "a/b"):
            with pytest.raises(ValueError):  # noqa: PT011 - the one error it raises
                IsapiClient(session, host, 80, username="a", password=PASSWORD)
        client = IsapiClient(session, "::1", 8080, username="a", password=PASSWORD)
        with pytest.raises(TerminalUnreachableError):  # nothing listens (tests may not connect)
            await client.async_get_device_info()

    assert requested == ["http://[::1]:8080/ISAPI/System/deviceInfo"]
