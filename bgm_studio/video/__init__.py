"""Video analysis: decoding, shots, per-shot and per-frame features, cache."""
