"""What the compound's Bluetooth devices share: checked settings, listeners, and Bluetooth that is optional."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from habluetooth import BluetoothServiceInfoBleak
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_ADDRESS, CONF_NAME, EVENT_COMPONENT_LOADED
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import CONNECTION_BLUETOOTH, DeviceInfo
from homeassistant.setup import ATTR_COMPONENT
from homeassistant.util import dt as dt_util

from .compound import Compound
from .const import CONF_BIND_KEY, CONF_LOCATION, DOMAIN, LOGGER, MANUFACTURER
from .coordinator import Followers
from .device_areas import with_suggested_area
from .devices.ble.address import normalize_address
from .devices.ble.bthome import parse_bind_key
from .lookup import loaded_compounds
from .validation import InvalidSettingError, NumberRange

BLUETOOTH: Final = "bluetooth"
"""Home Assistant's Bluetooth integration: optional, the compound runs without it."""
ISSUE_BLUETOOTH_NOT_RUNNING: Final = "bluetooth_not_running"
ISSUE_BIND_KEY_FAILING: Final = "bind_key_failing"

TILT_THRESHOLD: Final = NumberRange(1, 90, 1, "°")
MANHOLE_DEPTH: Final = NumberRange(10, 1000, 1, "cm")
FLOOD_LEVEL: Final = NumberRange(0, 1000, 1, "cm")
OVERHEAT_THRESHOLD: Final = NumberRange(20, 90, 0.5, "°C")
SILENCE_TIMEOUT: Final = NumberRange(1, 1440, 1, "min")

HEARD: Final = "heard"
"""The figure every advertisement or indication heard changes: when and how strongly it was heard."""


def bluetooth_running(hass: HomeAssistant) -> bool:
    """Whether Home Assistant's Bluetooth integration is set up; without it nothing is heard."""
    return BLUETOOTH in hass.config.components


def stored_address(data: Mapping[str, Any]) -> str:
    """Return a Bluetooth device's stored address, raising InvalidSettingError unless well-formed."""
    address = data.get(CONF_ADDRESS)
    if not isinstance(address, str) or normalize_address(address) != address:
        raise InvalidSettingError(CONF_ADDRESS)
    return address


def stored_text(data: Mapping[str, Any], key: str, *, required: bool = True) -> str:
    """Return a stored text setting; raise InvalidSettingError if it is no text or, if required, empty."""
    value = data.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidSettingError(key)
    return value


def stored_bind_key(data: Mapping[str, Any]) -> bytes | None:
    """Return a sensor's stored bind key (None: it does not encrypt); raise InvalidSettingError if malformed."""
    text = data.get(CONF_BIND_KEY)
    if text in (None, ""):
        return None
    if not isinstance(text, str):
        raise InvalidSettingError(CONF_BIND_KEY)
    try:
        return parse_bind_key(text)
    except ValueError:
        raise InvalidSettingError(CONF_BIND_KEY) from None


def stored_number(valid: NumberRange, data: Mapping[str, Any], key: str, default: float) -> float:
    """Return a stored number setting, or its default when unset (subentries written before it existed)."""
    value = valid.stored_optional(data, key)
    return default if value is None else value


@callback
def async_end_discovery(hass: HomeAssistant, address: str) -> None:
    """End the integration's discovery flows of an address a compound has: it is not new any more."""
    flows = hass.config_entries.flow
    for flow in flows.async_progress_by_init_data_type(
        BluetoothServiceInfoBleak, lambda info: info.address == address
    ):
        if flow["handler"] == DOMAIN:
            flows.async_abort(flow["flow_id"])


@callback
def _is_bluetooth(event_data: Mapping[str, Any]) -> bool:
    return event_data.get(ATTR_COMPONENT) == BLUETOOTH


