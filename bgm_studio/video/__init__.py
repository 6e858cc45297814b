"""Video analysis: shots, dynamics and look of a video, streamed and cached.

from bgm_studio.video import analyze_video
analysis = analyze_video("clip.mp4")          # VideoAnalysis
analysis.shots                                # (Shot(index, start_s, end_s), ...) covering the video
analysis.shot_features[0].motion              # per-shot means and a semantic embedding
analysis.series.at(beat_times)                # every feature interpolated at the given times
"""

from .analysis import VideoAnalysis, analyze_video, shot_table, to_json
from .config import AnalysisConfig
from .decode import VideoInfo, probe
from .encoders import SemanticEncoder, make_encoder
from .features import FeatureSeries, ShotFeatures
from .shots import Shot

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
