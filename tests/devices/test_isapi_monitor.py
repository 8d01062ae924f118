"""Tests of the terminal client and monitor against the simulated terminal, over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import aiohttp
import pytest

from custom_components.hanyang_compound.devices.isapi.client import DoorCommand, IsapiClient
from custom_components.hanyang_compound.devices.isapi.errors import (
    NotSupportedError,
    TerminalAuthError,
    TerminalProtocolError,
    TerminalUnreachableError,
)
from custom_components.hanyang_compound.devices.isapi.events import AccessEvent
from custom_components.hanyang_compound.devices.isapi.monitor import LinkState, TerminalMonitor
from simulator.devices.access_terminal import AccessTerminal
from tests.terminal_sim import FAST, PASSWORD, start_terminal, wait_until

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@dataclass
class Run:
    """A monitor running in the background, with what it delivered."""

    monitor: TerminalMonitor
    task: asyncio.Task[None]
    delivered: list[tuple[int, bool]] = field(default_factory=list)
    states: list[LinkState] = field(default_factory=list)
    connections: int = 0

    @property
    def serials(self) -> list[int]:
        return [serial for serial, _ in self.delivered]


def client_for(
    session: aiohttp.ClientSession, terminal: AccessTerminal, password: str = PASSWORD
) -> IsapiClient:
    return IsapiClient(session, "127.0.0.1", terminal.port, username="admin", password=password)


async def run_monitor(client: IsapiClient, last_serial: int | None = None) -> Run:
    run: Run
    run_states: list[LinkState] = []

    async def on_event(event: AccessEvent, backfilled: bool) -> None:
        run.delivered.append((event.serial_no, backfilled))

    async def on_connected() -> None:
        run.connections += 1

    monitor = TerminalMonitor(
        client,
        on_event=on_event,
        on_state=run_states.append,
        on_connected=on_connected,
        last_serial=last_serial,
        timing=FAST,
    )
    run = Run(monitor, asyncio.get_running_loop().create_task(monitor.run()), states=run_states)
    # A heartbeat means the backfill after connecting is done and the stream is being read.
    await wait_until(lambda: monitor.stats.last_heartbeat is not None)
    return run


async def stop(run: Run, terminal: AccessTerminal) -> None:
    run.task.cancel()
    await asyncio.gather(run.task, return_exceptions=True)
    await terminal.async_stop()


async def test_device_info_doors_and_history_pages(session: aiohttp.ClientSession) -> None:
    terminal = await start_terminal(history=75, algorithm="SHA-256")
    client = client_for(session, terminal)

    info = await client.async_get_device_info()
    await client.async_control_door(1, DoorCommand.ALWAYS_CLOSED)
    records = await client.async_search_history(10)

    assert info.serial_number == terminal.serial
    assert info.model == "DS-K1T671TM-3XF"
    assert terminal.door_states[1] == "always_closed"
    assert [r.serial_no for r in records if isinstance(r, AccessEvent)] == list(range(10, 76))
    assert await client.async_latest_serial() == 75
    with pytest.raises(TerminalProtocolError, match="HTTP 400"):
        await client.async_control_door(5, DoorCommand.OPEN)
    await terminal.async_stop()


async def test_retained_history_is_never_delivered_and_live_events_are(
    session: aiohttp.ClientSession,
) -> None:
    terminal = await start_terminal(history=120)
    run = await run_monitor(client_for(session, terminal))

    await terminal.async_command("pass", {"count": 3})
    await wait_until(lambda: len(run.delivered) == 3)

    assert run.delivered == [(121, False), (122, False), (123, False)]
    assert run.monitor.stats.replayed_ignored == 100
    await stop(run, terminal)


async def test_a_reboot_loses_and_duplicates_nothing(session: aiohttp.ClientSession) -> None:
    terminal = await start_terminal(history=40)
    run = await run_monitor(client_for(session, terminal))
    await terminal.async_command("pass", {"count": 5})
    await wait_until(lambda: len(run.delivered) == 5)

    await terminal.async_command("reboot", {"downtime": 0.5})
    await wait_until(lambda: terminal.down)
    await terminal.async_command("pass", {"count": 10})  # recorded while the link is down
    await wait_until(
        lambda: (
            not terminal.down
            and run.monitor.stats.state is LinkState.STREAMING
            and run.monitor.stats.last_heartbeat is not None
        )
    )
    await terminal.async_command("pass", {"count": 5})
    await wait_until(lambda: len(run.delivered) >= 20)
    await asyncio.sleep(0.3)  # a duplicate would arrive with the next heartbeat

    assert run.serials == list(range(41, 61))
    assert [backfilled for _, backfilled in run.delivered] == [False] * 5 + [True] * 10 + [
        False
    ] * 5
    assert run.connections == 2  # the policy is re-applied after the reconnect
    assert run.monitor.stats.reconnects >= 1
    await stop(run, terminal)


async def test_a_silent_stream_is_detected_and_what_it_hid_is_backfilled(
    session: aiohttp.ClientSession,
) -> None:
    terminal = await start_terminal()
    run = await run_monitor(client_for(session, terminal))

    await terminal.async_command("stall", {})
    await terminal.async_command("pass", {"count": 4})
    await wait_until(lambda: len(run.delivered) == 4)

    assert run.delivered == [(1, True), (2, True), (3, True), (4, True)]
    assert run.monitor.stats.stalls == 1
    assert "no data" in (run.monitor.stats.last_error or "")
    await stop(run, terminal)


async def test_a_dropped_stream_reconnects_and_malformed_parts_are_skipped(
    session: aiohttp.ClientSession,
) -> None:
    terminal = await start_terminal()
    run = await run_monitor(client_for(session, terminal))

    await terminal.async_command("malformed", {})
    await terminal.async_command("pass", {})
    await wait_until(lambda: run.delivered == [(1, False)])
    await terminal.async_command("drop", {})
    await terminal.async_command("pass", {})
    await wait_until(lambda: len(run.delivered) == 2)

    assert run.monitor.stats.malformed_parts >= 5
    assert run.serials == [1, 2]
    assert LinkState.RECONNECTING in run.states
    await stop(run, terminal)


async def test_a_taken_stream_slot_falls_back_to_polling_history(
    session: aiohttp.ClientSession,
) -> None:
    terminal = await start_terminal()
    run = await run_monitor(client_for(session, terminal))

    await terminal.async_command("deploy_exceed_max", {"taken": True})
    await wait_until(lambda: run.monitor.stats.state is LinkState.POLLING)
    await terminal.async_command("pass", {"count": 2})
    await wait_until(lambda: len(run.delivered) == 2)
    assert "deployExceedMax" in (run.monitor.stats.polling_reason or "")
    assert run.monitor.stats.as_dict()["state"] == "polling"

    await terminal.async_command("deploy_exceed_max", {"taken": False})
    await wait_until(
        lambda: (
            run.monitor.stats.state is LinkState.STREAMING
            and run.monitor.stats.last_heartbeat is not None
        )
    )
    await terminal.async_command("pass", {})
    await wait_until(lambda: len(run.delivered) == 3)
    assert run.delivered == [(1, True), (2, True), (3, False)]
    assert run.monitor.stats.polling_reason is None
    await stop(run, terminal)


async def test_a_stale_nonce_mid_session_is_answered_by_one_reauthentication(
    session: aiohttp.ClientSession,
) -> None:
    terminal = await start_terminal()
    client = client_for(session, terminal)
    await client.async_get_device_info()

    await terminal.async_command("unauthorized", {"count": 1})
    await client.async_control_door(1, DoorCommand.OPEN)

    assert client.reauthentications == 1
    assert terminal.failed_logins == 0
    await terminal.async_stop()


async def test_refused_credentials_stop_everything_without_a_retry_storm(
    session: aiohttp.ClientSession,
) -> None:
    terminal = await start_terminal()
    run = await run_monitor(client_for(session, terminal))

    await terminal.async_command("set_password", {"password": "changed"})
    await terminal.async_command("drop", {})
    await asyncio.wait_for(run.task, 15)

    # The request's own attempt and the one re-authentication a stale nonce deserves; then silence.
    assert run.monitor.stats.state is LinkState.AUTH_FAILED
    assert terminal.failed_logins == 2
    with pytest.raises(TerminalAuthError):
        await run.monitor._client.async_get_device_info()
    assert terminal.failed_logins == 2
    await terminal.async_stop()


async def test_unreachable_and_unsupported_devices(
    session: aiohttp.ClientSession, unused_tcp_port: int
) -> None:
    client = IsapiClient(session, "127.0.0.1", unused_tcp_port, username="a", password=PASSWORD)
    with pytest.raises(TerminalUnreachableError):
        await client.async_get_device_info()

    terminal = await start_terminal()
    terminal.serial = ""
    with pytest.raises(NotSupportedError, match="no serial number"):
        await client_for(session, terminal).async_get_device_info()
    await terminal.async_stop()


async def test_https_with_and_without_certificate_verification(
    session: aiohttp.ClientSession,
) -> None:
    terminal = await start_terminal(tls=True)

    def client(*, verify_ssl: bool) -> IsapiClient:
        return IsapiClient(
            session,
            "127.0.0.1",
            terminal.port,
            username="admin",
            password=PASSWORD,
            https=True,
            verify_ssl=verify_ssl,
        )

    # Terminals ship with self-signed certificates: verification fails unless turned off.
    # The simulated terminal shares the test's loop; its side of the refused handshake is expected.
    loop = asyncio.get_running_loop()
    handler, refused_handshakes = loop.get_exception_handler(), []
    loop.set_exception_handler(lambda _loop, context: refused_handshakes.append(context))
    try:
        with pytest.raises(TerminalUnreachableError):
            await client(verify_ssl=True).async_get_device_info()
        await wait_until(lambda: bool(refused_handshakes))
    finally:
        loop.set_exception_handler(handler)
    assert (await client(verify_ssl=False).async_get_device_info()).serial_number == terminal.serial
    await terminal.async_stop()


async def test_an_event_the_stream_skipped_is_fetched_before_the_next_one(
    session: aiohttp.ClientSession,
) -> None:
    terminal = await start_terminal()
    run = await run_monitor(client_for(session, terminal))

    terminal._record(terminal._resident_record())  # recorded but never pushed: a firmware glitch
    await terminal.async_command("pass", {})
    await wait_until(lambda: len(run.delivered) == 2)

    assert run.delivered == [(1, True), (2, False)]
    await stop(run, terminal)
