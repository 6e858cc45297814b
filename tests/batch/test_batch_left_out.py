"""`bgm-studio batch` names, in the video's summary row and manifest, a track of the video its MP4
leaves out (a data track no container here holds), as generate's note does; a rerun keeps the note."""

from __future__ import annotations

import csv
import json

from bgm_studio.cli import main
from tests.media import make_with_data_track

NOTE = "left out the video's data track 1 (bin_data), which mp4 cannot hold"


def test_batch_records_a_track_its_mp4_left_out(tmp_path, tiny_model_path, capsys):
    video = make_with_data_track(tmp_path / "src.ts")
    (tmp_path / "list.txt").write_text(f"{video}\n")
    out = tmp_path / "out"
    args = ["batch", str(tmp_path / "list.txt"), "--out", str(out), "--model", str(tiny_model_path)]
    for status in ("scored", "skipped"):
        assert main([*args, "--formats", "mp4", "--workers", "1"]) == 0
        [row] = json.loads((out / "batch_summary.json").read_text())
        assert (row["status"], row["note"]) == (status, NOTE)
        assert json.loads((out / "src.manifest.json").read_text())["result"]["note"] == NOTE
        with open(out / "batch_summary.csv", newline="") as f:
            assert [r["note"] for r in csv.DictReader(f)] == [NOTE]
        assert NOTE in capsys.readouterr().out  # the table's row
