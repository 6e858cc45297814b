"""A second battery from an independent review: hostile projects, odd videos, paths and environments.

Same rules as test_battery.py (one `error:` line and exit 2, or a success where success is right; inputs
untouched, nothing temporary left, nothing written when refused), in the same kind of folder. A case
that would hang (a FIFO read) fails after ALARM_S instead of stopping the run.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import struct
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.media import ffmpeg
from tests.robustness.helpers import alarm
from tests.robustness.test_battery import ANY, Case, base, command, run_case  # noqa: F401 (base: the fixture)

ALARM_S = 60
E = command("export", "{d}/p.bgm.json")
R = command("regenerate", "{d}/p.bgm.json", "--shot", "0")
G, A = command("generate", "{d}/v.mp4"), command("analyze", "{d}/v.mp4")
RUNS = {"export --midi": E("--midi", "{d}/o.mid"), "export --wav": E("--wav", "{d}/o.wav"), "regenerate": R()}


def edit(change: Callable[[dict[str, Any]], object]) -> Callable[[Path], None]:
    """Change the folder's project as JSON data."""

    def setup(d: Path) -> None:
        data = json.loads((d / "p.bgm.json").read_text())
        change(data)
        (d / "p.bgm.json").write_text(json.dumps(data))

    return setup


def raw(change: Callable[[str], str | bytes]) -> Callable[[Path], None]:
    """Change the folder's project as text."""

    def setup(d: Path) -> None:
        out = change((d / "p.bgm.json").read_text())
        (d / "p.bgm.json").write_bytes(out.encode() if isinstance(out, str) else out)

    return setup


