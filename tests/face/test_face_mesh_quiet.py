"""The face mesh's start-up notice must not reach a CLI user's terminal, whichever view comes first."""

from __future__ import annotations

import os
import subprocess
import sys

# MediaPipe prints its projection notice once per process, the first time the mesh graph finds landmarks:
# hence a fresh process. The first view has no face (a crowd's small face, a head turned away, a faint
# candidate); the second has one.
SCRIPT = """
import numpy as np, skimage.data
from id2face.face.landmarks import MeshEstimator
from id2face.face.types import Face
mesh = MeshEstimator()
noise = np.random.default_rng(0).integers(0, 256, (200, 200, 3), dtype=np.uint8)
blank = Face(box=np.array([80.0, 80.0, 120.0, 120.0]), score=0.9, keypoints5=np.zeros((5, 2)))
assert not mesh.refine(noise, blank)
astronaut = skimage.data.astronaut()
face = Face(box=np.array([170.0, 40.0, 270.0, 150.0]), score=0.9, keypoints5=np.zeros((5, 2)))
assert mesh.refine(astronaut, face), "the astronaut's face has a mesh"
mesh.close()
"""


def test_first_mesh_found_after_a_faceless_view_prints_nothing():
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr
    assert "landmark_projection" not in run.stderr and run.stderr.strip() == "", run.stderr
