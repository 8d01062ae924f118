"""Button platform: one-press commands of the compound's devices, such as opening a door."""

from homeassistant.const import Platform

from .entity import device_platform_setup

PARALLEL_UPDATES = 0

async_setup_entry = device_platform_setup(Platform.BUTTON)
