"""Calendar platform: schedules of the compound's devices, such as patrol rounds."""

from homeassistant.const import Platform

from .entity import device_platform_setup

PARALLEL_UPDATES = 0

async_setup_entry = device_platform_setup(Platform.CALENDAR)