class BleDevice:
    """What the Bluetooth devices share: their listeners, last seen time and signal strength.

    Bluetooth is optional for a compound: while Home Assistant's Bluetooth integration is not
    running, the device waits for it (its entities are unavailable, one repair issue says why)
    and starts listening as soon as it runs.
    """

    def __init__(self, compound: Compound, subentry: ConfigSubentry) -> None:
        """Check the stored address and remember the subentry; nothing is heard until async_start."""
        self.compound = compound
        self.hass: HomeAssistant = compound.hass
        self.subentry = subentry
        self.address = stored_address(subentry.data)
        self.title = subentry.title
        self.rssi: int | None = None
        self.last_seen: datetime | None = None
        self.radio_ready = False
        """Whether the device is listened to through Home Assistant's Bluetooth."""
        self._followers: Followers[str] = Followers()
        self._unsubscribers: list[CALLBACK_TYPE] = []
        self._radio_wait: CALLBACK_TYPE | None = None

    @property
    def waiting_for_radio(self) -> bool:
        """Whether the device was started while Bluetooth was not running, and still waits for it."""
        return self._radio_wait is not None

    @property
    def model(self) -> str:
        """What kind of device it is, as its device page shows."""
        raise NotImplementedError

    @property
    def device_info(self) -> DeviceInfo:
        """The device as one of the compound's, identified by its address."""
        return with_suggested_area(
            DeviceInfo(
                identifiers={(DOMAIN, self.address)},
                connections={(CONNECTION_BLUETOOTH, self.address)},
                name=self.title,
                manufacturer=MANUFACTURER,
                model=self.model,
            ),
            self.subentry.data,
        )

    @callback
    def async_add_listener(
        self, listener: Callable[[], None], figures: Iterable[str] = (HEARD,)
    ) -> CALLBACK_TYPE:
        """Call listener when one of figures changes, and with every change of availability.

        A figure is HEARD, a measurement's key or another name the device gives what it shows.
        Returns the function that stops it.
        """
        return self._followers.add(listener, figures)

    @callback
    def notify(self, figures: Collection[str] | None = None) -> None:
        """Tell the followers of the figures that changed; without figures, everything changed."""
        if figures is None:
            self._followers.everything_changed()
        else:
            self._followers.changed(figures)

    @callback
    def heard(self, service_info: BluetoothServiceInfoBleak) -> None:
        """Record that the device was just heard."""
        self.rssi = service_info.rssi
        self.last_seen = dt_util.utcnow()

    async def async_start(self) -> None:
        """Listen through Home Assistant's Bluetooth, or wait until it runs."""
        # A compound has the device now: whatever path added it, it is no longer offered. Once
        # the running step is over, as that may be the discovery adding it (a reload runs eagerly).
        self.hass.loop.call_soon(async_end_discovery, self.hass, self.address)
        if bluetooth_running(self.hass):
            self._async_start_listening()
            return
        _async_report_bluetooth_missing(self.hass)
        self._radio_wait = self.hass.bus.async_listen(
            EVENT_COMPONENT_LOADED, self._async_on_component_loaded, event_filter=_is_bluetooth
        )

    async def async_stop(self) -> None:
        """Stop listening to the radio, or waiting for it."""
        self._async_unsubscribe()
        if self._radio_wait is not None:
            self._radio_wait()
            self._radio_wait = None
            if not any(device.waiting_for_radio for device in _ble_devices(self.hass)):
                # No sensor is left that Bluetooth's absence keeps unavailable.
                ir.async_delete_issue(self.hass, DOMAIN, ISSUE_BLUETOOTH_NOT_RUNNING)

    @callback
    def async_listen(self) -> None:
        """Register with Home Assistant's Bluetooth what the device listens to (it runs)."""
        raise NotImplementedError

    @callback
    def _async_start_listening(self) -> None:
        try:
            self.async_listen()
        except Exception:
            # Nothing half-registered may outlive a start that failed.
            self._async_unsubscribe()
            raise
        self.radio_ready = True

    @callback
    def _async_unsubscribe(self) -> None:
        while self._unsubscribers:
            self._unsubscribers.pop()()

    @callback
    def _async_on_component_loaded(self, event: Event[Any]) -> None:
        if self._radio_wait is not None:
            self._radio_wait()
            self._radio_wait = None
        _async_clear_bluetooth_missing(self.hass)
        self._async_start_listening()
        self.notify()


class BindKeyRepair:
    """The repair issue of a sensor whose bind key keeps failing to decrypt its advertisements."""

    FAILURES_BEFORE_ISSUE: Final = 3
    """Undecryptable advertisements in a row before the key is reported: one may be a stray."""

    def __init__(self, device: BleDevice) -> None:
        """Prepare the device's issue; whether it is raised is not known until the first check."""
        self._device = device
        self._raised: bool | None = None
        self._issue_id = f"{ISSUE_BIND_KEY_FAILING}_{device.subentry.subentry_id}"

    @callback
    def check(self, failures: int) -> None:
        """Raise the issue after failures in a row, withdraw it once the key works (once each)."""
        device = self._device
        if failures >= self.FAILURES_BEFORE_ISSUE:
            if self._raised:
                return
            self._raised = True
            ir.async_create_issue(
                device.hass,
                DOMAIN,
                self._issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_BIND_KEY_FAILING,
                translation_placeholders={"sensor": device.title, "compound": device.compound.name},
            )
        elif failures == 0 and self._raised is not False:
            # Also the first time: an issue raised before a restart is cleared by a working key.
            self._raised = False
            ir.async_delete_issue(device.hass, DOMAIN, self._issue_id)


def _ble_devices(hass: HomeAssistant) -> list[BleDevice]:
    """Return the Bluetooth devices of every running compound."""
    return [
        device
        for compound in loaded_compounds(hass)
        for device in compound.devices.of_kind(BleDevice)
    ]


def _bluetooth_issue_raised(hass: HomeAssistant) -> bool:
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_BLUETOOTH_NOT_RUNNING)
    return issue is not None and issue.active


@callback
def _async_report_bluetooth_missing(hass: HomeAssistant) -> None:
    """Raise the one repair issue saying Bluetooth sensors wait for Home Assistant's Bluetooth."""
    if not _bluetooth_issue_raised(hass):
        LOGGER.warning(
            "Home Assistant's Bluetooth integration is not running: the compounds' Bluetooth "
            "sensors are unavailable until it is"
        )
    ir.async_create_issue(
        hass,
        DOMAIN,
        ISSUE_BLUETOOTH_NOT_RUNNING,
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_BLUETOOTH_NOT_RUNNING,
    )


@callback
def _async_clear_bluetooth_missing(hass: HomeAssistant) -> None:
    """Withdraw the repair issue once Bluetooth runs."""
    if _bluetooth_issue_raised(hass):
        LOGGER.info(
            "Home Assistant's Bluetooth runs now: the compounds' Bluetooth sensors are heard"
        )
    ir.async_delete_issue(hass, DOMAIN, ISSUE_BLUETOOTH_NOT_RUNNING)


def device_title(data: dict[str, Any]) -> str:
    """Return the name of a Bluetooth subentry: a thermometer's name or a sensor's location."""
    return str(data.get(CONF_LOCATION) or data.get(CONF_NAME) or data[CONF_ADDRESS])
