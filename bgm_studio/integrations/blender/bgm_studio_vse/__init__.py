"""BGM Studio for Blender's Video Sequence Editor: score the edit, regenerate the shot under the playhead.

Blender's Python stays clean: the add-on imports nothing of BGM Studio and runs the installed
`bgm-studio` command (Preferences > Add-ons > BGM Studio sets its path, else it is looked up
on PATH). Strip boundaries on the picture channels are the cuts, handed over as an OTIO cut
list; the scene's frame range and fps set the timing. Failures are one-line reports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import bpy

bl_info = {
    "name": "BGM Studio",
    "author": "BGM Studio contributors",
    "version": (0, 1, 0),
    "blender": (3, 4, 0),
    "location": "Video Sequencer > Sidebar > BGM Studio; Strip menu",
    "description": "Score the edit with generated background music; regenerate one shot's music",
    "category": "Sequencer",
}

PICTURE_TYPES = {"MOVIE", "IMAGE", "SCENE", "COLOR", "META", "MOVIECLIP", "MASK", "TEXT", "ADJUSTMENT"}
SOUND_STRIP = "BGM Studio music"
MARKER_PREFIX = "BGM shot "
PROJECT_KEY = "bgm_studio_project"


class ScoreError(Exception):
    """A failure to report in one line."""


def _strips(scene) -> list:
    editor = scene.sequence_editor
    if editor is None:
        return []
    return list(editor.strips_all if hasattr(editor, "strips_all") else editor.sequences_all)


def _collection(scene):
    editor = scene.sequence_editor or scene.sequence_editor_create()
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def scene_fps(scene) -> float:
    return scene.render.fps / scene.render.fps_base


def picture_cuts(scene) -> list[int]:
    """Frames (from the scene's first frame) where the picture changes: every start and end of an unmuted
    picture strip inside the scene's range."""
    first, end = scene.frame_start, scene.frame_end + 1
    bounds = set()
    for strip in _strips(scene):
        if strip.type in PICTURE_TYPES and not strip.mute:
            bounds |= {strip.frame_final_start, strip.frame_final_end}
    return sorted(b - first for b in bounds if first < b < end)


def cut_list(cuts: list[int], n_frames: int, rate: float) -> dict:
    """An OTIO timeline (JSON) with one clip per shot between the cuts: what `bgm-studio --cuts` reads."""

    def frames(n: int) -> dict:
        return {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": float(n)}

    bounds = [0, *cuts, n_frames]
    clips = [
        {
            "OTIO_SCHEMA": "Clip.2",
            "name": f"shot {i}",
            "metadata": {},
            "effects": [],
            "markers": [],
            "enabled": True,
            "media_references": {},
            "active_media_reference_key": "DEFAULT_MEDIA",
            "source_range": {"OTIO_SCHEMA": "TimeRange.1", "start_time": frames(a), "duration": frames(b - a)},
        }
        for i, (a, b) in enumerate(zip(bounds, bounds[1:]))
    ]
    track = {
        "OTIO_SCHEMA": "Track.1",
        "name": "V1",
        "kind": "Video",
        "children": clips,
        "metadata": {},
        "effects": [],
        "markers": [],
        "enabled": True,
        "source_range": None,
    }
    stack = {
        "OTIO_SCHEMA": "Stack.1",
        "name": "tracks",
        "children": [track],
        "metadata": {},
        "effects": [],
        "markers": [],
        "enabled": True,
        "source_range": None,
    }
    return {
        "OTIO_SCHEMA": "Timeline.1",
        "name": "Blender edit",
        "metadata": {},
        "global_start_time": None,
        "tracks": stack,
    }


def _command() -> str:
    prefs = bpy.context.preferences.addons.get(__name__)
    given = prefs.preferences.command if prefs else ""
    command = given or os.environ.get("BGM_STUDIO_COMMAND") or shutil.which("bgm-studio")
    if not command:
        raise ScoreError("bgm-studio was not found: install BGM Studio or set its path in the add-on's preferences")
    return command


def run_bgm(*args: str) -> None:
    """Run the bgm-studio command; its one-line error (or the failure) becomes a ScoreError."""
    command = _command()
    try:
        done = subprocess.run([command, *args], capture_output=True, text=True, timeout=3600)
    except OSError as exc:
        raise ScoreError(f"cannot run {command} ({exc.strerror or exc})") from exc
    except subprocess.TimeoutExpired as exc:
        raise ScoreError("bgm-studio took over an hour and was stopped") from exc
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("error: ")]
        raise ScoreError((errors or lines or [f"bgm-studio failed (exit {done.returncode})"])[-1])


def work_folder(scene) -> Path:
    """Where the music and project of this scene go: beside the saved .blend, else a temporary folder."""
    blend = bpy.data.filepath
    folder = Path(blend).with_name(Path(blend).stem + "_bgm") if blend else Path(tempfile.gettempdir()) / "bgm_studio"
    folder = folder / bpy.path.clean_name(scene.name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def source_movie(scene) -> str | None:
    """The movie file itself when one unmuted movie strip plays it from its first frame over the whole range."""
    pictures = [s for s in _strips(scene) if s.type in PICTURE_TYPES and not s.mute]
    if len(pictures) != 1 or pictures[0].type != "MOVIE":
        return None
    strip = pictures[0]
    whole = strip.frame_final_start == scene.frame_start and strip.frame_final_end == scene.frame_end + 1
    untrimmed = strip.frame_offset_start == 0 and strip.frame_start == scene.frame_start
    same_rate = abs(getattr(strip, "fps", scene_fps(scene)) - scene_fps(scene)) < 1e-3
    return bpy.path.abspath(strip.filepath) if whole and untrimmed and same_rate else None


@contextmanager
def _render_settings(scene, path: Path):
    """Scene render settings for a small H.264 proxy, put back afterwards."""
    r = scene.render
    saved = (
        r.filepath,
        r.image_settings.file_format,
        r.ffmpeg.format,
        r.ffmpeg.codec,
        r.ffmpeg.audio_codec,
        r.resolution_percentage,
        r.use_sequencer,
    )
    try:
        r.image_settings.file_format = "FFMPEG"
        r.ffmpeg.format, r.ffmpeg.codec, r.ffmpeg.audio_codec = "MPEG4", "H264", "NONE"
        r.resolution_percentage = max(1, min(100, round(100 * 640 / max(r.resolution_x, 1))))
        r.filepath, r.use_sequencer = str(path), True
        yield
    finally:
        (
            r.filepath,
            r.image_settings.file_format,
            r.ffmpeg.format,
            r.ffmpeg.codec,
            r.ffmpeg.audio_codec,
            r.resolution_percentage,
            r.use_sequencer,
        ) = saved


def render_proxy(scene, folder: Path) -> str:
    """The edit rendered small to folder/edit_proxy.mp4: the picture BGM Studio analyses."""
    path = folder / "edit_proxy.mp4"
    with _render_settings(scene, path):
        bpy.ops.render.render(animation=True, scene=scene.name)
    if not path.is_file():
        raise ScoreError(f"the edit could not be rendered to {path}")
    return str(path)


def place_music(scene, wav: str) -> None:
    """The music as a sound strip from the scene's first frame, replacing an earlier one in place
    (same channel), else on the first channel above every strip."""
    strips = _collection(scene)
    old = next((s for s in _strips(scene) if s.name == SOUND_STRIP), None)
    channel = old.channel if old else 1 + max((s.channel for s in _strips(scene)), default=0)
    if old is not None:
        strips.remove(old)
    strip = strips.new_sound(SOUND_STRIP, wav, channel=channel, frame_start=scene.frame_start)
    strip.name = SOUND_STRIP


def place_markers(scene, project: dict) -> None:
    """A timeline marker at every shot start, replacing the add-on's earlier ones."""
    for marker in [m for m in scene.timeline_markers if m.name.startswith(MARKER_PREFIX)]:
        scene.timeline_markers.remove(marker)
    fps = scene_fps(scene)
    for shot in project["shots"]:
        scene.timeline_markers.new(
            f"{MARKER_PREFIX}{shot['index']}", frame=scene.frame_start + round(shot["start_s"] * fps)
        )


def score_edit(scene) -> str:
    """Score the scene's edit; returns the line to report."""
    n_frames = scene.frame_end - scene.frame_start + 1
    if not any(s.type in PICTURE_TYPES for s in _strips(scene)):
        raise ScoreError("the scene has no picture strips to score")
    folder = work_folder(scene)
    cuts = picture_cuts(scene)
    video = source_movie(scene) or render_proxy(scene, folder)
    timeline = folder / "cuts.otio"
    if cuts:
        timeline.write_text(json.dumps(cut_list(cuts, n_frames, scene_fps(scene))))
    project, wav = folder / "score.bgm.json", folder / "score.wav"
    given = ["--cuts", str(timeline)] if cuts else []  # no cuts in the edit: BGM Studio finds the movie's own
    run_bgm("generate", video, *given, "--wav", str(wav), "--project", str(project))
    data = json.loads(project.read_text())
    scene[PROJECT_KEY] = str(project)
    place_music(scene, str(wav))
    place_markers(scene, data)
    return f"scored {len(data['shots'])} shots at {data['tempo_bpm']:.0f} BPM"


def shot_at(project: dict, t_s: float) -> int:
    """The shot playing at t_s seconds."""
    return next(
        (s["index"] for s in project["shots"] if s["start_s"] <= t_s < s["end_s"]), project["shots"][-1]["index"]
    )


def regenerate_shot(scene) -> str:
    """New music for the shot under the playhead; the sound strip is replaced in place."""
    path = scene.get(PROJECT_KEY)
    if not path or not Path(path).is_file():
        raise ScoreError("score the edit first: this scene has no BGM Studio project")
    project = json.loads(Path(path).read_text())
    shot = shot_at(project, (scene.frame_current - scene.frame_start) / scene_fps(scene))
    take = len(project["shots"][shot]["takes"])
    wav = Path(path).with_name(f"score_shot{shot}_take{take}.wav")  # a new file: Blender caches sounds by path
    run_bgm("regenerate", path, "--shot", str(shot), "--wav", str(wav))
    place_music(scene, str(wav))
    return f"shot {shot}: new music (take {take})"


class BGM_OT_score_edit(bpy.types.Operator):
    """Score the edit: music that follows the cuts of the picture strips"""

    bl_idname = "bgm.score_edit"
    bl_label = "Score the Edit"
    bl_options = {"REGISTER"}

    def execute(self, context):
        return _run(self, score_edit, context.scene)


class BGM_OT_regenerate_shot(bpy.types.Operator):
    """New music for the shot under the playhead; every other shot keeps its music"""

    bl_idname = "bgm.regenerate_shot"
    bl_label = "Regenerate Shot"
    bl_options = {"REGISTER"}

    def execute(self, context):
        return _run(self, regenerate_shot, context.scene)


last_report: tuple[str, str] = ("", "")  # (level, line) of the latest run, for scripts and tests


def _run(operator, action, scene) -> set[str]:
    global last_report
    try:
        last_report = ("INFO", action(scene))
    except ScoreError as exc:
        last_report = ("ERROR", " ".join(str(exc).split()))
    except (OSError, ValueError, KeyError, RuntimeError) as exc:  # damaged files, render failures: still one line
        last_report = ("ERROR", f"BGM Studio failed: {' '.join(str(exc).split()) or type(exc).__name__}")
    operator.report({last_report[0]}, last_report[1])
    return {"FINISHED"} if last_report[0] == "INFO" else {"CANCELLED"}


class BGM_PT_panel(bpy.types.Panel):
    bl_label = "BGM Studio"
    bl_space_type = "SEQUENCE_EDITOR"
    bl_region_type = "UI"
    bl_category = "BGM Studio"

    def draw(self, context):
        self.layout.operator(BGM_OT_score_edit.bl_idname, icon="SOUND")
        self.layout.operator(BGM_OT_regenerate_shot.bl_idname, icon="FILE_REFRESH")


class BGM_Preferences(bpy.types.AddonPreferences):
    bl_idname = __name__

    command: bpy.props.StringProperty(  # type: ignore[valid-type]  # Blender's property declaration is a call
        name="bgm-studio command",
        subtype="FILE_PATH",
        description="Path of the bgm-studio program (empty: found on PATH)",
    )

    def draw(self, context):
        self.layout.prop(self, "command")


def _menu(self, context):
    self.layout.separator()
    self.layout.operator(BGM_OT_score_edit.bl_idname)
    self.layout.operator(BGM_OT_regenerate_shot.bl_idname)


CLASSES = (BGM_OT_score_edit, BGM_OT_regenerate_shot, BGM_PT_panel, BGM_Preferences)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.SEQUENCER_MT_strip.append(_menu)


def unregister():
    bpy.types.SEQUENCER_MT_strip.remove(_menu)
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
