import numpy as np

from id2face.evaluation.training_gallery import training_centroids, training_identity_figures
from id2face.testing.datasets import write_synthetic_dataset


class MeanColour:
    """A stand-in recognizer: the mean colour of the crop's centre, x100 (identities differ by colour)."""

    calls = 0

    def embed(self, crops, template, size, normalize=True):
        type(self).calls += 1
        c = crops[:, size // 3: 2 * size // 3, size // 3: 2 * size // 3].reshape(len(crops), -1, 3)
        return c.mean(axis=1).astype(np.float32)


def test_centroids_one_per_training_identity_and_cached(tmp_path):
    data = write_synthetic_dataset(tmp_path / "ds", identities=4, per_identity=3, val=(3,))
    cache = tmp_path / "cache.npz"
    cents = training_centroids([str(data)], MeanColour(), per_identity=2, cache=cache)
    assert cents.shape == (3, 3)  # identities 0, 1, 2 are the training split; 3 is held out
    expected_red = [60 + 60 * i for i in range(3)]  # the synthetic faces' colour per identity
    np.testing.assert_allclose(cents[:, 0], expected_red, atol=12)
    calls = MeanColour.calls
    again = training_centroids([str(data)], MeanColour(), per_identity=2, cache=cache)
    assert MeanColour.calls == calls and np.array_equal(again, cents)  # from the cache
    training_centroids([str(data)], MeanColour(), per_identity=3, cache=cache)
    assert MeanColour.calls > calls  # another setting: computed again


def test_rate_is_measured_against_unseen_people():
    cents = np.array([[0.0, 0.0], [10.0, 0.0]], np.float32)
    unseen = np.linspace(1.0, 3.0, 101)  # real people the model never saw: 5th percentile = 1.1
    probes = np.array([[0.3, 0.0], [5.0, 0.0], [10.0, 0.5], [0.0, 0.0]], np.float32)
    detected = np.array([True, True, True, False])
    fig = training_identity_figures(probes, detected, cents, unseen)
    assert fig["faces"] == 3 and fig["identities"] == 2 and fig["chance_rate"] == 0.05
    np.testing.assert_allclose(fig["distance_limit"], 1.1)
    assert fig["closer_than_unseen_rate"] == 2 / 3  # 0.3 and 0.5 are closer; 5.0 is not; undetected ignored
    np.testing.assert_allclose(fig["mean_nearest_distance"], (0.3 + 5.0 + 0.5) / 3)
    np.testing.assert_allclose(fig["unseen_mean_nearest_distance"], 2.0)
    assert np.isnan(
        training_identity_figures(probes, np.zeros(4, bool), cents, unseen)["closer_than_unseen_rate"]
    )
