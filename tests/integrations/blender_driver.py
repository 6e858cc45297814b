"""Run inside Blender's Python (bpy): install the add-on zip, build an edit, score it, regenerate a shot.

    python blender_driver.py CONFIG.json   (CONFIG: clips, zip, command, out; writes out as JSON)

Not a test module: tests/integrations/test_blender_addon.py runs it with a Python that has bpy.
"""

import json
import os
import sys

import bpy

config = json.loads(open(sys.argv[1]).read())
bpy.ops.preferences.addon_install(filepath=config["zip"])
bpy.ops.preferences.addon_enable(module="bgm_studio_vse")
addon = sys.modules["bgm_studio_vse"]
prefs = bpy.context.preferences.addons["bgm_studio_vse"].preferences

scene = bpy.context.scene
scene.render.fps, scene.render.fps_base = 25, 1
scene.render.resolution_x, scene.render.resolution_y = 320, 180
strips = scene.sequence_editor_create().strips
frame = 1
for i, (path, frames) in enumerate(config["clips"]):  # one after another on channel 1, each cut to `frames`
    strip = strips.new_movie(f"clip {i}", path, channel=1, frame_start=frame)
    strip.frame_final_duration = frames
    frame = strip.frame_final_end
title = strips.new_effect("title", "COLOR", channel=2, frame_start=91, frame_end=111)  # a second picture channel
title.color = (1.0, 1.0, 1.0)
scene.frame_start, scene.frame_end = 1, frame - 1


def call(operator):
    """The operator's result; an ERROR report reaches a script as a RuntimeError (in the UI: a report)."""
    try:
        return operator()
    except RuntimeError as exc:
        return {"CANCELLED", f"raised: {str(exc).strip()}"}


def state(result):
    sounds = [
        {"name": s.name, "channel": s.channel, "start": s.frame_start, "path": s.sound.filepath}
        for s in scene.sequence_editor.strips_all
        if s.type == "SOUND"
    ]
    markers = sorted((m.frame, m.name) for m in scene.timeline_markers)
    return {"result": sorted(result), "report": list(addon.last_report), "sounds": sounds, "markers": markers}


out = {}
prefs.command = config["command"]
out["score"] = state(call(bpy.ops.bgm.score_edit))
out["project"] = scene.get("bgm_studio_project")
out["render_filepath"] = scene.render.filepath
scene.frame_current = 60  # in clip 1: shot 1
out["regenerate"] = state(call(bpy.ops.bgm.regenerate_shot))
prefs.command = "/nonexistent/bgm-studio"
out["missing_command"] = state(call(bpy.ops.bgm.regenerate_shot))
prefs.command = config["command"]
os.environ["BGM_MODEL"] = config["zip"]  # not a model: bgm-studio refuses it in one line
out["bad_model"] = state(call(bpy.ops.bgm.score_edit))
open(config["out"], "w").write(json.dumps(out))
