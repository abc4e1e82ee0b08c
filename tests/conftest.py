"""Shared fixtures: the public-domain sample portrait and the optional ../shared/data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    import skimage.data

    return skimage.data.astronaut()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "celeba-wild" / "identities.csv").is_file():
        pytest.skip(f"needs the face data in {SHARED_DATA} (present in CI, absent here)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def detector():
    from id2face.face.detect import FaceDetector

    return FaceDetector()
