"""Compile locale/*/LC_MESSAGES/*.po into .mo files with polib (no GNU gettext needed on the machine)."""

import os
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        # Write aside and rename: parallel test workers may compile at the same moment and must never read half a file.
        tmp_path = mo_path.with_suffix(f".mo.{os.getpid()}")
        polib.pofile(str(po_path)).save_as_mofile(str(tmp_path))
        os.replace(tmp_path, mo_path)
        print(f"compiled {mo_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
