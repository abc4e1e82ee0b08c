"""Metric families, one module each: identity, pose/landmarks/gaze, image change, quality, diversity."""
