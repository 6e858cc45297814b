"""Defect 10: every error is one line: bad options, paths with newlines, a soundfont libinstpatch chokes on."""

from __future__ import annotations

import shutil

import pytest

from bgm_studio.audio.soundfont import find_soundfont
from bgm_studio.cli import main


def run(args, capfd) -> list[str]:
    """Exit code 2 and the lines the command wrote to stderr (at the file descriptor, C libraries included)."""
    with pytest.raises(SystemExit) as exit_:
        raise SystemExit(main(args))
    assert exit_.value.code == 2
    return [line for line in capfd.readouterr().err.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "args, words",
    [
        (
            ["generate", "v.mp4", "--seed", "abc"],
            "argument --seed: invalid int value: 'abc' (see bgm-studio generate --help)",
        ),
        (["regenerate", "p.bgm.json"], "required: --shot (see bgm-studio regenerate --help)"),
        (["bogus"], "invalid choice: 'bogus'"),
        (["eval", "--split", "middle"], "(see bgm-studio eval --help)"),
        (["generate"], "required: video"),
        (["export", "p.json", "--original-gain", "loud"], "'loud' is neither a gain in dB nor 'off'"),
    ],
)
def test_a_bad_option_is_one_line_with_a_pointer_to_help(capfd, args, words):
    lines = run(args, capfd)
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines


def test_a_newline_in_a_path_stays_on_one_line(env, tmp_path, capfd):
    lines = run(["generate", str(tmp_path / "a\nb.mp4")], capfd)
    assert lines == [f"error: {tmp_path}/a\\nb.mp4: no such file"]


def test_a_damaged_soundfont_is_one_line(video, tmp_path, capfd):
    font = tmp_path / "damaged.sf2"
    shutil.copy(find_soundfont(), font)
    data = bytearray(font.read_bytes())
    at = data.find(b"phdr", data.find(b"pdta"))
    data[at + 8 : at + 8 + 38 * 5] = b"\xff" * 38 * 5  # the first preset headers: the RIFF layout is intact
    font.write_bytes(data)
    lines = run(["generate", str(video), "--soundfont", str(font), "--wav", str(tmp_path / "o.wav")], capfd)
    assert len(lines) == 1 and "could not be loaded" in lines[0] and "CRITICAL" not in lines[0], lines
