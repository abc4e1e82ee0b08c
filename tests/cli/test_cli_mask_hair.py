"""Issue 14: hair stays as it is (the README's promise) unless --mask-hair asks for it."""

from __future__ import annotations

import numpy as np

from id2face.cli.main import main
from id2face.io.images import load_image, save_image


def test_hair_stays_unless_mask_hair(tmp_path, astronaut, detector):
    save_image(astronaut, tmp_path / "a.png")
    f = detector.detect(astronaut)[0]
    top, chin = f.mesh[10, :2], f.mesh[152, :2]
    x, y = np.round(top + (top - chin) * 0.33).astype(int)  # in the hair, past the feather
    hair = (slice(y - 4, y + 4), slice(x - 10, x + 10))
    outs = {}
    for flag in ([], ["--mask-hair"]):
        out = tmp_path / ("hair" if flag else "plain")
        assert main(["anonymize", str(tmp_path / "a.png"), "-o", str(out), "-m", "blur", "-q", *flag]) == 0
        outs[bool(flag)] = load_image(out / "a.png").astype(int)
    assert np.abs(outs[False][hair] - astronaut[hair]).mean() < 0.5  # before: blurred with the face
    assert np.abs(outs[True][hair] - astronaut[hair]).mean() > 3
