"""The Python API's report says what happened to a photo, in words and counts."""

import copy

import numpy as np

from id2face.anonymizer import Anonymizer, ImageReport
from id2face.face.config import MaskConfig


def test_report_describes_no_face_replacements_fallbacks_and_kept():
    assert ImageReport().describe() == "no face found: nothing was changed"
    assert not ImageReport().changed
    assert ImageReport(faces=4, fallbacks=1, blurred=1).describe() == (
        "3 faces replaced, 1 blurred (no usable face landmarks, found on weak evidence, or the method "
        "failed)")
    rep = ImageReport(faces=4, fallbacks=2, blurred=1)
    assert rep.replaced == 3 and rep.on_points == 1
    assert rep.describe() == ("3 faces replaced (1 on five points: no face mesh), 1 blurred (no usable face "
                              "landmarks, found on weak evidence, or the method failed)")
    assert ImageReport(faces=1).describe() == "1 face replaced"
    rep = ImageReport(faces=1, kept=1)
    assert rep.replaced == 0 and not rep.changed and rep.describe().endswith("nothing was changed")


def test_a_photo_without_faces_is_reported_unchanged(astronaut):
    sky = np.ascontiguousarray(astronaut[:60, :120])
    out, rep = Anonymizer(method="blur").anonymize_rgb(sky)
    assert np.array_equal(out, sky) and rep.describe() == "no face found: nothing was changed"
    out, rep = Anonymizer(method="blur").anonymize_rgb(astronaut)
    assert rep.replaced == 1 and rep.describe() == "1 face replaced"


def test_the_report_tells_faces_on_points_from_blurred_heads(astronaut):
    anon = Anonymizer(method="blur")
    face = anon.detector.detect(astronaut)[0]
    face.mesh = None  # replaced on its five points
    head = anon.detector.detect(astronaut)[0]
    head.mesh, head.keypoints5 = None, np.tile(head.keypoints5[:1], (5, 1))  # no usable points
    _, rep = anon.anonymize_rgb(astronaut, faces=[face])
    assert (rep.replaced, rep.on_points, rep.blurred, rep.fallbacks) == (1, 1, 0, 1)
    blurring = Anonymizer(method="blur", mask=MaskConfig(heads="blur"))
    _, rep = blurring.anonymize_rgb(astronaut, faces=[copy.deepcopy(head)])
    assert (rep.replaced, rep.on_points, rep.blurred, rep.fallbacks) == (0, 0, 1, 1)
    _, rep = anon.anonymize_rgb(astronaut, faces=[head])  # heads="replace": on points from its box
    assert (rep.replaced, rep.on_points, rep.blurred, rep.fallbacks) == (1, 1, 0, 1)
