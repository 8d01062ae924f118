"""Tests of a terminal's settings: the numbers and host of its form, reauth, and stored settings."""

from __future__ import annotations

import asyncio
import math
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from hypothesis import example, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from yarl import URL

from custom_components.hanyang_compound.terminal import AccessTerminal
from custom_components.hanyang_compound.terminal_auth import normalized_host
from custom_components.hanyang_compound.validation import InvalidSettingError
from simulator.devices.access_terminal import AccessTerminal as SimulatedTerminal
from tests.terminal_sim import PASSWORD, stored_terminal_data, terminal_input

from .terminal_fixtures import (  # noqa: F401 - fixtures
    SUBENTRY_TYPE,
    add_terminal,
    east_terminal,
    fast_links,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def start_adding(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_TYPE), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    return str(result["flow_id"])


async def submit(hass: HomeAssistant, flow_id: str, user_input: dict[str, Any]) -> Any:
    return await hass.config_entries.subentries.async_configure(flow_id, user_input)


# ----- number fields -------------------------------------------------------------------------

NOT_NUMBERS = ("nan", math.nan, math.inf, -math.inf, "inf", "-inf", "twelve", None, [80])
NOT_WHOLE = {"port": (1.5, "443.5"), "door": (1.5, "1.5"), "alert_duration": (120.5, "60.25")}
OUT_OF_RANGE = {"port": (0, 65536, -80), "door": (0, 9), "alert_duration": (1.5, 9, 86401)}


@pytest.mark.parametrize("field", list(OUT_OF_RANGE))
async def test_each_number_field_refuses_what_is_no_whole_number_in_range(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal, field: str
) -> None:
    flow_id = await start_adding(hass, loaded_compound)
    for value in (*NOT_NUMBERS, *NOT_WHOLE[field]):
        result = await submit(hass, flow_id, terminal_input(east, **{field: value}))
        assert result["errors"] == {field: "number_invalid"}, value
    for value in OUT_OF_RANGE[field]:
        result = await submit(hass, flow_id, terminal_input(east, **{field: value}))
        assert result["errors"] == {field: "number_out_of_range"}, value

    result = await submit(hass, flow_id, terminal_input(east, door=2.0, alert_duration="120"))
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    (subentry,) = loaded_compound.subentries.values()
    assert (subentry.data["door"], subentry.data["alert_duration"]) == (2, 120)
    assert isinstance(subentry.data["door"], int)
    await hass.async_block_till_done()


async def test_reconfiguring_refuses_bad_numbers_too(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    await add_terminal(hass, loaded_compound, east)
    (subentry,) = loaded_compound.subentries.values()
    result = await hass.config_entries.subentries.async_init(
        (loaded_compound.entry_id, SUBENTRY_TYPE),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id},
    )

    for field in ("port", "door", "alert_duration"):
        for value in (math.nan, ""):
            result = await submit(hass, result["flow_id"], terminal_input(east, **{field: value}))
            assert result["errors"] == {field: "number_invalid"}
    await hass.async_block_till_done()


# ----- the host field ------------------------------------------------------------------------

BAD_HOSTS = (
    "http://127.0.0.1",
    "user:pw@127.0.0.1",
    "admin@127.0.0.1",
    "127.0.0.1:80",
    "127.0.0.1/ISAPI",
    "[::1]:80",
    "east gate.lan",
    "192.168.1.300",
    "-east.lan",
    "east..lan",
    "",
    "   ",
    "a" * 300,
    ".".join(["terminal"] * 30),  # valid labels, 269 characters
    "终端" * 40,
)


@pytest.mark.filterwarnings("ignore:A test tried to use socket")  # ::1 is not reachable here
async def test_the_host_field_takes_a_host_name_or_address_only(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    flow_id = await start_adding(hass, loaded_compound)
    for host in BAD_HOSTS:
        result = await submit(hass, flow_id, terminal_input(east, host=host))
        assert result["errors"] == {"host": "host_invalid"}, host

    # Well-formed but nothing answers there: every failure is the translated cannot_connect.
    for host in ("::1", "[::1]", "terminal-east.invalid", "东门终端.invalid"):
        result = await submit(hass, flow_id, terminal_input(east, host=host, port=9))
        assert result["errors"] == {"base": "cannot_connect"}, host

    result = await submit(hass, flow_id, terminal_input(east, host=" 127.0.0.1 "))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = loaded_compound.subentries.values()
    assert subentry.data["host"] == "127.0.0.1"
    await hass.async_block_till_done()


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=300)
    | st.from_regex(r"\A[a-z0-9.:@/\[\]_ -]{0,80}\Z")
    | st.ip_addresses().map(str)
)
@example("A\xad")  # IDNA maps the soft hyphen away; newer yarl refuses it in a URL
def test_any_host_is_one_a_url_can_carry_or_refused(typed: str) -> None:
    try:
        host = normalized_host(typed)
    except ValueError:
        return
    url = URL.build(scheme="http", host=host, port=80)
    assert url.host is not None
    assert url.user is None
    assert url.path in ("", "/")
    assert not any(character.isspace() for character in host)
    assert len(url.raw_host or "") <= 253 + 2  # an IPv6 address gains brackets


