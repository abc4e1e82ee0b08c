"""Map files: float32 arrays and a header, refused when they are another map's."""

import numpy as np
import pytest

from id2face.io.map_files import load_map, save_map


def test_round_trip_and_another_format_refused(tmp_path):
    arrays = {"a": np.arange(3.0), "b": np.eye(2)}
    path = save_map(tmp_path / "m.safetensors", arrays, "fmt/1", template="ffhq")
    arrays, meta = load_map(path, "fmt/1", ("a", "b"), "test map")
    assert arrays["a"].dtype == np.float64 and np.array_equal(arrays["b"], np.eye(2))
    assert meta == {"format": "fmt/1", "template": "ffhq"}
    with pytest.raises(ValueError, match="not an id2face other map"):
        load_map(path, "fmt/2", ("a",), "other map")