def shot(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["shots"][0].__setitem__(key, value)


def note(row: list[int]) -> Callable[[dict[str, Any]], None]:
    return lambda p: p["shots"][0]["takes"][0]["notes"].append(row)


def second_shot(start_s: float, change: Callable[[dict[str, Any]], object] = lambda s: None):
    """Add a copy of shot 0 as shot 1 from `start_s` (3 s long), then `change` the shots."""

    def add(p: dict[str, Any]) -> None:
        s = copy.deepcopy(p["shots"][0])
        s.update(index=1, start_s=start_s, end_s=start_s + 3.0, start_beat=s["n_beats"], theme=1)
        p["shots"].append(s)
        change(p["shots"])

    return add


def fill_beats(n_beats: int, tempo: float) -> Callable[[dict[str, Any]], None]:
    """Shot 0 claims `n_beats` at `tempo` (its chords made to match, so only the timing is wrong)."""

    def change(p: dict[str, Any]) -> None:
        p["shots"][0].update(n_beats=n_beats, tempo_bpm=tempo)
        p["shots"][0]["takes"][0]["chords"] = p["chords"] = [[0, 145]] * n_beats
        p["form"] = []

    return change


def older(version: int, edited: bool = False) -> Callable[[dict[str, Any]], None]:
    """The project as an older BGM Studio wrote it (fields read from git history of project/state.py)."""

    def change(p: dict[str, Any]) -> None:
        p["version"] = version
        for s in p["shots"]:
            for t in s["takes"]:
                if not edited:
                    t.pop("edited")  # written from format 4 on, and not by every format 5 writer
                if version < 2:
                    t.pop("chords")
            if version < 3:
                s.pop("theme")
        if version < 4:
            p.pop("arrangement")
        if version < 5:
            p.pop("form")
        if version < 2:  # the analysis settings of then: names since renamed are ignored
            p["analysis_settings"] = {"skip_nonref": True, "gradual_span_s": 1.0, "gradual_min": 0.3}

    return change


REFUSED_EDITS: dict[str, tuple[Callable[[Path], None], str]] = {
    # shots that do not tile the video
    "shots unsorted": (edit(second_shot(3.0, lambda ss: ss.reverse())), "in order"),
    "shots overlapping": (edit(second_shot(2.0)), "without gaps"),
    "shots with a gap": (edit(second_shot(3.5)), "without gaps"),
    "a second shot past the video": (edit(second_shot(3.0)), "video lasts"),
    "a zero-length shot": (edit(shot("end_s", 0.0)), "must end after it starts"),
    "a shot ending before it starts": (edit(shot("end_s", -1.0)), "must end after it starts"),
    "shots short of the video": (edit(shot("end_s", 2.0)), "video lasts"),
    "beats at 10 BPM over 3 s": (edit(shot("tempo_bpm", 10.0)), "beats at their tempi"),
    "beats at 1000 BPM over 3 s": (edit(shot("tempo_bpm", 1000.0)), "beats at their tempi"),
    "60000 beats in a 3 s shot": (edit(fill_beats(60000, 1000.0)), "beats at their tempi"),
    "n_beats 0": (edit(shot("n_beats", 0)), ">= 1"),
    # notes and values outside the piece
    "a note at the shot's end": (edit(lambda p: note([p["shots"][0]["n_beats"] * 4, 60, 1, 80, 0])(p)), "starts after"),
    "a note at pitch -1": (edit(note([0, -1, 1, 80, 0])), "notes"),
    "a note on track 2": (edit(note([0, 60, 1, 80, 2])), "notes"),
    "a note of four numbers": (edit(note([0, 60, 1, 80])), "length 5"),
    "a note of velocity 0": (edit(note([0, 60, 1, 0, 0])), ">= 1"),
    "a note of velocity 128": (edit(note([0, 60, 1, 128, 0])), "<= 127"),
    "a note as text": (edit(lambda p: p["shots"][0]["takes"][0]["notes"].append("C4")), "got text"),
    "mode dorian": (edit(lambda p: p["shots"][0]["overrides"].__setitem__("mode", "dorian")), "dorian"),
    "an unknown override": (edit(lambda p: p["shots"][0]["overrides"].__setitem__("tempo", 3)), "tempo"),
    "preset bogus": (edit(lambda p: p["arrangement"].__setitem__("preset", "bogus")), "bogus"),
    "GM program 999": (edit(lambda p: p["arrangement"].__setitem__("programs", {"melody": 999})), "999"),
    "an unknown part": (edit(lambda p: p["arrangement"].__setitem__("programs", {"kazoo": 1})), "kazoo"),
    "a preset for shot 7": (edit(lambda p: p["arrangement"].__setitem__("shots", {"7": "ambient"})), "shot"),
    "form letter 1": (edit(lambda p: p.__setitem__("form", [["1", 0, 1]])), "form"),
    "form past the piece": (edit(lambda p: p.__setitem__("form", [["A", 0, 9]])), "form"),
    "theme a later shot": (edit(second_shot(3.0, lambda ss: ss[0].__setitem__("theme", 1))), "theme"),
    "chord root 12": (edit(lambda p: p["chords"].__setitem__(0, [12, 1])), "chords"),
    "chord mask 4096": (edit(lambda p: p["chords"].__setitem__(0, [0, 4096])), "chords"),
    "a take's chords one short": (edit(lambda p: p["shots"][0]["takes"][0]["chords"].pop()), "per beat"),
    "key_tonic 2**60": (edit(lambda p: p.__setitem__("key_tonic", 2**60)), "key_tonic"),
    # versions, missing fields, wrong types
    "version 0": (edit(lambda p: p.__setitem__("version", 0)), "version"),
    "version '5'": (edit(lambda p: p.__setitem__("version", "5")), "version"),
    "version 4.5": (edit(lambda p: p.__setitem__("version", 4.5)), "version"),
    "version true": (edit(lambda p: p.__setitem__("version", True)), "version"),
    "version missing": (edit(lambda p: p.pop("version")), "version"),
    "version 6 (a later BGM Studio)": (edit(lambda p: p.__setitem__("version", 6)), "newer"),
    "another schema": (edit(lambda p: p.__setitem__("schema", "bgm-studio-preset")), "not a BGM Studio project"),
    "video missing": (edit(lambda p: p.pop("video")), "video"),
    "features missing": (edit(lambda p: p["shots"][0].pop("features")), "features"),
    "features a list": (edit(shot("features", [1, 2])), "features"),
    "a feature as text": (edit(lambda p: p["shots"][0]["features"].__setitem__("motion", "NaN")), "features"),
    "takes missing": (edit(lambda p: p["shots"][0].pop("takes")), "takes"),
    "overrides null": (edit(shot("overrides", None)), "overrides"),
    "take 5 of 1": (edit(shot("take", 5)), "take 5"),
    "video hash a number": (edit(lambda p: p["video"].__setitem__("hash", 5)), "video.hash"),
    "model_id null": (edit(lambda p: p.__setitem__("model_id", None)), "model_id"),
    "analysis settings a list": (edit(lambda p: p.__setitem__("analysis_settings", [])), "analysis_settings"),
    "analysis sample_fps 0": (edit(lambda p: p["analysis_settings"].__setitem__("sample_fps", 0)), "sample_fps"),
    "a NUL in the video's path": (
        edit(lambda p: p["video"].__setitem__("path", p["video"]["path"] + "\0x")),
        "cannot be a file name",
    ),
    "an unpaired surrogate in the video's path": (
        edit(lambda p: p["video"].__setitem__("path", "/tmp/\ud800.mp4")),
        "cannot be a file name",
    ),
    "the video's path a folder": (edit(lambda p: p["video"].__setitem__("path", "/tmp")), "is a folder, not a video"),
    # the JSON itself
    "a 5000-digit integer": (raw(lambda t: t.replace('"seed": ', '"seed": ' + "9" * 5000 + ', "x": ', 1)), "digits"),
    "a tempo of 1e999999": (raw(lambda t: t.replace('"tempo_bpm": ', '"tempo_bpm": 1e999999, "y": ', 1)), "tempo"),
    "shots repeated as an empty list": (raw(lambda t: t[:-1] + ', "shots": []}'), "shots"),
    "nested 100,000 deep": (raw(lambda t: t[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"), "nested"),
    "bytes that are not UTF-8": (
        raw(lambda t: t.encode().replace(b'"model_id"', b'"model\xff_id"')),
        "not a BGM Studio project",
    ),
    "trailing garbage": (raw(lambda t: t + " {}"), "not valid JSON"),
    # not a file
    "a FIFO": (lambda d: (d / "p.bgm.json").unlink() or os.mkfifo(d / "p.bgm.json"), "FIFO"),
    "a link to /dev/zero": (
        lambda d: (d / "p.bgm.json").unlink() or (d / "p.bgm.json").symlink_to("/dev/zero"),
        "device",
    ),
}

GOOD_EDITS: dict[str, Callable[[Path], None]] = {
    **{f"written by format {v}": edit(older(v)) for v in (1, 2, 3, 4)},
    "written by format 4 with edited takes": edit(older(4, edited=True)),
    "written by format 5 without edited": edit(older(5)),
    "a field of a later version": edit(lambda p: p.__setitem__("mixer", {"bus": 1})),
    "a shot field of a later version": edit(lambda p: p["shots"][0].__setitem__("lyrics", "la")),
    "a take field of a later version": edit(lambda p: p["shots"][0]["takes"][0].__setitem__("rating", 5)),
    "key_tonic -5": edit(lambda p: p.__setitem__("key_tonic", -5)),
    "an unpaired surrogate in model_id": raw(lambda t: t.replace('"model_id": "', '"model_id": "\\ud800', 1)),
    "no notes at all": edit(lambda p: p["shots"][0]["takes"][0].__setitem__("notes", [])),
    "a note held 240,000 steps past the end": edit(note([0, 60, 240_000, 80, 0])),
}


def _ff(*args: str) -> Callable[[Path], None]:
    return lambda p: ffmpeg("-f", "lavfi", "-i", *args, str(p))


def _patched(offset_of: Callable[[bytes], int], fmt: str, *values: int) -> Callable[[Path], None]:
    """The folder's video with `values` written at the offset `offset_of(data)` (a box field of the MP4 header)."""

    def make(p: Path) -> None:
        data = bytearray((p.parent / "v0.mp4").read_bytes())
        struct.pack_into(fmt, data, offset_of(bytes(data)), *values)
        p.write_bytes(bytes(data))

    return make


def _mvhd_10_hours(p: Path) -> None:
    """The folder's video with a movie header saying it lasts 10 hours (its stream still says 3 s)."""
    data = bytearray((p.parent / "v0.mp4").read_bytes())
    at = data.find(b"mvhd") + 4
    timescale = struct.unpack_from(">I", data, at + 12)[0]  # version 0: flags, created, modified, timescale
    struct.pack_into(">I", data, at + 16, timescale * 36000)
    p.write_bytes(bytes(data))


TESTSRC = "testsrc=size=64x48:rate=25:duration="
VIDEOS: dict[str, tuple[Callable[[Path], None], int, str, float]] = {  # make, code, words, seconds
    "with a video stream of no frames": (_ff(TESTSRC + "3", "-frames:v", "0", "-c:v", "libx264"), 2, "video", 0),
    "of one frame at 25 fps": (_ff(TESTSRC + "3", "-frames:v", "1", "-c:v", "libx264"), 2, "single frame", 0),
    "of a variable frame rate": (
        _ff(TESTSRC + "3", "-vf", "setpts='if(lt(N,25),N/(25*TB),(1+(N-25)/50)/TB)'", "-fps_mode", "vfr"),
        0,
        "",
        2.0,
    ),
    "rotated 90 degrees": (
        lambda p: ffmpeg("-i", str(p.parent / "v0.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(p)),
        0,
        "",
        3.0,
    ),
    "of 2x2 pixels": (
        _ff("color=c=red:size=2x2:rate=25:duration=3", "-c:v", "libx264", "-pix_fmt", "yuv444p"),
        0,
        "",
        3,
    ),
    "of 8192x16 pixels": (_ff("testsrc=size=8192x16:rate=25:duration=3", "-c:v", "libx264"), 0, "", 3.0),
    "of 16x4096 pixels (MPEG-4 part 2)": (_ff("testsrc=size=16x4096:rate=25:duration=3", "-c:v", "mpeg4"), 0, "", 3),
    "lasting 10 hours (two frames 10 h apart)": (
        _ff(TESTSRC + "1", "-vf", "setpts='if(eq(N,24),36000/TB,PTS)'", "-fps_mode", "vfr", "-c:v", "libx264"),
        2,
        "up to 3:00:00",
        0,
    ),
    "whose header claims 10 hours": (_mvhd_10_hours, 0, "", 3.0),
    "whose header claims 60000x60000 pixels": (
        _patched(lambda b: b.find(b"tkhd") + 80, ">II", 60000 << 16, 60000 << 16),
        0,
        "",
        3.0,
    ),
}


def odd_video(make: Callable[[Path], None]) -> Callable[[Path], None]:
    """The folder's video (v.mp4) replaced by an odd one; the 3 s original stays as v0.mp4 to derive from."""

    def setup(d: Path) -> None:
        (d / "v.mp4").rename(d / "v0.mp4")
        make(d / "v.mp4")

    return setup


def mknod_null(path: Path) -> None:
    """A character device like /dev/null (root only), without touching the real one."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")


def link(name: str, to: str) -> Callable[[Path], None]:
    return lambda d: (d / name).symlink_to(to)


NOT_UTF8 = os.fsdecode(b"v\xff.mp4")
CASES: dict[str, Case] = {
    **{
        f"{run}: a project with {k}": Case(args, 2, words, setup=setup)
        for k, (setup, words) in REFUSED_EDITS.items()
        for run, args in RUNS.items()
    },
    **{
        f"{run}: a project {k}": Case(args, 0, setup=setup)
        for k, setup in GOOD_EDITS.items()
        for run, args in RUNS.items()
    },
    **{
        f"{cmd}: a video {k}": Case(
            G("-o", "{d}/o.mp4") if cmd == "generate" else A(), code, words, setup=odd_video(make), seconds=seconds
        )
        for k, (make, code, words, seconds) in VIDEOS.items()
        for cmd in ("generate", "analyze")
    },
    # outputs that are not regular files, or reached through links
    "export: --midi is a device like /dev/null": Case(
        E("--midi", "{d}/null"), 2, "device", setup=lambda d: mknod_null(d / "null")
    ),
    "export: --wav is a device like /dev/null": Case(
        E("--wav", "{d}/null"), 2, "device", setup=lambda d: mknod_null(d / "null")
    ),
    "export: --midi is a FIFO": Case(E("--midi", "{d}/f.mid"), 2, "pipe", setup=lambda d: os.mkfifo(d / "f.mid")),
    "generate: --project is a FIFO": Case(
        G("--project", "{d}/f.bgm.json"), 2, "pipe", setup=lambda d: os.mkfifo(d / "f.bgm.json")
    ),
    "export: --midi through a symlink to a file": Case(
        E("--midi", "{d}/link.mid"),
        0,
        setup=lambda d: (d / "old.mid").write_bytes(b"x") or link("link.mid", "old.mid")(d),
        changed=("old.mid",),
    ),
    "export: --midi through a dangling symlink": Case(
        E("--midi", "{d}/link.mid"), 0, setup=link("link.mid", "new.mid")
    ),
    "regenerate: the project through a symlink": Case(
        ANY("regenerate", "{d}/link.bgm.json", "--shot", "0"),
        0,
        setup=link("link.bgm.json", "p.bgm.json"),
        changed=("p.bgm.json",),
    ),
    "export: --midi is the project through ..": Case(E("--midi", "{d}/../{d.name}/p.bgm.json"), 2, "same as the input"),
    "export: --wav is the soundfont through a symlink": Case(
        E("--soundfont", "{d}/font.sf2", "--wav", "{d}/sf.wav"),
        2,
        "same as the input",
        setup=link("sf.wav", "font.sf2"),
    ),
    "regenerate: --midi is the video through a symlink": Case(
        R("--midi", "{d}/vl.mid"), 2, "same as the input", setup=link("vl.mid", "v.mp4")
    ),
    "eval: --json is a POP909 song through a hardlink": Case(
        ANY("eval", "--pop909", "{d}/pop", "--json", "{d}/h.json"),
        2,
        "input folder",
        setup=lambda d: os.link(d / "pop" / "819" / "819.mid", d / "h.json"),
    ),
    "eval: --json is a POP909 song through ..": Case(
        ANY("eval", "--pop909", "{d}/pop", "--json", "{d}/pop/820/../819/819.mid"), 2, "input folder"
    ),
    # odd names
    "generate: a video in a folder with spaces and Unicode": Case(
        ANY("generate", "{d}/my clips é/vidéo 日本 1.mp4", "-o", "{d}/my clips é/sortie ♪.mp4"),
        0,
        setup=lambda d: (d / "my clips é").mkdir() or shutil.copy(d / "v.mp4", d / "my clips é" / "vidéo 日本 1.mp4"),
    ),
    "generate: a video whose name is not UTF-8": Case(
        ANY("generate", "{d}/" + NOT_UTF8, "--project", "{d}/n.bgm.json", "--midi", "{d}/n.mid"),
        0,
        setup=lambda d: shutil.copy(d / "v.mp4", d / NOT_UTF8),
    ),
    "export: a project of a video whose name is not UTF-8": Case(
        E("--mp4", "{d}/o.mp4"), 0, setup=lambda d: shutil.copy(d / "v.mp4", d / NOT_UTF8) or _relink(d, NOT_UTF8)
    ),
    "generate: --midi ./-x.mid (a leading dash)": Case(G("--midi", "./-x.mid"), 0),
    "generate: --midi=-x.mid": Case(G("--midi=-x.mid"), 0),
    "generate: --midi -x.mid (read as an option)": Case(G("--midi", "-x.mid"), 2, "--midi"),
    "generate: --midi is the folder '.'": Case(G("--midi", "."), 2, "folder"),
    "export: --midi ends in a slash (it names a folder)": Case(E("--midi", "{d}/o.mid/"), 2, "ends in /"),
    "generate: --soundfont a FIFO says what it is": Case(
        G("--wav", "{d}/o.wav", "--soundfont", "{d}/s.sf2"),
        2,
        "is a pipe (FIFO), not a soundfont",
        setup=lambda d: os.mkfifo(d / "s.sf2"),
    ),
    "generate: --model a FIFO says what it is": Case(
        G("--midi", "{d}/o.mid", "--model", "{d}/m.pt"),
        2,
        "is a pipe (FIFO), not a model checkpoint",
        setup=lambda d: os.mkfifo(d / "m.pt"),
    ),
    "generate: the video as /dev/null": Case(ANY("generate", "/dev/null", "--midi", "{d}/o.mid"), 2, "/dev/null"),
    # the environment
    **{
        f"generate: BGM_TEXTURES {k}": Case(G("--midi", "{d}/o.mid"), 2, "texture", env=(("BGM_TEXTURES", v),), setup=s)
        for k, v, s in (
            ("/dev/zero", "/dev/zero", None),
            ("a FIFO", "{d}/t.npz", lambda d: os.mkfifo(d / "t.npz")),
            ("a folder", "{d}", None),
            ("a MIDI file", "{d}/in.mid", None),
            ("garbage", "{d}/t.npz", lambda d: (d / "t.npz").write_bytes(b"PK\x03\x04" + b"\0" * 60)),
        )
    },
    **{
        f"generate: BGM_MELODY_MODEL {k}": Case(
            G("--midi", "{d}/o.mid"), 2, "melody", env=(("BGM_MELODY_MODEL", v),), setup=s
        )
        for k, v, s in (
            ("/dev/zero", "/dev/zero", None),
            ("a FIFO", "{d}/m.pt", lambda d: os.mkfifo(d / "m.pt")),
            ("a folder", "{d}", None),
            ("a MIDI file", "{d}/in.mid", None),
        )
    },
    **{
        f"generate: BGM_MODEL {k}": Case(G("--midi", "{d}/o.mid"), 2, "", env=(("BGM_MODEL", v),), setup=s)
        for k, v, s in (
            ("a FIFO", "{d}/m.pt", lambda d: os.mkfifo(d / "m.pt")),
            ("a folder", "{d}", None),
            ("/dev/zero", "/dev/zero", None),
        )
    },
    **{
        f"generate: BGM_CACHE {k}": Case(G("--midi", "{d}/o.mid"), 0, env=(("BGM_CACHE", v),), setup=s)
        for k, v, s in (
            ("empty", "", None),
            ("a FIFO", "{d}/c", lambda d: os.mkfifo(d / "c")),
            ("/dev/null", "/dev/null", None),
            ("relative", "rel/cache", None),
            ("under a file", "{d}/in.mid/cache", None),
        )
    },
    "generate: HOME and BGM_CACHE unset": Case(
        G("--midi", "{d}/o.mid"), 0, env=(("XDG_CACHE_HOME", "{d}/xdg"),), unset=("HOME", "BGM_CACHE")
    ),
    **{
        f"generate: BGM_SOUNDFONT {k}": Case(G("--wav", "{d}/o.wav"), 2, ".sf2", env=(("BGM_SOUNDFONT", v),), setup=s)
        for k, v, s in (
            ("/dev/zero", "/dev/zero", None),
            ("a FIFO", "{d}/s.sf2", lambda d: os.mkfifo(d / "s.sf2")),
            ("the video", "{d}/v.mp4", None),
        )
    },
    "generate: BGM_DEVICE bogus": Case(G("--midi", "{d}/o.mid"), 2, "bogus", env=(("BGM_DEVICE", "bogus"),)),
    "generate: BGM_ENCODER bogus": Case(G("--midi", "{d}/o.mid"), 2, "bogus", env=(("BGM_ENCODER", "bogus"),)),
    "generate: BGM_CLIP_WEIGHTS /dev/zero": Case(
        G("--midi", "{d}/o.mid"), 2, "CLIP", env=(("BGM_ENCODER", "clip"), ("BGM_CLIP_WEIGHTS", "/dev/zero"))
    ),
    "generate: BGM_AUDIO_DRIVER bogus (an offline render needs none)": Case(
        G("--wav", "{d}/o.wav"), 0, env=(("BGM_AUDIO_DRIVER", "bogus"),)
    ),
    # training and eval inputs that are not files
    **{
        f"train: --config {k}": Case(ANY("train", "--config", v, "--out", "{d}/run"), 2, w, setup=s)
        for k, v, w, s in (
            ("/dev/zero", "/dev/zero", "device", None),
            ("a FIFO", "{d}/c.json", "FIFO", lambda d: os.mkfifo(d / "c.json")),
            ("a folder", "{d}", "config", None),
            (
                "with a 5000-digit number",
                "{d}/c.json",
                "c.json",
                lambda d: (d / "c.json").write_text('{"steps": ' + "9" * 5000 + "}"),
            ),
        )
    },
    "eval: --midi-dir holding a FIFO and a link to /dev/zero": Case(
        ANY("eval", "--pop909", "{d}/pop", "--midi-dir", "{d}/gen", "--json", "{d}/o.json"),
        0,
        setup=lambda d: (
            (d / "gen").mkdir()
            or os.mkfifo(d / "gen" / "f.mid")
            or (d / "gen" / "z.mid").symlink_to("/dev/zero")
            or shutil.copy(d / "in.mid", d / "gen")
        ),
    ),
}


def _entity_bomb(root: str) -> str:
    """An XML file whose one name expands to 10^9 characters (billion laughs)."""
    head = '<?xml version="1.0"?>\n<!DOCTYPE x [\n<!ENTITY l0 "lol">\n'
    head += "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">\n' for i in range(1, 10))
    return head + f"]>\n<{root} version=\"4\"><sequence><name>&l9;</name></sequence></{root}>\n"


DEEP_XML = "<a>" * 100_000 + "</a>" * 100_000
CUT_LISTS = {  # name, text: each is refused in one line before any work
    "an XML entity bomb (.xml)": ("cuts.xml", _entity_bomb("xmeml")),
    "an XML entity bomb (.fcpxml)": ("cuts.fcpxml", _entity_bomb("fcpxml")),
    "an external entity naming /etc/passwd": (
        "cuts.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        '<xmeml version="4"><sequence><name>&e;</name></sequence></xmeml>\n',
    ),
    "an .otio with a 5000-digit number": ("cuts.otio", '{"OTIO_SCHEMA": "Timeline.1", "x": ' + "9" * 5000 + "}"),
    "an .otio nested 100,000 deep": (
        "cuts.otio",
        '{"OTIO_SCHEMA": "Timeline.1", "x": ' + "[" * 10**5 + "]" * 10**5 + "}",
    ),
    **{
        f"a {ext} nested 100,000 deep": (f"cuts{ext}", f'<?xml version="1.0"?><{root}>{DEEP_XML}</{root}>')
        for ext, root in ((".xml", "xmeml"), (".fcpxml", "fcpxml"), (".kdenlive", "mlt"))
    },
    "an EDL of 20,000 one-frame events": (
        "cuts.edl",
        "TITLE: t\n\n"
        + "".join(
            f"{i + 1:06d}  AX  V  C  00:00:{i // 25 % 60:02d}:{i % 25:02d} 00:00:{(i + 1) // 25 % 60:02d}:"
            f"{(i + 1) % 25:02d} 00:{i // 1500:02d}:{i // 25 % 60:02d}:{i % 25:02d} "
            f"00:{(i + 1) // 1500:02d}:{(i + 1) // 25 % 60:02d}:{(i + 1) % 25:02d}\n"
            for i in range(20_000)
        ),
    ),
}
CASES |= {
    f"generate: --cuts {k}": Case(
        G("--cuts", "{d}/" + name, "--midi", "{d}/o.mid"),
        2,
        name,
        setup=lambda d, name=name, text=text: (d / name).write_text(text),
    )
    for k, (name, text) in CUT_LISTS.items()
}


def _relink(d: Path, name: str) -> None:
    data = json.loads((d / "p.bgm.json").read_text())
    data["video"]["path"] = str(d / name)
    (d / "p.bgm.json").write_text(json.dumps(data))


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_more(name, base, tmp_path, tiny_model, monkeypatch, capfd):  # noqa: F811 (base)
    with alarm(ALARM_S):
        run_case(CASES[name], base, tmp_path, tiny_model, monkeypatch, capfd)
