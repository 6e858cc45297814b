"""Build the Blender add-on zip: `python bgm_studio/integrations/blender/build.py [OUT.zip]`.

The zip holds the bgm_studio_vse folder, as Blender's Preferences > Add-ons > Install from Disk
expects. Run as a script (no import of BGM Studio: the add-on never imports it either).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ADDON = Path(__file__).resolve().parent / "bgm_studio_vse"
DEFAULT_OUT = Path(__file__).resolve().parents[3] / "dist" / "bgm_studio_vse.zip"


def build(out: Path = DEFAULT_OUT) -> Path:
    """Write the zip (atomically: beside it, then renamed) and return its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(f".{out.name}.part")
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(ADDON.rglob("*.py")):
            z.write(path, Path(ADDON.name) / path.relative_to(ADDON))
    part.replace(out)
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT))
