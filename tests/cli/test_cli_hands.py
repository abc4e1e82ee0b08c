"""--no-hands: the new face is pasted over hands in front of it too (by default they keep their pixels)."""

from __future__ import annotations

import id2face.face.hands as hands_module
from id2face.cli.main import main
from id2face.io.images import save_image


def test_hands_are_looked_for_unless_no_hands(tmp_path, astronaut, monkeypatch):
    looked = []
    real = hands_module.hands_over
    monkeypatch.setattr(hands_module, "hands_over", lambda *a, **k: looked.append(1) or real(*a, **k))
    save_image(astronaut, tmp_path / "a.png")
    for flags, expected in (([], 1), (["--no-hands"], 0)):
        looked.clear()
        out = tmp_path / ("o" + "".join(flags))
        assert main(["anonymize", str(tmp_path / "a.png"), "-o", str(out), "-q", "--steps", "2", *flags]) == 0
        assert len(looked) == expected and (out / "a.png").exists()
