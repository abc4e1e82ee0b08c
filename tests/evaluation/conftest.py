"""Fixtures of the evaluation tests."""

from __future__ import annotations

import pytest

from id2face.evaluation.config import EvalConfig
from id2face.io.images import save_image


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
