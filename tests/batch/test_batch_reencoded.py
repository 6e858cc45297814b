"""`bgm-studio batch` says, in the video's summary row and manifest, that its MP4's picture was re-encoded
as H.264 (a codec mp4 cannot hold), as generate's note does; a rerun keeps the note."""

from __future__ import annotations

import csv
import json

from bgm_studio.cli import main
from tests.media import ffmpeg

NOTE = "the video was re-encoded as H.264 ('mp4' format does not support 'cinepak' codec)"


def test_batch_records_a_picture_its_mp4_re_encoded(tmp_path, tiny_model_path, capsys):
    clips = tmp_path / "clips"
    clips.mkdir()
    picture = ["-f", "lavfi", "-i", "testsrc2=s=64x48:r=25:d=2"]  # small: Cinepak encodes slowly
    ffmpeg(*picture, "-c:v", "cinepak", str(clips / "src.avi"))
    out = tmp_path / "out"
    args = ["batch", str(clips), "--out", str(out), "--model", str(tiny_model_path)]
    for status in ("scored", "skipped"):
        assert main([*args, "--formats", "mp4", "--workers", "1"]) == 0
        [row] = json.loads((out / "batch_summary.json").read_text())
        assert (row["status"], row["note"]) == (status, NOTE)
        assert json.loads((out / "src.manifest.json").read_text())["result"]["note"] == NOTE
        with open(out / "batch_summary.csv", newline="") as f:
            assert [r["note"] for r in csv.DictReader(f)] == [NOTE]
        assert NOTE in capsys.readouterr().out  # the table's row
