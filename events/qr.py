"""QR codes as inline SVG (qrcode's SVG path factory: no Pillow, no image files)."""

from __future__ import annotations

import qrcode
from qrcode.image.svg import SvgPathImage


def svg(data: str, *, box_size: int = 16) -> str:
    """Return an ``<svg>`` element encoding ``data`` (``box_size`` 16 ≈ 0.6 mm a module, about 6 cm wide)."""
    image = qrcode.make(data, image_factory=SvgPathImage, box_size=box_size, border=2)
    return image.to_string(encoding="unicode")
