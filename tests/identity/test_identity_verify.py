"""Same-person rules on whole photos (what the evaluation attacks with)."""

import numpy as np
import pytest

from id2face.identity import DlibRecognizer
from id2face.identity.faces import embed_faces
from id2face.identity.verify import DescriptorVerifier, build_verifiers, dlib_verifier


def test_dlib_verifier_uses_raw_descriptors_and_dlibs_threshold(astronaut, detector):
    v = dlib_verifier()
    assert (v.name, v.metric, v.threshold) == ("dlib", "l2", 0.6)
    assert DlibRecognizer.raw_threshold == 0.6
    faces = detector.detect(astronaut)
    raw = v.embed(astronaut, faces)
    assert raw.shape == (len(faces), 128)
    assert np.allclose(raw, embed_faces(v.recognizer, astronaut, faces, normalize=False))
    assert np.linalg.norm(raw, axis=1).min() > 1.1  # raw, not unit norm
    assert v.embed(astronaut, []).shape == (0, 128)
    gray = DescriptorVerifier(v.recognizer, "dlib", 0.6).embed(astronaut.mean(2).astype(np.uint8), faces)
    assert gray.shape == raw.shape


def test_unknown_verifier_is_refused():
    with pytest.raises(ValueError, match="unknown recognizer"):
        build_verifiers(["nope"])
