"""Metric tables: the POP909 reference row and folders of MIDI files beside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ..errors import BgmError
from .form_metrics import composition_metrics, cuts_by_grid
from .metrics import Annotations, mean_metrics, piece_metrics
from .midi import read_midi
from .pop909 import Song, notes_to_array

TABLE_COLUMNS = 10  # metrics per block of the printed table, so a line fits a terminal


def all_metrics(notes: np.ndarray, n_steps: int | None, ann: Annotations = Annotations()) -> dict[str, float]:
    """The summary metrics (metrics.py) and the melody and form measures (form_metrics.py) of one piece."""
    return piece_metrics(notes, n_steps, ann) | composition_metrics(notes, n_steps, ann)


def song_metrics(song: Song) -> dict[str, float]:
    ann = Annotations(song.key_tonic, song.key_minor, song.chord_pcs)
    return all_metrics(song.notes, song.n_steps, ann)


def reference_row(songs: list[Song], progress: Callable[..., Iterable[Song]] | None = None) -> dict[str, float]:
    """Mean metrics over POP909 songs measured on their beat annotations."""
    it = progress(songs, total=len(songs), desc="reference") if progress else songs
    return mean_metrics([song_metrics(s) for s in it])


def midi_folder_row(
    folder: str | os.PathLike[str], progress: Callable[..., Iterable[Path]] | None = None
) -> tuple[dict[str, float], list[str]]:
    """Mean metrics over every .mid/.midi file in a folder; bad files are reported and skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BgmError(f"{folder}: no such folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".mid", ".midi"))
    if not files:
        raise BgmError(f"{folder}: no MIDI files (.mid) in this folder")
    rows, problems = [], []
    for path in progress(files, total=len(files), desc=folder.name) if progress else files:
        try:
            score = read_midi(path)
            if not score.notes:
                raise BgmError(f"{path}: MIDI file has no notes")
            cuts, eighths = cuts_by_grid(score.segment_starts)  # the shot markers, on a beat or an eighth
            ann = Annotations(cut_beats=cuts, cut_eighths=eighths)
            rows.append(all_metrics(notes_to_array(score.notes), score.n_steps, ann))
        except BgmError as exc:
            problems.append(str(exc))
        except (ValueError, ArithmeticError, MemoryError, IndexError) as exc:  # one odd file costs itself only
            problems.append(f"{path}: could not be measured ({exc.__class__.__name__}: {str(exc)[:80]})")
    if not rows:
        raise BgmError(f"{folder}: none of the {len(files)} MIDI files could be evaluated")
    return mean_metrics(rows), problems


def format_table(rows: dict[str, dict[str, float]], columns: int = TABLE_COLUMNS) -> str:
    """Rows of metrics as aligned text tables: one line per row name, one column per metric,
    in blocks of at most `columns` metrics separated by a blank line."""
    names = list(dict.fromkeys(k for row in rows.values() for k in row))
    blocks = []
    for i in range(0, len(names), columns):
        block = names[i : i + columns]
        widths = [max(len(n), 7) + 2 for n in block]  # every header stays apart from its neighbour
        lines = [f"{'':<14}" + "".join(f"{n:>{w}}" for n, w in zip(block, widths))]
        for label, row in rows.items():
            lines.append(f"{label:<14}" + "".join(f"{row.get(n, float('nan')):>{w}.3f}" for n, w in zip(block, widths)))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
