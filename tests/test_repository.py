"""Tests of the repository's own rules: translations complete, device layer free of Home Assistant, no import circle."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "custom_components" / "hanyang_compound"
PACKAGE = "custom_components.hanyang_compound"


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


def _module_name(path: Path) -> str:
    """Return the dotted name of a module inside the package; the package itself is ""."""
    parts = list(path.relative_to(COMPONENT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_imports(path: Path, modules: set[str]) -> set[str]:
    """Return the package's modules that a file imports, at module level or in a function."""
    name = _module_name(path)
    parent = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    parent = [part for part in parent if part]
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = parent[: len(parent) - node.level + 1]
            target = ".".join([*base, *([node.module] if node.module else [])])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
            target = (node.module or "").removeprefix(PACKAGE).lstrip(".")
        elif isinstance(node, ast.Import):
            imported |= {
                alias.name.removeprefix(f"{PACKAGE}.")
                for alias in node.names
                if alias.name.removeprefix(f"{PACKAGE}.") in modules
            }
            continue
        else:
            continue
        # "from . import shed" imports the module shed; "from .const import X" imports const.
        candidates = {target, *(f"{target}.{alias.name}".lstrip(".") for alias in node.names)}
        imported |= candidates & modules
    return imported - {name}


def _import_circles() -> set[frozenset[str]]:
    """Return each group of the package's modules that import one another, directly or not.

    The package's __init__ is left out: Home Assistant imports it before any of its modules,
    and they import from it only the config entry's type.
    """
    paths = [
        path
        for path in COMPONENT.rglob("*.py")
        if "__pycache__" not in path.parts and _module_name(path)
    ]
    modules = {_module_name(path) for path in paths}
    graph = {_module_name(path): _package_imports(path, modules) for path in paths}

    def reachable(start: str) -> set[str]:
        seen: set[str] = set()
        stack = [start]
        while stack:
            for module in graph[stack.pop()] - seen:
                seen.add(module)
                stack.append(module)
        return seen

    reach = {module: reachable(module) for module in graph}
    return {
        frozenset({module, *(other for other in reach[module] if module in reach[other])})
        for module in graph
        if module in reach[module]
    }


def test_no_import_circle_in_the_package() -> None:
    assert _import_circles() == set()
