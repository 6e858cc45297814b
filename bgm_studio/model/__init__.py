"""The scoring model: segment-aware conditional diffusion over the piano roll."""
