"""`make screenshots`: the editor in its main looks, written to docs/screenshots/*.png."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = [
    ("editor_dark.png", [], {}),
    ("editor_light.png", ["--light"], {}),
    ("editor_presentation.png", ["--presentation", "--select=conv2d"], {}),
    ("linked_blocks.png", ["--select=mlp"], {"project": "resources/examples/10_linked_blocks.strata"}),
]


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.screenshot import main as screenshot

    folder = ROOT / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    status = 0
    for name, flags, extra in SHOTS:
        args = [str(folder / name)]
        if "project" in extra:
            args.append(str(ROOT / extra["project"]))
        status |= screenshot(args + flags)
    return status


if __name__ == "__main__":
    sys.exit(main())
