"""A battery of hostile and clumsy inputs through every command.

Each case runs one command in a fresh folder holding a video, a project scored for it, a MIDI file
and a soundfont, and must end in a success where success is right or in one `error:` line and exit
2 (at the file descriptor, so C libraries' own lines count). Either way every file that was there is
untouched, nothing temporary is left, and a refused command writes nothing at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from bgm_studio.audio.soundfont import find_soundfont
from bgm_studio.cli import main
from tests.media import file_hash, make_video
from tests.robustness.bad_inputs import GOOD_MIDI
from tests.robustness.helpers import check_whole, stray_files

LONG = "n" * 246  # with ".mid" a 250-character name, legal on every common file system


@dataclass(frozen=True)
class Case:
    args: Callable[[Path], list[str]]  # the command line, given the case's folder
    code: int  # 0: must succeed, 2: must be refused
    words: str = ""  # in the error line
    setup: Callable[[Path], object] | None = None  # makes the odd file the case is about
    env: tuple[tuple[str, str], ...] = ()  # environment variables set for the case ({d}: its folder)
    unset: tuple[str, ...] = ()  # environment variables removed for the case
    seconds: float = 3.0  # the length of the video a successful case writes outputs for
    changed: tuple[str, ...] = ()  # files of the folder a successful case may rewrite (a file behind a link)


def swap(name: str, make: Callable[[Path], object]) -> Callable[[Path], object]:
    """Replace the folder's file `name` by what `make(path)` creates there."""

    def setup(d: Path) -> None:
        (d / name).unlink()
        make(d / name)

    return setup


def rescored(d: Path, seconds: float, fps: int = 25) -> None:
    """The folder's video and project replaced by a `seconds`-long clip's at `fps`. A 2-s clip's one shot
    lies wholly in its closing bar: a 3-s one gets 6 beats, the final chord from beat 4."""
    for name in ("v.mp4", "p.bgm.json"):
        (d / name).unlink()
    make_video(d / "v.mp4", seconds, fps)
    assert main(["generate", str(d / "v.mp4"), "--project", str(d / "p.bgm.json")]) == 0


def video_as(kind: str) -> Callable[[Path], object]:
    makers: dict[str, Callable[[Path], object]] = {
        "empty": lambda p: p.write_bytes(b""),
        "text": lambda p: p.write_text("not a video\n"),
        "folder": lambda p: p.mkdir(),
        "fifo": lambda p: os.mkfifo(p),
        "dangling link": lambda p: p.symlink_to(p.parent / "nowhere.mp4"),
        "half": lambda p: p.write_bytes((p.parent / "half.mp4").read_bytes()),
        "audio only": lambda p: make_video_audio_only(p),
        "image": lambda p: _ffmpeg(
            "-f", "lavfi", "-i", "testsrc=size=64x48:rate=1:duration=1", "-frames:v", "1", "-f", "mp4", str(p)
        ),
    }
    return swap("v.mp4", makers[kind])


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_video_audio_only(path: Path) -> None:
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", "-f", "mp4", str(path))


def project_as(content: bytes) -> Callable[[Path], object]:
    return lambda d: (d / "p.bgm.json").write_bytes(content)


def command(*head: str) -> Callable[..., Callable[[Path], list[str]]]:
    """A command line builder: `head` then the arguments, each with {d} standing for the case's folder."""

    def with_args(*args: str) -> Callable[[Path], list[str]]:
        return lambda d: [x.format(d=d) for x in (*head, *args)]

    return with_args


G, A = command("generate", "{d}/v.mp4"), command("analyze", "{d}/v.mp4")
R, E = command("regenerate", "{d}/p.bgm.json"), command("export", "{d}/p.bgm.json")
ANY = command()

EDL_EVENT = "001  AX  V  C  00:00:00:00 00:00:02:00 00:00:00:00 00:00:02:00\n"


def edl(*events: str) -> Callable[[Path], object]:
    return lambda d: (d / "cuts.edl").write_text("TITLE: t\nFCM: NON-DROP FRAME\n\n" + "".join(events))


VIDS = lambda d: (d / "vids").mkdir() or shutil.copy(d / "v.mp4", d / "vids")  # noqa: E731

