"""id2face: face anonymization with identity-decoupled diffusion."""

from __future__ import annotations

from id2face.threads import wait_passively

wait_passively()  # before anything loads PyTorch's OpenMP runtime (see id2face.threads)

__version__ = "0.1.0"

__all__ = ["Anonymizer", "__version__"]


def __getattr__(name: str):
    # Lazy so that `import id2face` stays cheap for the CLI's --help.
    if name == "Anonymizer":
        from id2face.anonymizer import Anonymizer

        return Anonymizer
    raise AttributeError(name)
