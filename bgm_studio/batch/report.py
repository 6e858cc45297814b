"""The batch summary: per video shots, BPM, time taken, status and notes, as a table, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import asdict
from pathlib import Path

from ..atomic import atomic_path
from .jobs import VideoResult

COLUMNS = ("name", "status", "shots", "bpm", "seconds", "reason", "note", "video")
SUMMARY_NAME = "batch_summary"


def _cell(r: VideoResult, column: str) -> str:
    value = getattr(r, column)
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def _shown_width(text: str) -> int:
    """The terminal columns `text` takes, which str.ljust would count as its characters."""
    return sum(map(_char_width, text))


def _char_width(c: str) -> int:
    if unicodedata.category(c) in ("Mn", "Me", "Cf"):  # combining (a decomposed é's accent) or zero-width
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1  # wide and full-width: CJK, emoji


def _padded(cell: str, width: int) -> str:
    return cell + " " * (width - _shown_width(cell))


def format_table(results: list[VideoResult]) -> str:
    """A plain-text table, one row per video, then the totals by status; columns line up on a terminal
    whatever the names' scripts."""
    columns = COLUMNS[:-1]
    rows = [[c.upper() for c in columns]] + [[_cell(r, c) for c in columns] for r in results]
    widths = [max(_shown_width(row[i]) for row in rows) for i in range(len(columns) - 1)]
    lines = ["  ".join([*(_padded(cell, w) for cell, w in zip(row, widths)), row[-1]]).rstrip() for row in rows]
    counts = {s: sum(r.status == s for r in results) for s in ("scored", "skipped", "failed", "interrupted")}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items() if n) + f" of {len(results)} videos")
    return "\n".join(lines)


def write_summary(results: list[VideoResult], out_dir: str | Path) -> list[Path]:
    """OUT/batch_summary.csv and .json, each written atomically."""
    out = Path(out_dir)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    writer.writerows([[_cell(r, c) for c in COLUMNS] for r in results])
    paths = [out / f"{SUMMARY_NAME}.csv", out / f"{SUMMARY_NAME}.json"]
    for path, content in zip(paths, (text.getvalue(), json.dumps([asdict(r) for r in results], indent=1))):
        with atomic_path(path) as tmp:
            tmp.write_text(content)
    return paths