CASES: dict[str, Case] = {
    # odd videos
    **{
        f"generate: video {k}": Case(G("--midi", "{d}/o.mid"), 2, setup=video_as(k))
        for k in ("empty", "text", "folder", "fifo", "dangling link", "audio only", "image")
    },
    **{f"analyze: video {k}": Case(A(), 2, setup=video_as(k)) for k in ("empty", "text", "folder", "fifo")},
    **{  # an MP4 output opens the video for its streams too, and says what is wrong with it in the same words
        f"generate -o: video {k}": Case(G("-o", "{d}/o.mp4"), 2, words, setup=video_as(k))
        for k, words in (("empty", "file is empty"), ("text", "cannot be read as a video"), ("half", "cannot be read"))
    },
    "generate: a video cut off half way": Case(G("--midi", "{d}/o.mid"), 2, "damaged", setup=video_as("half")),
    "generate: a video with a 250-character name": Case(
        ANY("generate", "{d}/" + "v" * 246 + ".mp4", "-o", "{d}/o.mp4"),
        0,
        setup=lambda d: shutil.copy(d / "v.mp4", d / ("v" * 246 + ".mp4")),
    ),
    "generate: a video with a newline in its name": Case(
        ANY("generate", "{d}/a\nb.mp4", "--midi", "{d}/o.mid"),
        0,
        setup=lambda d: shutil.copy(d / "v.mp4", d / "a\nb.mp4"),
    ),
    "generate: a video name starting with a dash": Case(
        ANY("generate", "--midi", "{d}/o.mid", "--", "{d}/-v.mp4"),
        0,
        setup=lambda d: shutil.copy(d / "v.mp4", d / "-v.mp4"),
    ),
    # outputs aimed at inputs or at each other
    "generate: -o is the video": Case(G("-o", "{d}/v.mp4"), 2, "same as the input"),
    "generate: -o is the video through ..": Case(G("-o", "{d}/../" + "{d.name}/v.mp4"), 2, "same as the input"),
    "generate: --project is the video": Case(G("--project", "{d}/v.mp4"), 2, "same as the input"),
    "generate: --midi and --wav one file": Case(G("--midi", "{d}/o.out", "--wav", "{d}/o.out"), 2, "o.out"),
    "generate: -o and --project one file through a symlink": Case(
        G("-o", "{d}/o.mp4", "--project", "{d}/link.mp4"),
        2,
        "two outputs",
        setup=lambda d: (d / "link.mp4").symlink_to(d / "o.mp4"),
    ),
    "generate: --midi is the soundfont": Case(
        G("--soundfont", "{d}/font.sf2", "--midi", "{d}/font.sf2"), 2, "same as the input"
    ),
    "generate: --midi into a missing folder": Case(G("--midi", "{d}/no/such/o.mid"), 2, "o.mid"),
    "generate: --midi is a folder": Case(G("--midi", "{d}/sub"), 2, "sub", setup=lambda d: (d / "sub").mkdir()),
    "generate: --midi with a 250-character name": Case(G("--midi", "{d}/" + LONG + ".mid"), 0),
    "generate: --midi with a 256-character name": Case(G("--midi", "{d}/" + "n" * 252 + ".mid"), 2, "too long"),
    "generate: --wav with a newline in its name": Case(G("--wav", "{d}/a\nb.wav"), 0),
    "generate: -o with an unknown extension": Case(G("-o", "{d}/o.xyz"), 2, "o.xyz"),
    "generate: --stems into the video's folder": Case(G("--stems", "{d}"), 0),
    "generate: --stems is the video": Case(G("--stems", "{d}/v.mp4"), 2, "v.mp4"),
    # bad option values
    **{
        f"generate: --tempo {v}": Case(G("--tempo", v, "--midi", "{d}/o.mid"), 2, "tempo")
        for v in ("0", "-5", "nan", "inf", "1e9", "abc")
    },
    **{
        f"generate: --seed {v}": Case(G("--seed", v, "--midi", "{d}/o.mid"), 2, "seed")
        for v in ("-1", str(2**70), "1.5")
    },
    **{
        f"generate: --original-gain {v}": Case(G("--original-gain", v, "--wav", "{d}/o.wav"), 2, "gain")
        for v in ("nan", "inf", "1e9")
    },
    **{
        f"generate: {o} {v}": Case(G(o, v, "--wav", "{d}/o.wav"), 2, "ducking")
        for o, v in (
            ("--duck-depth", "nan"),
            ("--duck-depth", "50"),
            ("--duck-attack", "-1"),
            ("--duck-release", "1e12"),
        )
    },
    **{
        f"generate: --instrument {v}": Case(G("--instrument", v, "--midi", "{d}/o.mid"), 2)
        for v in ("melody=999", "kazoo=1", "melody", "melody=-1")
    },
    **{
        f"generate: --shot-preset {v}": Case(G("--shot-preset", v, "--midi", "{d}/o.mid"), 2)
        for v in ("99=ambient", "0=bogus", "-1=ambient", "x=ambient")
    },
    "generate: --device cuda without one": Case(G("--device", "cuda", "--midi", "{d}/o.mid"), 2, "cuda"),
    "generate: --encoder clip without weights": Case(G("--encoder", "clip", "--midi", "{d}/o.mid"), 2, "clip"),
    # odd soundfonts, checkpoints and cut lists
    **{
        f"generate: soundfont {k}": Case(G("--soundfont", "{d}/bad.sf2", "--wav", "{d}/o.wav"), 2, "bad.sf2", setup=s)
        for k, s in (
            ("empty", lambda d: (d / "bad.sf2").write_bytes(b"")),
            ("text", lambda d: (d / "bad.sf2").write_text("RIFF? no\n")),
            ("folder", lambda d: (d / "bad.sf2").mkdir()),
            ("missing", None),
            ("cut short", lambda d: (d / "bad.sf2").write_bytes((d / "font.sf2").read_bytes()[:5000])),
        )
    },
    **{
        f"generate: checkpoint {k}": Case(G("--model", "{d}/bad.pt", "--midi", "{d}/o.mid"), 2, "bad.pt", setup=s)
        for k, s in (
            ("empty", lambda d: (d / "bad.pt").write_bytes(b"")),
            ("text", lambda d: (d / "bad.pt").write_text("weights\n")),
            ("a MIDI file", lambda d: (d / "bad.pt").write_bytes(GOOD_MIDI)),
            ("folder", lambda d: (d / "bad.pt").mkdir()),
            ("missing", None),
        )
    },
    **{
        f"generate: cut list {k}": Case(G("--cuts", "{d}/cuts" + ext, "--midi", "{d}/o.mid"), 2, "cuts", setup=s)
        for k, ext, s in (
            ("empty", ".edl", lambda d: (d / "cuts.edl").write_bytes(b"")),
            ("garbage", ".otio", lambda d: (d / "cuts.otio").write_bytes(b"\x00\xff" * 100)),
            ("unknown kind", ".xyz", lambda d: (d / "cuts.xyz").write_text("x")),
            ("missing", ".edl", None),
            ("the video", ".mp4", lambda d: shutil.copy(d / "v.mp4", d / "cuts.mp4")),
        )
    },
    # regenerate and export: odd projects and values
    **{
        f"{c}: project {k}": Case(
            (R("--shot", "0", "--midi", "{d}/o.mid") if c == "regenerate" else E("--midi", "{d}/o.mid")),
            2,
            "p.bgm.json",
            setup=s,
        )
        for c in ("regenerate", "export")
        for k, s in (
            ("empty", project_as(b"")),
            ("not JSON", project_as(b"{'shots': 1}")),
            ("a JSON list", project_as(b"[1, 2]")),
            ("binary", project_as(bytes(range(256)))),
            ("a folder", swap("p.bgm.json", lambda p: p.mkdir())),
            ("cut short", lambda d: (d / "p.bgm.json").write_bytes((d / "p.bgm.json").read_bytes()[:-40])),
        )
    },
    **{
        f"{c}: project in UTF-16": Case(
            (R("--shot", "0", "--midi", "{d}/o.mid") if c == "regenerate" else E("--midi", "{d}/o.mid")),
            0,
            setup=lambda d: (d / "p.bgm.json").write_text((d / "p.bgm.json").read_text(), encoding="utf-16"),
        )
        for c in ("regenerate", "export")
    },
    "export: a project with a UTF-8 BOM": Case(
        E("--midi", "{d}/o.mid"),
        0,
        setup=lambda d: (d / "p.bgm.json").write_bytes(b"\xef\xbb\xbf" + (d / "p.bgm.json").read_bytes()),
    ),
    "export: the video gone": Case(
        E("--mp4", "{d}/o.mp4"), 2, "missing", setup=lambda d: (d / "v.mp4").rename(d / "moved.mp4")
    ),
    "export: the video gone, --midi only": Case(
        E("--midi", "{d}/o.mid"), 0, setup=lambda d: (d / "v.mp4").rename(d / "moved.mp4")
    ),
    "export: --video another video": Case(
        E("--video", "{d}/w.mp4", "--mp4", "{d}/o.mp4"),
        2,
        "not the video",
        setup=lambda d: make_video(d / "w.mp4", 2.0),
    ),
    "export: nothing to write": Case(E(), 2, "nothing"),
    "export: --mp4 is the video through a hardlink": Case(
        E("--mp4", "{d}/hard.mp4"), 2, "same as the input", setup=lambda d: os.link(d / "v.mp4", d / "hard.mp4")
    ),
    "export: --otio is the project": Case(E("--otio", "{d}/p.bgm.json"), 2, "same as the input"),
    "export: --edl and --wav one file": Case(E("--edl", "{d}/o.edl", "--wav", "{d}/o.edl"), 2, "o.edl"),
    **{  # SMPTE timecode has no 15 fps: refused before the music (or an earlier timeline) is written
        f"export: {' and '.join(args[::2])} of a 15 fps video": Case(
            E(*args), 2, "15 fps", setup=lambda d: rescored(d, 3.0, fps=15)
        )
        for args in (
            ("--edl", "{d}/o.edl"),
            ("--otio", "{d}/o.otio", "--xml", "{d}/o.xml"),
            ("--fcpxml", "{d}/o.fcpxml"),
        )
    },
    **{
        f"regenerate: {o} {v}": Case(
            R("--shot", *([v] if o == "--shot" else ["0", o, v]), "--midi", "{d}/o.mid"), 2, o[2:]
        )
        for o, v in (
            ("--shot", "-1"),
            ("--shot", "999"),
            ("--shot", "abc"),
            ("--energy", "nan"),
            ("--energy", "2"),
            ("--density", "-1"),
            ("--density", "1e9"),
            ("--density", "inf"),
            ("--seed", "-1"),
        )
    },
    "regenerate: -o is the project": Case(R("--shot", "0", "-o", "{d}/p.bgm.json"), 2, "same as the input"),
    "regenerate: --midi is the project through a hardlink": Case(
        R("--shot", "0", "--midi", "{d}/hard.mid"),
        2,
        "same as the input",
        setup=lambda d: os.link(d / "p.bgm.json", d / "hard.mid"),
    ),
    "regenerate: a shot of a good project": Case(R("--shot", "0", "--seed", "3", "--midi", "{d}/o.mid"), 0),
    # analyze, eval, train, batch
    "analyze: --json is the video": Case(A("--json", "{d}/v.mp4"), 2, "same as the input"),
    "analyze: --json into a missing folder": Case(A("--json", "{d}/no/a.json"), 2, "a.json"),
    **{f"eval: --limit {v}": Case(ANY("eval", "--pop909", "{d}/pop", "--limit", v), 2, "limit") for v in ("-1", "x")},
    "eval: --limit 0 (every song)": Case(ANY("eval", "--pop909", "{d}/pop", "--limit", "0"), 0),
    **{
        f"eval: --songs {v}": Case(ANY("eval", "--pop909", "{d}/pop", "--songs", v), 2, why)
        for v, why in (("x", "a range such as"), ("771-", "a range such as"), ("1-818", "no test song in that range"))
    },
    "eval: --songs none of them in the folder": Case(
        ANY("eval", "--pop909", "{d}/pop", "--songs", "900-909"), 2, "none of these songs"
    ),
    "eval: --songs within the folder's": Case(ANY("eval", "--pop909", "{d}/pop", "--songs", "819-819"), 0),
    "eval: --pop909 a file": Case(ANY("eval", "--pop909", "{d}/v.mp4"), 2, "v.mp4"),
    "eval: --pop909 an empty folder": Case(
        ANY("eval", "--pop909", "{d}/empty"), 2, "empty", setup=lambda d: (d / "empty").mkdir()
    ),
    "eval: --midi-dir a file": Case(ANY("eval", "--pop909", "{d}/pop", "--midi-dir", "{d}/in.mid"), 2, "in.mid"),
    "eval: --midi-dir missing": Case(ANY("eval", "--pop909", "{d}/pop", "--midi-dir", "{d}/none"), 2, "none"),
    "eval: two songs": Case(ANY("eval", "--pop909", "{d}/pop", "--json", "{d}/o.json", "--limit", "1"), 0),
    "train: --config missing": Case(ANY("train", "--config", "{d}/none.json", "--out", "{d}/run"), 2, "none.json"),
    "train: --config garbage": Case(ANY("train", "--config", "{d}/in.mid", "--out", "{d}/run"), 2, "in.mid"),
    "train: --out is a file": Case(
        ANY("train", "--config", "debug", "--out", "{d}/v.mp4", "--pop909", "{d}/pop"), 2, "v.mp4"
    ),
    "train: --resume garbage": Case(
        ANY("train", "--config", "debug", "--resume", "{d}/in.mid", "--out", "{d}/run", "--pop909", "{d}/pop"),
        2,
        "in.mid",
    ),
    "batch: a folder without videos": Case(
        ANY("batch", "{d}/empty", "--out", "{d}/out"), 2, "empty", setup=lambda d: (d / "empty").mkdir()
    ),
    "batch: --out is the video folder": Case(
        ANY("batch", "{d}/vids", "--out", "{d}/vids", "--formats", "midi"),
        2,
        "vids",
        setup=lambda d: (d / "vids").mkdir() or shutil.copy(d / "v.mp4", d / "vids" / "v.mid"),
    ),
    **{
        f"batch: --workers {v}": Case(ANY("batch", "{d}/vids", "--out", "{d}/out", "--workers", v), 2, "workers", VIDS)
        for v in ("0", "-1")
    },
    "batch: --workers 1000000 (as many as there are videos)": Case(
        ANY("batch", "{d}/vids", "--out", "{d}/out", "--workers", str(10**6), "--formats", "midi"), 0, setup=VIDS
    ),
    **{
        f"batch: --formats {v!r}": Case(
            ANY("batch", "{d}/vids", "--out", "{d}/out", "--formats", v), 2, "formats", VIDS
        )
        for v in ("bogus", "", "mid,,mp4")
    },
    "batch: a missing list": Case(ANY("batch", "{d}/list.txt", "--out", "{d}/out"), 2, "list.txt"),
    # a second round: read-only places, odd environments, odd spellings of good files
    "generate: -o on a read-only file system": Case(G("-o", "/proc/o.mp4"), 2, "/proc/o.mp4"),
    "generate: -o under a file": Case(G("-o", "{d}/v.mp4/o.mp4"), 2, "o.mp4"),
    "generate: the cache on a read-only file system": Case(
        G("--midi", "{d}/o.mid"), 0, env=(("BGM_CACHE", "/proc/bgm"),)
    ),
    "generate: the cache is the video": Case(G("--midi", "{d}/o.mid"), 0, env=(("BGM_CACHE", "{d}/v.mp4"),)),
    "generate: BGM_MODEL names a MIDI file": Case(
        G("--midi", "{d}/o.mid"), 2, "in.mid", env=(("BGM_MODEL", "{d}/in.mid"),)
    ),
    "generate: the video through a symlink": Case(
        ANY("generate", "{d}/ln.mp4", "--midi", "{d}/o.mid"), 0, setup=lambda d: (d / "ln.mp4").symlink_to(d / "v.mp4")
    ),
    "generate: the video by a relative path through ..": Case(
        ANY("generate", "../{d.name}/v.mp4", "--midi", "o.mid"), 0
    ),
    "generate: a symlink loop as the video": Case(
        ANY("generate", "{d}/loop.mp4", "--midi", "{d}/o.mid"),
        2,
        "loop.mp4",
        setup=lambda d: (d / "loop.mp4").symlink_to(d / "loop.mp4"),
    ),
    "generate: --preset bogus": Case(G("--preset", "bogus", "--midi", "{d}/o.mid"), 2, "preset"),
    "generate: --loudness loud": Case(G("--loudness", "loud", "--wav", "{d}/o.wav"), 2, "loudness"),
    "generate: --tempo 10": Case(G("--tempo", "10", "--midi", "{d}/o.mid"), 2, "tempo"),
    "generate: --cuts an EDL past the video's end": Case(
        G("--cuts", "{d}/cuts.edl", "--midi", "{d}/o.mid"),
        2,
        "",
        edl(
            EDL_EVENT,
            "002  AX  V  C  00:00:02:00 00:09:00:00 00:00:02:00 00:09:00:00\n",
            "003  AX  V  C  00:09:00:00 00:09:05:00 00:09:00:00 00:09:05:00\n",
        ),
    ),
    "generate: --cuts an EDL with one event": Case(
        G("--cuts", "{d}/cuts.edl", "--midi", "{d}/o.mid"), 0, setup=edl(EDL_EVENT)
    ),
    "generate: --cuts an EDL without events": Case(
        G("--cuts", "{d}/cuts.edl", "--midi", "{d}/o.mid"), 2, "cuts.edl", setup=edl()
    ),
    "export: --mp4 as .webm": Case(E("--mp4", "{d}/o.webm"), 2, "o.webm"),
    "export: --xml is the video": Case(E("--xml", "{d}/v.mp4"), 2, "same as the input"),
    "export: --otio into a missing folder": Case(E("--otio", "{d}/no/t.otio"), 2, "does not exist"),
    "export: --fcpxml with a newline in its name": Case(E("--fcpxml", "{d}/a\nb.fcpxml"), 0),
    "export: --stems is the project": Case(E("--stems", "{d}/p.bgm.json"), 2, "p.bgm.json"),
    "export: --stems and --wav one file": Case(
        E("--stems", "{d}/st", "--wav", "{d}/st/mix.wav"), 2, "two outputs", setup=lambda d: (d / "st").mkdir()
    ),
    "regenerate: --video the same video by a 250-character name": Case(
        R("--shot", "0", "--video", "{d}/" + "v" * 246 + ".mp4", "--wav", "{d}/o.wav"),
        0,
        setup=lambda d: shutil.copy2(d / "v.mp4", d / ("v" * 246 + ".mp4")),
    ),
    "regenerate: --video is the project": Case(
        R("--shot", "0", "--video", "{d}/p.bgm.json", "--wav", "{d}/o.wav"), 2, "p.bgm.json"
    ),
    "regenerate: --new-chords on the closing shot": Case(
        R("--shot", "0", "--new-chords", "--midi", "{d}/o.mid"),
        2,
        "without new chords",
        setup=lambda d: rescored(d, 2.0),
    ),
    "analyze: a video with a newline in its name": Case(
        ANY("analyze", "{d}/a\nb.mp4", "--json", "{d}/a\nb.json"),
        0,
        setup=lambda d: shutil.copy(d / "v.mp4", d / "a\nb.mp4"),
    ),
    "eval: --midi-dir holding a folder named x.mid and an empty .mid": Case(
        ANY("eval", "--pop909", "{d}/pop", "--midi-dir", "{d}/gen", "--json", "{d}/o.json"),
        0,
        setup=lambda d: (
            (d / "gen" / "x.mid").mkdir(parents=True)
            or (d / "gen" / "e.mid").write_bytes(b"")
            or shutil.copy(d / "in.mid", d / "gen")
        ),
    ),
    "train: --pop909 without songs": Case(
        ANY("train", "--config", "debug", "--out", "{d}/run", "--pop909", "{d}/empty"),
        2,
        "empty",
        setup=lambda d: (d / "empty").mkdir(),
    ),
    "batch: --out is a file": Case(ANY("batch", "{d}/vids", "--out", "{d}/in.mid"), 2, "in.mid", VIDS),
    "batch: two videos of one name": Case(
        ANY("batch", "{d}/list.txt", "--out", "{d}/out", "--formats", "midi"),
        0,
        setup=lambda d: (
            [(d / k).mkdir() or shutil.copy(d / "v.mp4", d / k) for k in "ab"]
            and (d / "list.txt").write_text(f"{d}/a/v.mp4\n\n{d}/b/v.mp4\n")
        ),
    ),
    # a third round: the other loaders
    "eval: --generate with a garbage checkpoint": Case(
        ANY("eval", "--pop909", "{d}/pop", "--generate", "--limit", "1", "--model", "{d}/in.mid"), 2, "in.mid"
    ),
    "train: --init a MIDI file": Case(
        ANY("train", "--config", "debug", "--init", "{d}/in.mid", "--out", "{d}/run", "--pop909", "{d}/pop"),
        2,
        "in.mid",
    ),
    "train: --config with an unknown field": Case(
        ANY("train", "--config", "{d}/c.json", "--out", "{d}/run", "--pop909", "{d}/pop"),
        2,
        "unknown",
        setup=lambda d: (d / "c.json").write_text('{"stpes": 10}'),
    ),
    "train: --config a JSON list": Case(
        ANY("train", "--config", "{d}/c.json", "--out", "{d}/run", "--pop909", "{d}/pop"),
        2,
        "c.json",
        setup=lambda d: (d / "c.json").write_text("[]"),
    ),
    "train --melody: --config with NaN": Case(
        ANY("train", "--melody", "--config", "{d}/c.json", "--out", "{d}/run", "--pop909", "{d}/pop"),
        2,
        "",
        setup=lambda d: (d / "c.json").write_text('{"lr": NaN}'),
    ),
    "analyze: --encoder clip with garbage weights": Case(
        A("--encoder", "clip", "--clip-weights", "{d}/in.mid"), 2, "clip"
    ),
    "generate: --clip-weights missing": Case(
        G("--encoder", "clip", "--clip-weights", "{d}/none.pt", "--midi", "{d}/o.mid"), 2, "none.pt"
    ),
    "generate: --clip-weights is the --midi output": Case(
        G("--encoder", "clip", "--clip-weights", "{d}/in.mid", "--midi", "{d}/in.mid"), 2, "in.mid"
    ),
}


