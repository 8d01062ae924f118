"""Stored settings of modules, gates and shed outputs: a subentry changed by hand raises before anything runs."""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.hanyang_compound import modbus_link
from custom_components.hanyang_compound.devices.iomodule.profiles import PROFILES
from custom_components.hanyang_compound.gate import barrier_gate_factory
from custom_components.hanyang_compound.iomodule import IoModuleDevice, UnwiredDevice
from custom_components.hanyang_compound.iomodule_settings import GateSettings, ModuleSettings
from custom_components.hanyang_compound.shed import shed_output_factory
from custom_components.hanyang_compound.validation import InvalidSettingError

from .conftest import gate_data, module_data

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""The machine is shared: a slow draw is the load's, not the strategy's."""
MISSING = object()
"""The setting is not stored at all."""
SPARE_PORT = 1
"""A port no module of the test compound uses: nothing may hold a link to it."""


def _changed(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    changed = dict(data)
    if value is MISSING:
        del changed[key]
    else:
        changed[key] = value
    return changed


def _subentry(kind: str, data: dict[str, Any]) -> ConfigSubentry:
    return ConfigSubentry(
        data=MappingProxyType(data), subentry_type=kind, title="Changed by hand", unique_id=None
    )


def _held_endpoints(hass: HomeAssistant) -> set[Any]:
    """Return the gateways a link is held to, by this integration or by core modbus."""
    held = set(hass.data.get(modbus_link.DATA_LINKS, modbus_link._Links()).by_endpoint)
    if (core := modbus_link.CORE_CONNECTIONS) is not None:
        held |= set(hass.data.get(core.DATA_MODBUS_CONNECTIONS, {}))
    return held


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("host", MISSING),
        ("host", " "),
        ("host", 10),
        ("port", math.nan),
        ("port", "fast"),
        ("port", 70000),
        ("port", MISSING),
        ("unit_id", 1.5),
        ("unit_id", math.inf),
        ("profile", "relay_9000"),
        ("profile", MISSING),
        ("transport", "carrier pigeon"),
        ("poll_interval", 0),
        ("poll_interval", MISSING),
        ("poll_interval", [1]),
    ],
)
async def test_a_module_changed_by_hand_raises_before_it_holds_a_link(
    hass: HomeAssistant, compound: MockConfigEntry, key: str, value: Any
) -> None:
    held = _held_endpoints(hass)
    data = _changed(module_data(SPARE_PORT), key, value)
    with pytest.raises(InvalidSettingError) as invalid:
        IoModuleDevice(compound.runtime_data, _subentry("io_module", data))
    assert invalid.value.key == key
    assert _held_endpoints(hass) == held


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("pulse_seconds", math.nan),
        ("pulse_seconds", "half a second"),
        ("pulse_seconds", 0),
        ("travel_timeout", MISSING),
        ("travel_timeout", -math.inf),
        ("open_relay", 8),  # the module has relays 0-7
        ("open_relay", None),
        ("close_relay", 0),  # the open relay's
        ("closed_limit", 0),  # the open limit's
        ("vehicle_loop", 2.5),
        ("stop_relay", "two"),
        ("kept_open_in_lockdown", "yes"),
        ("module", MISSING),
        ("module", 7),
    ],
)
async def test_a_gate_changed_by_hand_raises_before_it_enforces_anything(
    hass: HomeAssistant, compound: MockConfigEntry, key: str, value: Any
) -> None:
    runtime = compound.runtime_data
    targets = runtime.summary.policy_targets
    with pytest.raises(InvalidSettingError) as invalid:
        barrier_gate_factory(runtime, _subentry("barrier_gate", _changed(gate_data(), key, value)))
    assert invalid.value.key == key
    assert runtime.summary.policy_targets == targets
    # The same subentry as its flow stores it builds a gate.
    assert barrier_gate_factory(runtime, _subentry("barrier_gate", gate_data())) is not None


@pytest.mark.parametrize("kind", ["shed_light", "shed_socket"])
@pytest.mark.parametrize(
    ("key", "value"),
    [("relay", math.nan), ("relay", MISSING), ("relay", 8), ("relay", "four"), ("module", None)],
)
async def test_a_shed_output_changed_by_hand_raises(
    compound: MockConfigEntry, kind: str, key: str, value: Any
) -> None:
    data = _changed({"name": "Shed", "module": "module1", "relay": 6}, key, value)
    with pytest.raises(InvalidSettingError) as invalid:
        shed_output_factory(compound.runtime_data, _subentry(kind, data))
    assert invalid.value.key == key


stored_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["tcp", "rtu_over_tcp", "tcp_relay_8", "127.0.0.1", "1", "0.5", "nan"]),
    st.lists(st.integers(), max_size=2),
)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(list(module_data(502))), stored_values, max_size=len(module_data(502))
    )
)
def test_any_stored_module_data_is_checked_or_refused(data: dict[str, Any]) -> None:
    try:
        settings = ModuleSettings.from_data(data)
    except InvalidSettingError as invalid:
        refused = invalid.key
    else:
        refused = None
    if refused is not None:
        assert refused in module_data(502)
        return
    assert settings.host
    assert 1 <= settings.port <= 65535
    assert 0 <= settings.unit_id <= 247
    assert 1 <= settings.poll_interval <= 60
    assert settings.transport in ("tcp", "rtu_over_tcp")


@FUZZ
@given(st.fixed_dictionaries({}, optional=dict.fromkeys(gate_data(), stored_values)))
def test_any_stored_gate_data_is_checked_or_refused(data: dict[str, Any]) -> None:
    profile = PROFILES["tcp_relay_8"]
    try:
        settings = GateSettings.from_data({**gate_data(), **data}, profile)
    except InvalidSettingError as invalid:
        refused = invalid.key
    else:
        refused = None
    if refused is not None:
        assert refused in gate_data()
        return
    channels = [*settings.relays.values(), settings.open_limit, settings.closed_limit]
    assert all(channel is None or 0 <= channel < 8 for channel in channels)
    assert 0.1 <= settings.pulse_seconds <= 5
    assert math.isfinite(settings.travel_timeout)
    assert isinstance(settings.kept_open_in_lockdown, bool)


async def test_a_gate_whose_module_is_not_running_waits_for_it(
    compound: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = compound.runtime_data
    # As the compound leaves out a module whose own settings do not pass.
    module = runtime.devices.pop("module1")
    try:
        gate = barrier_gate_factory(runtime, _subentry("barrier_gate", gate_data()))
    finally:
        runtime.devices["module1"] = module
    assert isinstance(gate, UnwiredDevice)
    assert "Changed by hand cannot run until its I/O module North gate I/O module does" in (
        caplog.text
    )
