"""Training under torchrun: 2 gloo processes on the CPU follow the loss of 1 process with the same
global batch, and a state written by 2 processes resumes in 1."""

import json
import subprocess
import sys
from dataclasses import asdict, replace

import pytest
import torch

from bgm_studio.model.train import DEBUG_CONFIG, train


@pytest.fixture
def few_songs(pop909_root, tmp_path):
    """A POP909 folder of four songs (links), so each process loads in a second."""
    root = tmp_path / "pop909"
    root.mkdir()
    for song in ("001", "002", "003", "004"):
        (root / song).symlink_to(pop909_root / song)
    return root


def _log(run) -> dict[int, float]:
    return {e["step"]: e["loss"] for e in torch.load(run / "state.pt", weights_only=True)["log"]}


def _rank_errors(folder) -> str:
    """The end of each rank's own stderr (torchrun's summary above names only the signal a rank died of)."""
    return "".join(f"\n--- {p}:\n{p.read_text(errors='replace')[-1500:]}" for p in sorted(folder.rglob("stderr.log")))


def test_two_processes_match_one_and_resume_in_one(few_songs, tmp_path):
    cfg = replace(DEBUG_CONFIG, threads=1)
    train(cfg, str(tmp_path / "one"), pop909=str(few_songs))
    half = tmp_path / "half.json"
    half.write_text(json.dumps(asdict(replace(cfg, steps=10))))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "--tee",
            "3",
            "--log-dir",
            str(tmp_path / "ranks"),
            "-m",
            "bgm_studio.cli",
            "train",
            "--config",
            str(half),
            "--out",
            str(tmp_path / "two"),
            "--pop909",
            str(few_songs),
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-2000:] + _rank_errors(tmp_path / "ranks")
    assert proc.stdout.count("model written to") == 1  # rank 0 alone speaks and writes
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == ["config.json", "model.pt", "state.pt"]
    one, two = _log(tmp_path / "one"), _log(tmp_path / "two")
    assert two[10] == pytest.approx(one[10], rel=1e-3)
    train(cfg, str(tmp_path / "two"), resume=str(tmp_path / "two" / "state.pt"), pop909=str(few_songs))
    assert _log(tmp_path / "two")[20] == pytest.approx(one[20], rel=1e-3)
    assert one[20] < one[10]  # it did learn, so matching curves mean something
