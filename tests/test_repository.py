"""Tests of the repository's own rules: translations complete, device layer free of Home Assistant."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "custom_components" / "hanyang_compound"


def test_every_language_has_every_string_and_english_is_current() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "translations"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert {path.name for path in (COMPONENT / "translations").glob("*.json")} >= {
        "en.json",
        "zh-Hans.json",
    }


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module)
    return modules


def test_device_layer_and_simulator_stay_independent() -> None:
    for path in (COMPONENT / "devices").rglob("*.py"):
        imported = _imported_modules(path)
        assert not {m for m in imported if m.split(".")[0] in {"homeassistant", "voluptuous"}}, path
    for path in (ROOT / "simulator").rglob("*.py"):
        imported = _imported_modules(path)
        assert not {
            m for m in imported if m.split(".")[0] in {"custom_components", "homeassistant"}
        }, path


def test_manifest_and_hacs_agree_on_the_integration() -> None:
    manifest = json.loads((COMPONENT / "manifest.json").read_text(encoding="utf-8"))
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert manifest["domain"] == "hanyang_compound"
    assert manifest["name"] == hacs["name"] == "Hanyang Compound"
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "hub"
    assert hacs["homeassistant"] == "2025.4.0"
