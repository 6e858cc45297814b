"""Only bgm_studio/app imports PySide6; music/ and video/ never import the scoring model (music: no torch)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "bgm_studio"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
    return names


def test_qt_only_in_app():
    for path in PACKAGE.rglob("*.py"):
        if "app" in path.relative_to(PACKAGE).parts:
            continue
        assert not any(n.startswith(("PySide6", "pyqtgraph")) for n in imports_of(path)), path


def test_music_and_video_free_of_the_model():
    for folder in ("music", "video"):
        for path in (PACKAGE / folder).rglob("*.py"):
            names = imports_of(path)
            assert not any("model" in n.split(".") for n in names), path
            assert folder == "video" or not any(n.startswith("torch") for n in names), path
