"""Closing a detector stops MediaPipe's graphs at once (not in interpreter teardown, where their
threads could abort a finished process) and makes any later use an error, never a weaker detector."""

from __future__ import annotations

import pytest

from id2face.anonymizer import Anonymizer
from id2face.face.detect import FaceDetector


def test_a_closed_detector_refuses_to_detect(astronaut):
    det = FaceDetector()
    assert len(det.detect(astronaut)) == 1
    det.close()
    det.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        det.detect(astronaut)


def test_the_anonymizer_closes_its_detector_on_leaving_a_with_block(astronaut):
    with Anonymizer(method="blur") as anon:
        anon.anonymize(astronaut)
    with pytest.raises(RuntimeError, match="closed"):
        anon.anonymize(astronaut)
