"""Assertions shared by the robustness tests."""
from __future__ import annotations

import os
from pathlib import Path


def one_line_error(capsys, words: str) -> None:
    """The command printed exactly one line, an error naming `words`."""
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and words in err and "\n" not in err, err


def stray_files(folder: Path) -> list[str]:
    """Hidden temporary files (ours end in .part..., .probe) left anywhere under `folder`."""
    return sorted(name for _root, _dirs, files in os.walk(folder) for name in files
                  if name.startswith(".") and (".part" in name or name.endswith(".probe")))
