"""The Python API's report says what happened to a photo, in words and counts."""

import numpy as np

from id2face.anonymizer import Anonymizer, ImageReport


def test_report_describes_no_face_replacements_fallbacks_and_kept():
    assert ImageReport().describe() == "no face found: nothing was changed"
    assert not ImageReport().changed
    assert ImageReport(faces=4, fallbacks=1).describe() == "3 faces replaced, 1 covered by the blur fallback"
    assert ImageReport(faces=1).describe() == "1 face replaced"
    rep = ImageReport(faces=1, kept=1)
    assert rep.replaced == 0 and not rep.changed and rep.describe().endswith("nothing was changed")


def test_a_photo_without_faces_is_reported_unchanged(astronaut):
    sky = np.ascontiguousarray(astronaut[:60, :120])
    out, rep = Anonymizer(method="blur").anonymize_rgb(sky)
    assert np.array_equal(out, sky) and rep.describe() == "no face found: nothing was changed"
    out, rep = Anonymizer(method="blur").anonymize_rgb(astronaut)
    assert rep.replaced == 1 and rep.describe() == "1 face replaced"
