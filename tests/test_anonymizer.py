from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image

from id2face.anonymizer import Anonymizer, FaceAnonymizationError
from id2face.geometry import FFHQ


@dataclass
class Broken:
    name: str = "broken"
    crop_size: int = 128
    template = FFHQ
    color_match: bool = False

    def __call__(self, crops, masks, faces, seed):
        raise RuntimeError("boom")


@dataclass
class Identity(Broken):
    name: str = "identity"

    def __call__(self, crops, masks, faces, seed):
        return crops.copy()


def test_same_type_out_as_in(astronaut):
    a = Anonymizer(method="blur")
    assert isinstance(a.anonymize(astronaut), np.ndarray)
    pil = a.anonymize(Image.fromarray(astronaut))
    assert isinstance(pil, Image.Image) and pil.size == (512, 512)
    gray = a.anonymize(astronaut.mean(2).astype(np.uint8))
    assert gray.shape == (512, 512)
    rgba = a.anonymize(np.dstack([astronaut, np.full((512, 512), 7, np.uint8)]))
    assert rgba.shape == (512, 512, 4) and (rgba[..., 3] == 7).all()
    assert (a.anonymize(astronaut) != astronaut).any()


@pytest.mark.parametrize("method", [Broken(), Identity()])
def test_a_face_that_cannot_be_anonymized_is_never_passed_through(astronaut, method):
    with pytest.raises(FaceAnonymizationError):
        Anonymizer(method=method).anonymize(astronaut)
    out, rep = Anonymizer(method=method, on_error="blur").anonymize_rgb(astronaut)
    assert rep.fallbacks == 1
    assert np.abs(out[90:150, 200:250].astype(int) - astronaut[90:150, 200:250]).mean() > 10


def test_failed_file_is_not_written(tmp_path, astronaut):
    from id2face.io.images import save_image

    save_image(astronaut, tmp_path / "a.png")
    with pytest.raises(FaceAnonymizationError):
        Anonymizer(method=Broken()).anonymize_file(tmp_path / "a.png", tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()
    with pytest.raises(ValueError, match="overwrite the input"):
        Anonymizer(method="blur").anonymize_file(tmp_path / "a.png", tmp_path / "a.png")


def test_input_array_is_not_modified(astronaut):
    before = astronaut.copy()
    Anonymizer(method="mask").anonymize(astronaut)
    assert np.array_equal(astronaut, before)


@dataclass
class Recording(Broken):
    name: str = "recording"

    def __post_init__(self):
        self.calls = []

    def __call__(self, crops, masks, faces, seed, **per_call):
        self.calls.append((seed, per_call))
        return 255 - crops


def test_seed_and_strength_are_per_call(astronaut):
    method = Recording()
    anon = Anonymizer(method=method, seed=3)
    anon.anonymize(astronaut)
    anon.anonymize(astronaut, seed=5, strength=0.25)
    anon.anonymize_rgb(astronaut)
    assert method.calls == [(3, {}), (5, {"strength": 0.25}), (3, {})]
    assert anon.seed == 3  # nothing set on the shared Anonymizer


def test_top_level_names():
    import id2face
    from id2face import Anonymizer as TopAnonymizer
    from id2face import ID2FacePipeline
    from id2face.model.pipeline import ID2FacePipeline as Pipeline

    assert TopAnonymizer is Anonymizer and ID2FacePipeline is Pipeline
    with pytest.raises(AttributeError):
        id2face.NoSuchThing  # noqa: B018
