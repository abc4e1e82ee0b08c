"""The bundled TAEF2 first stage: every released weight loads, and a face survives the round trip."""

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from id2face.model.taef2 import (
    BUNDLED_DIR,
    DECODER_FILE,
    ENCODER_FILE,
    TAEF2,
    load_taef2,
    original_to_diffusers,
)


def test_the_bundled_weights_fill_every_parameter_once_with_the_licence_beside_them():
    state = load_file(str(BUNDLED_DIR / "diffusion_pytorch_model.safetensors"))
    ours = TAEF2().state_dict()
    assert set(state) == set(ours)
    assert all(state[k].shape == ours[k].shape for k in ours)
    assert sum(v.numel() for k, v in state.items() if k.startswith("encoder.")) == pytest.approx(
        1.34e6, rel=0.01
    )
    assert (BUNDLED_DIR / "LICENSE").read_text().startswith("MIT")


def test_released_weights_convert_to_the_same_model(tmp_path):
    """The released layout (nn.Sequential numbering, the decoder's Clamp at index 0) maps key for key."""
    from safetensors.torch import save_file

    ours = load_taef2().state_dict()
    enc = {k.removeprefix("encoder.layers."): v.half() for k, v in ours.items() if k.startswith("encoder.")}
    dec = {}
    for k, v in ours.items():
        if k.startswith("decoder.layers."):
            i, rest = k.removeprefix("decoder.layers.").split(".", 1)
            dec[f"{int(i) + 1}.{rest}"] = v.half()
    save_file(enc, str(tmp_path / ENCODER_FILE))
    save_file(dec, str(tmp_path / DECODER_FILE))
    assert original_to_diffusers(enc, dec).keys() == ours.keys()
    again = TAEF2.from_original(tmp_path).state_dict()
    assert all(torch.equal(again[k], ours[k]) for k in ours)


def test_pool_branch_changes_the_block():
    """With the branch zeroed the block is diffusers' own; the released weights make it matter."""
    vae = load_taef2()
    block = vae.encoder.layers[11]
    x = torch.randn(1, 64, 8, 8).relu()
    with torch.no_grad():
        full = block(x)
        plain = super(type(block), block).forward(x)
    assert not torch.allclose(full, plain)


@torch.no_grad()
def test_round_trip_of_the_sample_face(detector, astronaut):
    from id2face.face.align import align_face

    crop = align_face(astronaut, detector.detect(astronaut)[0], 128).crop
    vae = load_taef2()
    x = torch.from_numpy(crop).permute(2, 0, 1)[None].float() / 127.5 - 1
    z = vae.encode(x).latents
    assert z.shape == (1, 32, 16, 16)
    y = vae.decode(z).sample.clamp(-1, 1)
    psnr = 10 * np.log10(4.0 / float(((y - x) ** 2).mean()))
    assert psnr > 28.0, psnr  # 30.9 dB measured
