"""The ID2Face model: ID-VAE, OIM, recognizers, IDLR, IGLH, backbones and the pipeline."""

from .build import build_pipeline, default_scheduler
from .config import ID2FaceConfig, LossConfig
from .idlr import IDLR
from .idvae import IDVAE
from .iglh import IGLH
from .losses import training_losses
from .oim import key_to_seed, orthogonal_identity_mapping, sample_identity_latents
from .pipeline import ID2FaceOutput, ID2FacePipeline, ModelNotFoundError, RecognizerMismatchError

__all__ = [
    "IDLR", "IDVAE", "IGLH", "ID2FaceConfig", "ID2FaceOutput", "ID2FacePipeline", "LossConfig",
    "ModelNotFoundError", "RecognizerMismatchError", "build_pipeline", "default_scheduler", "key_to_seed",
    "orthogonal_identity_mapping", "sample_identity_latents", "training_losses",
]
