"""Installs the automation blueprints shipped with the integration into the user's blueprints folder."""

from __future__ import annotations

from pathlib import Path
import shutil

from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER

SHIPPED_BLUEPRINTS = Path(__file__).parent / "blueprints"


def _copy_missing(shipped: Path, blueprints: Path) -> list[str]:
    """Copy each shipped blueprint that the user does not have; never touch one they have."""
    installed = []
    for source in sorted(shipped.rglob("*.yaml")):
        blueprint_domain, *rest = source.relative_to(shipped).parts
        target = blueprints.joinpath(blueprint_domain, DOMAIN, *rest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            installed.append(str(target.relative_to(blueprints)))
    return installed


async def async_install_blueprints(hass: HomeAssistant) -> None:
    """Make the integration's blueprints available without importing anything by hand."""
    installed = await hass.async_add_executor_job(
        _copy_missing, SHIPPED_BLUEPRINTS, Path(hass.config.path("blueprints"))
    )
    if installed:
        LOGGER.info("Installed blueprints: %s", ", ".join(installed))
