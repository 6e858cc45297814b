"""The batch summary: per video shots, BPM, time taken and status, as a table, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from pathlib import Path

from ..atomic import atomic_path
from .jobs import VideoResult

COLUMNS = ("name", "status", "shots", "bpm", "seconds", "reason", "video")
SUMMARY_NAME = "batch_summary"


def _cell(r: VideoResult, column: str) -> str:
    value = getattr(r, column)
    if value is None:
        return ""
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def format_table(results: list[VideoResult]) -> str:
    """A plain-text table, one row per video, then the totals by status."""
    columns = COLUMNS[:-1]
    rows = [[c.upper() for c in columns]] + [[_cell(r, c) for c in columns] for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), row[-1]]).rstrip() for row in rows]
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