@pytest.fixture(scope="module")
def base(tmp_path_factory, tiny_model, pop909_root):
    """A folder with a video, a project scored for it, a MIDI file, a soundfont and two POP909 songs."""
    d = tmp_path_factory.mktemp("battery")
    make_video(d / "v.mp4", 3.0)
    data = (d / "v.mp4").read_bytes()
    (d / "half.mp4").write_bytes(data[: len(data) // 2])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BGM_MODEL", str(tiny_model))
        assert (
            main(["generate", str(d / "v.mp4"), "--project", str(d / "p.bgm.json"), "--midi", str(d / "in.mid")]) == 0
        )
    shutil.copy(find_soundfont(), d / "font.sf2")
    for sid in ("819", "820"):
        shutil.copytree(pop909_root / sid, d / "pop" / sid)
    return d


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder` (links as their targets' paths)."""
    out = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            out[str(path)] = (
                f"-> {os.readlink(path)}" if path.is_symlink() else ("fifo" if not path.is_file() else file_hash(path))
            )
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(name, base, tmp_path, tiny_model, monkeypatch, capfd):
    run_case(CASES[name], base, tmp_path, tiny_model, monkeypatch, capfd)


def run_case(case: Case, base: Path, tmp_path: Path, tiny_model: Path, monkeypatch, capfd) -> None:
    """Run `case` in a copy of `base` and check it held (see the module's docstring)."""
    d = tmp_path / "w"
    shutil.copytree(base, d, symlinks=True)
    project = json.loads((d / "p.bgm.json").read_text())
    project["video"]["path"] = str(d / "v.mp4")  # the project scores this folder's copy of the video
    (d / "p.bgm.json").write_text(json.dumps(project))
    monkeypatch.setenv("BGM_MODEL", str(tiny_model))
    monkeypatch.setenv("BGM_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(d)
    for name, value in case.env:
        monkeypatch.setenv(name, value.format(d=d))
    for name in case.unset:
        monkeypatch.delenv(name, raising=False)
    if case.setup:
        case.setup(d)
    before = snapshot(d)
    capfd.readouterr()
    try:
        code = main(case.args(d))
    except SystemExit as exit_:  # argparse refusing an option value
        code = exit_.code
    err = [line for line in capfd.readouterr().err.splitlines() if line.strip()]
    after = snapshot(d)
    assert code == case.code, (code, err)
    if code == 2:
        assert len(err) == 1 and err[0].startswith("error: ") and case.words in err[0], err
        assert after == before  # nothing written, nothing changed
    else:
        written = {str(d / "p.bgm.json")} if case.args(d)[0] == "regenerate" else set()  # a new take
        written |= {str(d / name) for name in case.changed}
        assert {k: v for k, v in after.items() if k in before and k not in written} == {
            k: v for k, v in before.items() if k not in written
        }  # every input untouched
        for new in set(after) - set(before):
            if Path(new).suffix in (".mp4", ".wav", ".mid", ".json") and not Path(new).name.startswith("."):
                check_whole(Path(new), case.seconds) if Path(new).suffix != ".json" else None
    assert stray_files(d) == [] and stray_files(tmp_path / "cache") == []
