"""Helpers of the CLI tests: one photo anonymized once per value of a flag."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pytest

from id2face.cli.main import main
from id2face.io.images import load_image, save_image


@pytest.fixture
def big_astronaut(astronaut) -> np.ndarray:
    """The sample portrait at twice its size: a 190-px face, whose crop the paste scales up."""
    return np.repeat(np.repeat(astronaut, 2, axis=0), 2, axis=1)


@pytest.fixture
def outputs_per_value(tmp_path) -> Callable[..., dict[str, np.ndarray]]:
    """run(photo, flag, values, *more_args) -> {value: the anonymized photo (int)}; each value's output
    folder is tmp_path / "<flag without dashes>-<value>"."""

    def run(photo: np.ndarray, flag: str, values: Iterable[str], *more: str) -> dict[str, np.ndarray]:
        save_image(photo, tmp_path / "a.png")
        outs = {}
        for value in values:
            out = tmp_path / f"{flag.lstrip('-')}-{value}"
            assert main(["anonymize", str(tmp_path / "a.png"), "-o", str(out), "-q", *more, flag, value]) == 0
            outs[value] = load_image(out / "a.png").astype(int)
        return outs

    return run
