"""--heads: faces without usable landmarks are blurred, or replaced on points placed from their box."""

from __future__ import annotations

import numpy as np
import pytest

import id2face.anonymizer as anonymizer_module
from id2face.cli.main import main
from id2face.face.fallback import HEAD
from id2face.io.images import load_image, save_image


def test_heads_choice_reaches_the_anonymizer(tmp_path, astronaut, monkeypatch):
    monkeypatch.setattr(anonymizer_module, "replacement_kind", lambda face: HEAD)  # every face: no landmarks
    save_image(astronaut, tmp_path / "a.png")
    outs = {}
    for heads in ("blur", "replace"):
        args = ["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / heads), "-q", "-m", "pixelate"]
        assert main([*args, "--heads", heads]) == 0
        outs[heads] = load_image(tmp_path / heads / "a.png")
    # pixelate on points placed from the box draws blocks; the head blur does not
    face = (slice(90, 150), slice(200, 250))
    assert not np.array_equal(outs["blur"][face], outs["replace"][face])
    with pytest.raises(SystemExit) as e:
        main(["anonymize", str(tmp_path / "a.png"), "-o", str(tmp_path / "x"), "--heads", "hide"])
    assert e.value.code == 2
