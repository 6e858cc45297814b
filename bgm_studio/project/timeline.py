"""A project's music as an editor's timeline (see export.timeline): shot markers and the files written."""

from __future__ import annotations

from pathlib import Path

from ..atomic import atomic_path
from ..export.timeline import AudioFile, Marker, score_timeline, timeline_rate, timeline_text
from ..music.harmony import chord_changes
from ..music.notes import BEATS_PER_BAR
from ..video.decode import probe
from .state import Project

MARKER_CHORDS = 4  # chords named per marker: the shot's opening progression


def phrase_letters(project: Project) -> list[str]:
    """Each shot's phrase in the piece's form (project.phrases): the letter of the phrase its first
    bar lies in, with a prime (A') where that letter returns. A project planned without a form names
    a letter per look instead, a shot returning to an earlier look taking its letter with a prime."""
    if project.phrases:
        first_bar: dict[str, int] = {}
        for p in project.phrases:
            first_bar.setdefault(p.letter, p.start_bar)
        names = []
        for s in project.shots:
            bar = s.start_beat // BEATS_PER_BAR
            p = next((p for p in project.phrases if p.start_bar <= bar < p.end_bar), project.phrases[-1])
            names.append(p.letter + ("'" if first_bar[p.letter] < p.start_bar else ""))
        return names
    letters: dict[int, str] = {}
    names = []
    for s in project.shots:
        if s.theme == s.index:
            letters[s.index] = chr(ord("A") + len(letters) % 26)
            names.append(letters[s.index])
        else:
            names.append(letters[s.theme] + "'")
    return names


def shot_markers(project: Project) -> list[Marker]:
    """A marker at every shot start, named "shot K: C G Am F (phrase A)": its number, opening chords and phrase."""
    markers = []
    for s, phrase in zip(project.shots, phrase_letters(project)):
        beats = slice(s.start_beat, s.end_beat)
        chords = [name for _, name in chord_changes(project.chord_root[beats], project.chord_pcs[beats])]
        named = " ".join(chords[:MARKER_CHORDS]) + (" …" if len(chords) > MARKER_CHORDS else "")
        markers.append(
            Marker(
                s.start_s,
                f"shot {s.index}: {named} (phrase {phrase})" if named else f"shot {s.index} (phrase {phrase})",
            )
        )
    return markers


def video_rate(video: str) -> float:
    """The frame rate a timeline of this video counts in: its nominal rate (a variable-rate phone clip's
    30, not its average 28), as editors conform it (see export.timeline.timeline_rate)."""
    return timeline_rate(probe(video).nominal_fps)


def timeline_texts(
    project: Project, paths: list[str], audio: list[AudioFile], video: str, rate: float
) -> dict[str, str]:
    """The project's timeline as each path's format (from its suffix) would hold it: audio[0] is the
    music, any others its stems, each on its own track; the video is linked on V1. Made before any
    file is written: a format that cannot hold the video's rate refuses the whole export."""
    name = Path(project.video_path).stem + " score"
    timeline = score_timeline(name, project.duration_s, rate, audio, shot_markers(project), video)
    return {path: timeline_text(timeline, path) for path in paths}


def write_timelines(texts: dict[str, str], video: str) -> list[str]:
    """Write each path's timeline text (timeline_texts) atomically; the video is never replaced."""
    for path, text in texts.items():
        with atomic_path(path, (video,)) as tmp:
            tmp.write_text(text)
    return list(texts)
