import numpy as np


def test_a_meshed_face_keeps_its_detectors_own_points(detector, astronaut):
    """The mesh's five points replace the detector's; the detector's stay on the face (what the face would
    have been aligned on without a mesh: the five-point path and its points-to-mesh map)."""
    f = detector.detect(astronaut)[0]
    assert f.mesh is not None and f.detector_keypoints5 is not None
    assert f.detector_keypoints5.shape == (5, 2) and not np.allclose(f.detector_keypoints5, f.keypoints5)
    side = f.box[2] - f.box[0]
    assert np.abs(f.detector_keypoints5 - f.keypoints5).max() < 0.25 * side  # the same eyes, nose and mouth


def test_as_missed_gives_the_face_its_detectors_points_back(detector, astronaut):
    from id2face.face.fallback import POINTS, as_missed, replacement_kind

    f = detector.detect(astronaut)[0]
    own = f.detector_keypoints5.copy()
    assert as_missed(f) is f and f.mesh is None and np.array_equal(f.keypoints5, own)
    assert replacement_kind(f) == POINTS
