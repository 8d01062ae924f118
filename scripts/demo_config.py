"""The demo's Home Assistant: the integrations it runs, their requirements, and its configuration folder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import hashlib
import json
from pathlib import Path
import re
import shutil
import subprocess
import sys
from typing import Any

import yaml

from scripts.demo_client import say

ROOT = Path(__file__).resolve().parent.parent
# A hardware-free, offline set of integrations instead of default_config, whose camera, stream,
# cloud and discovery parts log errors without hardware or internet.
INTEGRATIONS = (
    "api",
    "assist_pipeline",
    "automation",
    "blueprint",
    "config",
    "conversation",
    "counter",
    "diagnostics",
    "frontend",
    "history",
    "input_boolean",
    "input_button",
    "input_datetime",
    "input_number",
    "input_select",
    "input_text",
    "logbook",
    "mobile_app",
    "person",
    "recorder",
    "scene",
    "schedule",
    "script",
    "sun",
    "system_health",
    "tag",
    "timer",
    "zone",
)


def _manifest(integration: str) -> dict[str, Any]:
    import homeassistant  # noqa: PLC0415 - only the supervisor's own interpreter has it

    path = Path(homeassistant.__file__).parent / "components" / integration / "manifest.json"
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def on_ports(value: Any, ports: Mapping[int, int]) -> Any:
    """Return a demo description (or provisioning plan) with every `port:` moved as ports maps it."""
    if isinstance(value, dict):
        return {
            key: ports.get(item, item) if key == "port" else on_ports(item, ports)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [on_ports(item, ports) for item in value]
    return value


def integration_requirements(integrations: Iterable[str] = INTEGRATIONS) -> list[str]:
    """Return the Python requirements of the integrations (the demo's) and all they depend on."""
    seen: set[str] = set()
    pending = list(integrations)
    requirements: set[str] = set()
    while pending:
        integration = pending.pop()
        if integration in seen:
            continue
        seen.add(integration)
        manifest = _manifest(integration)
        requirements.update(manifest.get("requirements", []))
        pending.extend(manifest.get("dependencies", []))
    return sorted(requirements)


def install_requirements(
    integrations: Iterable[str] = INTEGRATIONS, extra: Iterable[str] = (), name: str = "demo"
) -> None:
    """Install the integrations' requirements (the demo's) and extra ones into this interpreter's environment once, under Home Assistant's constraints.

    The stamp, one per name, lives in the environment: one made anew (scripts/setup) has none of them.
    Raises subprocess.CalledProcessError, with uv's messages, when they cannot be installed.
    """
    requirements = sorted({*integration_requirements(integrations), *extra})
    stamp_file = Path(sys.prefix) / f"{name}-requirements.stamp"
    stamp = hashlib.sha256("\n".join([sys.executable, *requirements]).encode()).hexdigest()
    if stamp_file.exists() and stamp_file.read_text(encoding="utf-8") == stamp:
        return
    import homeassistant  # noqa: PLC0415 - only the supervisor's own interpreter has it

    constraints = Path(homeassistant.__file__).parent / "package_constraints.txt"
    uv = [shutil.which("uv")] if shutil.which("uv") else ["python3", "-m", "uv"]
    say(f"installing {len(requirements)} requirements ({name}) ...")
    installed = subprocess.run(
        [
            *uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            sys.executable,
            "-c",
            str(constraints),
            *requirements,
        ],
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    # Shown, and kept on the error for callers telling a conflict from an unreachable registry.
    sys.stderr.write(installed.stderr)
    installed.check_returncode()
    stamp_file.write_text(stamp, encoding="utf-8")


def write_configuration(
    config: Path,
    *,
    language: str,
    host: str,
    port: int,
    ble_proxy_url: str | None,
    integrations: Iterable[str] = INTEGRATIONS,
    name: str = "Longdengli",
) -> None:
    """Write the demo's configuration to config and link the integration from the working tree.

    Without ble_proxy_url there is no simulated Bluetooth proxy (the district's Home Assistant).
    """
    config.mkdir(parents=True, exist_ok=True)
    url = f"http://{host}:{port}"
    configuration: dict[str, Any] = {
        "homeassistant": {
            "name": name,
            "latitude": 30.5537,
            "longitude": 114.2647,
            "elevation": 25,
            "unit_system": "metric",
            "time_zone": "Asia/Shanghai",
            "country": "CN",
            "currency": "CNY",
            "language": language,
            "internal_url": url,
        },
        "http": {"server_host": host, "server_port": port},
        "logger": {
            "default": "warning",
            "logs": {"custom_components.hanyang_compound": "info", "homeassistant.setup": "info"},
        },
        **{integration: {} for integration in integrations},
        **({"hanyang_ble_proxy": {"url": ble_proxy_url}} if ble_proxy_url else {}),
        "automation": "!include automations.yaml",
        "script": "!include scripts.yaml",
        "scene": "!include scenes.yaml",
    }
    text = yaml.safe_dump(configuration, allow_unicode=True, sort_keys=False)
    text = re.sub(r"'(!include [a-z]+\.yaml)'", r"\1", text)
    (config / "configuration.yaml").write_text(text, encoding="utf-8")
    for included in ("automations.yaml", "scripts.yaml", "scenes.yaml"):
        path = config / included
        if not path.exists():
            path.write_text("[]\n" if included != "scripts.yaml" else "{}\n", encoding="utf-8")
    (config / "custom_components").mkdir(exist_ok=True)
    _link(
        config / "custom_components" / "hanyang_compound",
        ROOT / "custom_components" / "hanyang_compound",
    )
    _link(config / "custom_sentences", ROOT / "custom_sentences")
    # Development only: the simulated Bluetooth proxy that relays the simulator's advertisements.
    if ble_proxy_url:
        _link(
            config / "custom_components" / "hanyang_ble_proxy",
            ROOT / "dev" / "custom_components" / "hanyang_ble_proxy",
        )


def _link(link: Path, target: Path) -> None:
    """Point link at target in the working tree, so edits there reach Home Assistant."""
    if not link.is_symlink():
        if link.exists():
            shutil.rmtree(link)
        link.symlink_to(target)