def test_hosts_are_kept_as_typed_and_ipv6_without_brackets() -> None:
    assert normalized_host("terminal-east.lan.") == "terminal-east.lan."
    assert normalized_host("终端.小区") == "终端.小区"
    assert normalized_host("[2001:DB8::1]") == "2001:db8::1"
    assert normalized_host("fe80::1%eth0") == "fe80::1%eth0"
    assert normalized_host("dhcp_host-7") == "dhcp_host-7"
    for host in (*BAD_HOSTS, None, 7, ["127.0.0.1"]):
        with pytest.raises(ValueError):  # noqa: PT011 - the one error it raises
            normalized_host(host)


BASIC_CHALLENGE = (
    b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=x\r\nContent-Length: 0\r\n\r\n"
)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"", "cannot_connect"),  # closes at once
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", "cannot_connect"),  # cut short
        (b"\x16\x03\x01 not http at all\r\n\r\n", "cannot_connect"),
        (b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", "cannot_connect"),
        (BASIC_CHALLENGE, "invalid_auth"),
    ],
)
async def test_whatever_the_device_answers_the_flow_shows_a_translated_error(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    answer: bytes,
    error: str,
) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        flow_id = await start_adding(hass, loaded_compound)
        result = await submit(hass, flow_id, terminal_input(east, port=port))
    finally:
        server.close()
        await server.wait_closed()

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}


# ----- reauth --------------------------------------------------------------------------------


async def test_reauth_maps_every_failure_to_a_translated_error(
    hass: HomeAssistant, loaded_compound: MockConfigEntry, east: SimulatedTerminal
) -> None:
    await add_terminal(hass, loaded_compound, east)
    (subentry,) = loaded_compound.subentries.values()
    credentials = {"username": "admin", "password": PASSWORD}

    async def reauth() -> str:
        result = await loaded_compound.start_reauth_flow(
            hass, data={"subentry_id": subentry.subentry_id}
        )
        return str(result["flow_id"])

    flow_id = await reauth()
    await east.async_stop()
    result = await hass.config_entries.flow.async_configure(flow_id, credentials)
    assert result["errors"] == {"base": "cannot_connect"}

    # A subentry whose host was changed by hand: the address is refused before any request.
    # (Changing it reloads the compound, which aborts open reauth flows on newer releases.)
    hass.config_entries.async_update_subentry(
        loaded_compound, subentry, data={**subentry.data, "host": "user:pw@127.0.0.1"}
    )
    await hass.async_block_till_done()
    (subentry,) = loaded_compound.subentries.values()
    result = await hass.config_entries.flow.async_configure(await reauth(), credentials)
    assert result["errors"] == {"base": "host_invalid"}

    flow_id = await reauth()
    hass.config_entries.async_remove_subentry(loaded_compound, subentry.subentry_id)
    await hass.async_block_till_done()
    if any(flow["flow_id"] == flow_id for flow in hass.config_entries.flow.async_progress()):
        result = await hass.config_entries.flow.async_configure(flow_id, credentials)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reauth_device_gone"


# ----- stored settings -----------------------------------------------------------------------

CORRUPTIONS: tuple[tuple[str, Any], ...] = (
    ("port", math.nan),
    ("port", "eighty"),
    ("port", 70000),
    ("port", True),
    ("port", None),
    ("door", 0),
    ("door", 1.5),
    ("door", "one"),
    ("alert_duration", math.inf),
    ("alert_duration", "nan"),
    ("alert_duration", -60),
    ("host", "user:pw@127.0.0.1"),
    ("host", "a" * 300),
    ("host", 127001),
    ("host", None),
    ("username", None),
    ("password", 123456),
    ("serial_number", None),
    ("serial_number", 1),
    ("name", ["East gate"]),
    ("kept_open_in_lockdown", "yes"),
    ("ssl", "no"),
    ("model", 7),
)


@pytest.mark.parametrize(("key", "value"), CORRUPTIONS)
async def test_a_terminal_with_a_corrupted_setting_is_not_built(
    hass: HomeAssistant,
    loaded_compound: MockConfigEntry,
    east: SimulatedTerminal,
    key: str,
    value: Any,
) -> None:
    data = stored_terminal_data(east)
    compound = loaded_compound.runtime_data
    AccessTerminal(compound, stored_subentry(data))  # the intact settings build a terminal

    for corrupted in ({**data, key: value}, {k: v for k, v in data.items() if k != key}):
        if key in ("ssl", "model", "kept_open_in_lockdown") and key not in corrupted:
            continue  # optional: absent means the default
        with pytest.raises(InvalidSettingError) as raised:
            AccessTerminal(compound, stored_subentry(corrupted))
        assert raised.value.key == key

    assert compound.summary.policy_targets == 0  # nothing was registered


def stored_subentry(data: dict[str, Any]) -> ConfigSubentry:
    return ConfigSubentry(
        data=MappingProxyType(data),
        subentry_type=SUBENTRY_TYPE,
        title="East pedestrian gate",
        unique_id=str(data.get("serial_number")),
    )
