#!/usr/bin/env python3
"""Renders the integration's brand images (brand/*.png) from the vector sources in assets/brand/.

Home Assistant 2026.3 and later show a custom integration's own brand/icon.png, logo.png and
their dark and @2x variants. The dark variants are the same drawings with the colours that
would vanish on a dark background swapped. Run through scripts/brand, which installs cairosvg.
"""

from __future__ import annotations

from pathlib import Path
import re

import cairosvg

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "assets" / "brand"
BRAND = ROOT / "custom_components" / "hanyang_compound" / "brand"

DARK_COLOURS = {
    "#2B2D42": "#E9E9F0",  # walls, arm and text: ink becomes light
    "#C8102E": "#FF5A66",  # the red, brighter so it holds against a dark page
    "#FFFFFF": "#2B2D42",  # the arm's stripes: dark on the now light arm
}
"""Light colour → dark-theme colour; the gold reads on both."""

ICON_SIZE = 256
LOGO_HEIGHT = 256
"""Heights of the plain images; the @2x images are twice as large."""


def _icon_body() -> str:
    icon = (SOURCES / "icon.svg").read_text(encoding="utf-8")
    return icon[icon.index(">", icon.index("<svg")) + 1 : icon.rindex("</svg>")]


def _logo() -> str:
    """Return the logo with the icon drawn in place, so that recolouring reaches it too."""
    logo = (SOURCES / "logo.svg").read_text(encoding="utf-8")
    return re.sub(r'<image href="icon\.svg"[^>]*/>', f"<g>{_icon_body()}</g>", logo)


def _dark(svg: str) -> str:
    pattern = re.compile("|".join(map(re.escape, DARK_COLOURS)), re.IGNORECASE)
    return pattern.sub(lambda match: DARK_COLOURS[match.group(0).upper()], svg)


def main() -> None:
    """Write every brand image."""
    BRAND.mkdir(exist_ok=True)
    drawings = {
        "icon": ((SOURCES / "icon.svg").read_text(encoding="utf-8"), ICON_SIZE),
        "logo": (_logo(), LOGO_HEIGHT),
    }
    for name, (svg, height) in drawings.items():
        for prefix, source in (("", svg), ("dark_", _dark(svg))):
            for suffix, scale in (("", 1), ("@2x", 2)):
                target = BRAND / f"{prefix}{name}{suffix}.png"
                cairosvg.svg2png(
                    bytestring=source.encode(), write_to=str(target), output_height=height * scale
                )
                print(target.relative_to(ROOT))


if __name__ == "__main__":
    main()
