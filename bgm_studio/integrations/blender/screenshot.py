"""The README's picture of the add-on at work, taken headless with Blender's own window under Xvfb:

    python3 bgm_studio/integrations/blender/build.py /tmp/bgm_studio_vse.zip
    xvfb-run -s "-screen 0 1600x900x24" blender --factory-startup \\
        --python bgm_studio/integrations/blender/screenshot.py -- /tmp/bgm_studio_vse.zip OUT.png

It cuts the demo clip into strips at its shots (and a title on a second channel), installs the
add-on, runs Score the Edit with the bgm-studio command of this checkout's .venv, shows the
sequencer with the music strip and shot markers, and saves a screenshot. Runs inside Blender.
"""
import sys
from pathlib import Path

import bpy

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "resources" / "demo" / "demo_clip.mp4"
SHOTS_S = [(0, 4), (4, 8), (8, 12), (12, 16), (16, 20), (20, 24)]  # the demo clip's shots


def build_edit(scene) -> None:
    scene.render.fps, scene.render.fps_base = 25, 1
    scene.render.resolution_x, scene.render.resolution_y = 854, 480
    editor = scene.sequence_editor_create()
    strips = editor.strips if hasattr(editor, "strips") else editor.sequences
    for i, (a, b) in enumerate(SHOTS_S):
        strip = strips.new_movie(f"shot {i}", str(DEMO), channel=1, frame_start=1)
        strip.frame_offset_start, strip.frame_offset_end = a * 25, (24 - b) * 25  # in place: its own shot
    title = strips.new_effect("title", "COLOR", channel=2, frame_start=1 + 9 * 25, frame_end=1 + 11 * 25)
    title.color = (0.9, 0.8, 0.3)
    scene.frame_start, scene.frame_end = 1, 24 * 25


def show_sequencer(scene) -> None:
    """One big sequencer area over the whole window, zoomed to the edit."""
    window = bpy.context.window_manager.windows[0]
    screen = window.screen
    area = max(screen.areas, key=lambda a: a.width * a.height)
    area.type = "SEQUENCE_EDITOR"
    area.spaces[0].view_type = "SEQUENCER_PREVIEW"
    for other in screen.areas:
        if other is not area and other.type == "PROPERTIES":
            other.type = "SEQUENCE_EDITOR"
            other.spaces[0].view_type = "PREVIEW"
    region = next(r for r in area.regions if r.type == "WINDOW")
    with bpy.context.temp_override(window=window, area=area, region=region):
        bpy.ops.sequencer.view_all()
    scene.frame_current = 1 + 10 * 25


def main() -> None:
    zip_path, out = sys.argv[sys.argv.index("--") + 1:][:2]
    bpy.ops.preferences.addon_install(filepath=zip_path)
    bpy.ops.preferences.addon_enable(module="bgm_studio_vse")
    prefs = bpy.context.preferences.addons["bgm_studio_vse"].preferences
    prefs.command = str(ROOT / ".venv" / "bin" / "bgm-studio")
    scene = bpy.context.scene
    build_edit(scene)
    result = bpy.ops.bgm.score_edit()
    print("score the edit:", result, sys.modules["bgm_studio_vse"].last_report)
    show_sequencer(scene)

    def shoot():
        bpy.ops.screen.screenshot(filepath=out)
        print("wrote", out)
        bpy.ops.wm.quit_blender()

    bpy.app.timers.register(shoot, first_interval=3.0)


main()
