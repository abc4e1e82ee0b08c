from types import SimpleNamespace

import numpy as np

from id2face.evaluation.aggregate import diversity_figures
from id2face.evaluation.runner import PhotoRecord


def _record(emb: np.ndarray) -> PhotoRecord:
    return PhotoRecord(
        boxes=np.zeros((1, 4)),
        detected=np.ones(1, bool),
        meshes=np.zeros((1, 478, 3)),
        has_mesh=np.zeros(1, bool),
        embeddings={"dlib": emb[None]},
        crops=np.zeros((1, 4, 4, 3)),
    )


def test_diversity_counts_the_seed_pairs_that_are_different_people():
    rec = SimpleNamespace(name="dlib", metric="l2", threshold=0.6)
    # One face, three seeds: two seeds give nearly the same identity (distance 0.1), the third is far (1.0).
    embs = [np.array([0.0, 0.0]), np.array([0.1, 0.0]), np.array([0.0, 1.0])]
    runs = {s: [_record(e)] for s, e in enumerate(embs)}
    d = diversity_figures(runs, [rec])["dlib"]
    assert d["faces"] == 1 and len(d["distances"]) == 3
    assert d["different_pairs"] == 2 / 3


def test_cosine_recognizers_use_one_minus_their_threshold():
    rec = SimpleNamespace(name="dlib", metric="cosine", threshold=0.5)
    embs = [np.array([1.0, 0.0]), np.array([0.0, 1.0])]  # cosine 0: different people
    d = diversity_figures({s: [_record(e)] for s, e in enumerate(embs)}, [rec])["dlib"]
    assert d["different_pairs"] == 1.0
