"""Binary sensor platform: alerts and presence reported by the compound's devices."""

from homeassistant.const import Platform

from .entity import device_platform_setup

PARALLEL_UPDATES = 0

async_setup_entry = device_platform_setup(Platform.BINARY_SENSOR)
