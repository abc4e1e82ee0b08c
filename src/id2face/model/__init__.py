"""The ID2Face model (inference): ID-VAE, OIM, IDLR, IGLH, backbones and the pipeline.

Recognizers are in id2face.identity, the training losses in id2face.training.losses and tiny test
models in id2face.testing.models.
"""

from .build import build_pipeline, default_scheduler
from .config import ID2FaceConfig
from .errors import ModelNotFoundError, RecognizerMismatchError
from .idlr import IDLR
from .idvae import IDVAE
from .iglh import IGLH
from .oim import key_to_seed, orthogonal_identity_mapping, sample_identity_latents
from .pipeline import ID2FaceOutput, ID2FacePipeline

__all__ = [
    "IDLR", "IDVAE", "IGLH", "ID2FaceConfig", "ID2FaceOutput", "ID2FacePipeline",
    "ModelNotFoundError", "RecognizerMismatchError", "build_pipeline", "default_scheduler", "key_to_seed",
    "orthogonal_identity_mapping", "sample_identity_latents",
]
