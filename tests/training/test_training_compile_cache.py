"""torch.compile's artifacts are saved at a burst's end and loaded by the next (training/compile_cache.py)."""

from __future__ import annotations

import shutil

import pytest
import torch

from id2face.training.compile_cache import compile_unet, save_compile_cache

needs_compiler = pytest.mark.skipif(shutil.which("g++") is None and shutil.which("cc") is None,
                                    reason="torch.compile on a CPU needs a C++ compiler")


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = torch.nn.Linear(8, 16), torch.nn.Linear(16, 4)

    def forward(self, x):
        return self.b(torch.nn.functional.gelu(self.a(x)))


@needs_compiler
def test_what_a_run_compiled_is_saved_and_loads_again(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor"))
    torch.manual_seed(0)
    model, x = Tiny(), torch.randn(2, 8)
    eager = model(x).detach()
    compile_unet(model, tmp_path / "none.bin")  # no file yet: compiles from scratch, says nothing
    assert torch.allclose(model(x), eager, atol=1e-5)
    cache = tmp_path / "burst" / "compile_cache.bin"
    assert save_compile_cache(cache) == cache.stat().st_size > 0
    assert save_compile_cache("") == 0  # no file asked for
    capsys.readouterr()
    compile_unet(Tiny(), cache)
    out = capsys.readouterr().out
    assert "artifacts loaded" in out and " 0 artifacts" not in out and "nothing usable" not in out


def test_a_foreign_or_broken_file_only_costs_the_compile(tmp_path, capsys):
    bad = tmp_path / "compile_cache.bin"
    bad.write_bytes(b"not torch artifacts")
    model = Tiny()
    compile_unet(model, bad)
    out = capsys.readouterr().out
    assert "compiling from scratch" in out
    assert model._compiled_call_impl is not None  # still compiled (lazily, on its first call)
