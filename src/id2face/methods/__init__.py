"""Face replacement methods: classic filters and the ID2Face diffusion model, one interface."""
