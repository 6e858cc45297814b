"""Video analysis: shots, dynamics and look of a video, streamed and cached.

from bgm_studio.video import analyze_video
analysis = analyze_video("clip.mp4")          # VideoAnalysis
analysis.shots                                # (Shot(index, start_s, end_s), ...) covering the video
analysis.shot_features[0].motion              # per-shot means and a semantic embedding
analysis.series.at(beat_times)                # every feature interpolated at the given times
"""

from importlib import import_module

# Each name loads its module on first use (PEP 562): importing bgm_studio.video.config, say, for the
# command line's choices must not load OpenCV and FFmpeg (0.5 s of the app's start before its splash).
_HOMES = {
    "VideoAnalysis": "analysis",
    "analyze_video": "analysis",
    "shot_table": "analysis",
    "to_json": "analysis",
    "AnalysisConfig": "config",
    "VideoInfo": "decode",
    "probe": "decode",
    "SemanticEncoder": "encoders",
    "make_encoder": "encoders",
    "FeatureSeries": "features",
    "ShotFeatures": "features",
    "Shot": "shots",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOMES[name]}", __name__), name)


__all__ = [
    "AnalysisConfig",
    "FeatureSeries",
    "SemanticEncoder",
    "Shot",
    "ShotFeatures",
    "VideoAnalysis",
    "VideoInfo",
    "analyze_video",
    "make_encoder",
    "probe",
    "shot_table",
    "to_json",
]
