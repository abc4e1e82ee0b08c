"""The face front-end: detect, landmarks, align, mask, paste back, track."""
