"""The Blender add-on keeps Blender's Python clean: it never imports BGM Studio, only runs its command."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

ADDON = Path(__file__).resolve().parents[2] / "bgm_studio" / "integrations" / "blender"


def test_the_addon_imports_nothing_of_bgm_studio():
    for path in ADDON.rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not any(name.startswith("bgm_studio") for name in names), path


def test_one_command_builds_an_installable_zip(tmp_path):
    out = tmp_path / "addon.zip"
    subprocess.run([sys.executable, str(ADDON / "build.py"), str(out)], check=True, capture_output=True)
    with zipfile.ZipFile(out) as z:
        assert z.namelist() == ["bgm_studio_vse/__init__.py"]
        source = z.read("bgm_studio_vse/__init__.py").decode()
    assert "bl_info" in source and "def register" in source
