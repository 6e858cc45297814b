"""The README's picture of the add-on at work, taken with Blender's own window under Xvfb:
installer/blender_screenshot.sh runs it inside Blender (`blender FILE.blend --python THIS -- ZIP OUT.png`).

It cuts the demo clip into strips at its shots (with a title on a second channel), installs the
add-on zip, runs Score the Edit with the bgm-studio command of this checkout's .venv, shows the
sequencer full-window with the music strip and shot markers, and saves a screenshot.
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
    title = strips.new_effect("title", "TEXT", channel=2, frame_start=1 + 9 * 25, frame_end=1 + 12 * 25)
    title.text, title.font_size, title.location = "Scored in Blender", 48, (0.5, 0.15)
    scene.frame_start, scene.frame_end = 1, 24 * 25


def show_sequencer(scene) -> None:
    """The sequencer with its preview, full-window, zoomed to the edit, the playhead on the title."""
    window = bpy.context.window_manager.windows[0]
    area = max(window.screen.areas, key=lambda a: a.width * a.height)
    area.type = "SEQUENCE_EDITOR"
    area.spaces[0].view_type = "SEQUENCER_PREVIEW"
    with bpy.context.temp_override(window=window, area=area):
        bpy.ops.screen.screen_full_area()
    area = max(window.screen.areas, key=lambda a: a.width * a.height)
    region = next(r for r in area.regions if r.type == "WINDOW")
    with bpy.context.temp_override(window=window, area=area, region=region):
        bpy.ops.sequencer.view_all()
    preview = next(r for r in area.regions if r.type == "PREVIEW")
    with bpy.context.temp_override(window=window, area=area, region=preview):
        bpy.ops.sequencer.view_all_preview()
    scene.frame_current = 1 + 10 * 25


def main() -> None:
    zip_path, out = sys.argv[sys.argv.index("--") + 1 :][:2]
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
