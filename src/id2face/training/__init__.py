"""Dataset preparation and training for ID2Face (`id2face prepare`, `id2face train`)."""
