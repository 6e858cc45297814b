"""Musical controls: what both music (for training) and video (at inference) can supply."""
