"""Event platform: what the compound's devices report happening, such as an access at a terminal."""

from homeassistant.const import Platform

from .entity import device_platform_setup

PARALLEL_UPDATES = 0

async_setup_entry = device_platform_setup(Platform.EVENT)
