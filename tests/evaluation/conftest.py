"""Fixtures of the evaluation tests."""

from __future__ import annotations

import pytest

from id2face.evaluation.config import EvalConfig
from id2face.io.images import save_image


@pytest.fixture(scope="module")
def source(detector, astronaut, tmp_path_factory):
    """The sample portrait as a detection bench's source face (its outline from the face mesh)."""
    from id2face.evaluation.detection.backdrops import SourceFace
    from id2face.face.landmarks import FACE_OVAL

    f = detector.detect(astronaut)[0]
    path = tmp_path_factory.mktemp("src") / "astronaut.png"
    return SourceFace(path, astronaut, f.mesh[list(FACE_OVAL), :2])


@pytest.fixture
def astronaut_runner(tmp_path, detector, astronaut):
    """make(recognizers) -> an EvalRunner (method blur) over one photo, the sample portrait; closed after."""
    from id2face.evaluation.runner import EvalRunner

    made = []

    def make(recognizers: list) -> EvalRunner:
        photos = tmp_path / "photos"
        save_image(astronaut, photos / "astronaut.png")
        config = EvalConfig(data=str(photos), output=str(tmp_path / "out"), methods=["blur"])
        made.append(EvalRunner(config, recognizers, detector))
        return made[-1]

    yield make
    for runner in made:
        runner.close()
