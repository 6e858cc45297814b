"""`bgm-studio batch` says in the video's summary row and manifest what its MP4 did to the video, as
generate's note does: a track it left out (a data track no container here holds), a picture it
re-encoded as H.264 (a codec mp4 cannot hold); a rerun that skips the video keeps the note."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bgm_studio.cli import main
from tests.media import ffmpeg, make_with_data_track


def _cinepak(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=2", "-c:v", "cinepak", str(path))  # small: Cinepak is slow
    return path


@pytest.mark.parametrize(
    "make, name, note",
    [
        (make_with_data_track, "src.ts", "left out the video's data track 1 (bin_data), which mp4 cannot hold"),
        (_cinepak, "src.avi", "the video was re-encoded as H.264 ('mp4' format does not support 'cinepak' codec)"),
    ],
    ids=["left-out-track", "re-encoded"],
)
def test_batch_records_what_its_mp4_did_to_the_video(tmp_path, tiny_model_path, capsys, make, name, note):
    video = make(tmp_path / name)
    (tmp_path / "list.txt").write_text(f"{video}\n")
    out = tmp_path / "out"
    args = ["batch", str(tmp_path / "list.txt"), "--out", str(out), "--model", str(tiny_model_path)]
    for status in ("scored", "skipped"):
        assert main([*args, "--formats", "mp4", "--workers", "1"]) == 0
        [row] = json.loads((out / "batch_summary.json").read_text())
        assert (row["status"], row["note"]) == (status, note)
        assert json.loads((out / "src.manifest.json").read_text())["result"]["note"] == note
        with open(out / "batch_summary.csv", newline="") as f:
            assert [r["note"] for r in csv.DictReader(f)] == [note]
        assert note in capsys.readouterr().out  # the table's row
