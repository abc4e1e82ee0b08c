import torch

from id2face.model.idvae import IDVAE


def test_idvae_shapes_and_unit_norm():
    torch.manual_seed(0)
    vae = IDVAE(embed_dim=128, latent_dim=8, hidden_dim=32)
    e = torch.randn(5, 128)
    mu, logvar = vae.encode(e)
    assert mu.shape == logvar.shape == (5, 8)
    rec = vae.decode(mu)
    assert rec.shape == (5, 128) and rec.dtype == torch.float32
    torch.testing.assert_close(rec.norm(dim=-1), torch.ones(5))
    out = vae(e)
    assert set(out) >= {"recon", "mu", "logvar", "z", "loss", "loss_cos", "loss_kl"}
    assert out["loss"].ndim == 0 and torch.isfinite(out["loss"])


def test_idvae_learns_to_reconstruct():
    torch.manual_seed(0)
    vae = IDVAE(embed_dim=32, latent_dim=8, hidden_dim=64, beta=1e-4)
    data = torch.nn.functional.normalize(torch.randn(64, 32), dim=-1)
    opt = torch.optim.Adam(vae.parameters(), lr=1e-2)
    vae.train()
    first = None
    for _ in range(60):
        loss = vae(data)["loss"]
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    vae.eval()
    assert vae(data)["loss_cos"].item() < 0.5 * first


def test_idvae_save_load_bitwise(tmp_path):
    torch.manual_seed(0)
    vae = IDVAE(embed_dim=16, latent_dim=4, hidden_dim=8, recognizer_name="onnx:tiny")
    vae.save_pretrained(tmp_path)
    assert (tmp_path / "diffusion_pytorch_model.safetensors").is_file()
    back = IDVAE.from_pretrained(tmp_path)
    assert back.config.recognizer_name == "onnx:tiny" and back.config.latent_dim == 4
    for (k, a), (_, b) in zip(vae.state_dict().items(), back.state_dict().items(), strict=True):
        assert torch.equal(a, b), k
