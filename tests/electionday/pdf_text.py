"""Read the text of a PDF WeasyPrint wrote (Type0 fonts, Identity-H, a ToUnicode map each) with pikepdf alone."""

from __future__ import annotations

import io
import re

import pikepdf

_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _unicode_map(font: pikepdf.Dictionary) -> dict[int, str]:
    mapping: dict[int, str] = {}
    if "/ToUnicode" not in font:
        return mapping
    cmap = font.ToUnicode.read_bytes()
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int.from_bytes(bytes.fromhex(dst.decode()), "big")
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def pdf_text(content: bytes) -> str:
    """Return the text drawn on every page, each show-text operation's glyphs in order (runs joined by spaces)."""
    runs: list[str] = []
    with pikepdf.open(io.BytesIO(content)) as pdf:
        for page in pdf.pages:
            fonts = {str(name): _unicode_map(font) for name, font in page.obj.Resources.get("/Font", {}).items()}
            current: dict[int, str] = {}
            for instruction in pikepdf.parse_content_stream(page):
                operator = str(instruction.operator)
                if operator == "Tf":
                    current = fonts.get(str(instruction.operands[0]), {})
                elif operator in ("Tj", "TJ"):
                    parts = instruction.operands[0] if operator == "TJ" else [instruction.operands[0]]
                    text = ""
                    for part in parts:
                        if isinstance(part, pikepdf.String):
                            raw = bytes(part)
                            text += "".join(
                                current.get(int.from_bytes(raw[i : i + 2], "big"), "") for i in range(0, len(raw), 2)
                            )
                    runs.append(text)
    return " ".join(runs)
