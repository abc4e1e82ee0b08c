"""Geometry cues for the non-identity branch: MediaPipe face-mesh points rendered as soft maps.

Pose and expression live in where the mesh points are, not in the pixels of the inner face, so the
non-identity encoder sees these maps instead of the (masked) identity region.
"""

from __future__ import annotations

import torch

# Point groups of the 478-point MediaPipe face mesh (indices of its published topology).
_OVAL_NOSE = (
    10, 21, 54, 58, 67, 93, 103, 109, 127, 132, 136, 148, 149, 150, 152, 162, 172, 176, 234, 251, 284, 288,
    297, 323, 332, 338, 356, 361, 365, 377, 378, 379, 389, 397, 400, 454,
    1, 2, 4, 5, 6, 19, 45, 48, 64, 94, 97, 98, 115, 168, 195, 197, 220, 275, 278, 294, 326, 327, 344, 440,
)
_EYES_BROWS = (
    249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466,
    7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246,
    276, 282, 283, 285, 293, 295, 296, 300, 334, 336, 46, 52, 53, 55, 63, 65, 66, 70, 105, 107,
    468, 469, 470, 471, 472, 473, 474, 475, 476, 477,
)
_LIPS = (
    0, 13, 14, 17, 37, 39, 40, 61, 78, 80, 81, 82, 84, 87, 88, 91, 95, 146, 178, 181, 185, 191, 267, 269,
    270, 291, 308, 310, 311, 312, 314, 317, 318, 321, 324, 375, 402, 405, 409, 415,
)
NUM_MESH_POINTS = 478
# Channel 0: the whole mesh (head pose); 1: oval + nose; 2: eyes, brows, irises (gaze); 3: lips.
GEOMETRY_CHANNELS = 4


def _groups() -> list[torch.Tensor]:
    return [
        torch.arange(NUM_MESH_POINTS),
        torch.tensor(_OVAL_NOSE),
        torch.tensor(_EYES_BROWS),
        torch.tensor(_LIPS),
    ]


def geometry_maps(
    landmarks: torch.Tensor | None, batch: int, size: int, sigma: float | None = None
) -> torch.Tensor:
    """(B, 478, 2) crop-pixel points -> (B, 4, size, size) maps in [0, 1].

    None, or a face whose points are NaN, gives all-zero maps (the model is trained with such
    dropouts, so a missing mesh is a valid input). Separable Gaussians keep memory at O(B*P*S).
    """
    if landmarks is None:
        return torch.zeros(batch, GEOMETRY_CHANNELS, size, size)
    pts = landmarks[..., :2].float()
    if pts.shape[1] != NUM_MESH_POINTS:
        raise ValueError(f"landmarks must be (B, {NUM_MESH_POINTS}, 2), got {tuple(landmarks.shape)}")
    sigma = sigma if sigma is not None else max(size / 128.0, 0.75)
    valid = torch.isfinite(pts).all(-1).all(-1)  # (B,)
    pts = torch.nan_to_num(pts, nan=-1e4, posinf=-1e4, neginf=-1e4)
    grid = torch.arange(size, dtype=torch.float32, device=pts.device) + 0.5
    gx = torch.exp(-((grid[None, None] - pts[..., 0:1]) ** 2) / (2 * sigma**2))  # (B, P, S)
    gy = torch.exp(-((grid[None, None] - pts[..., 1:2]) ** 2) / (2 * sigma**2))
    maps = []
    for idx in _groups():
        idx = idx.to(pts.device)
        dens = torch.einsum("bpy,bpx->byx", gy[:, idx], gx[:, idx])
        maps.append(1.0 - torch.exp(-dens))
    out = torch.stack(maps, 1)
    return out * valid[:, None, None, None].to(out.dtype)
