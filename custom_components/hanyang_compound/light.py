"""Light platform: lighting of the compound's e-bike sheds."""

from homeassistant.const import Platform

from .entity import device_platform_setup

PARALLEL_UPDATES = 0

async_setup_entry = device_platform_setup(Platform.LIGHT)
