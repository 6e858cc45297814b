"""Batch scoring: many videos, one task each, on a local process pool or a Ray cluster.

jobs.py says what to score and whether it is already scored (inputs, settings, manifests);
worker.py scores one video with models loaded once per worker; runner.py schedules, reports
progress and stops cleanly; report.py writes the summary table.
"""
