"""ID2FacePipeline: aligned face crops in, anonymised aligned face crops out (one sampling pass).

prepare inputs -> source identity (recognizer -> ID-VAE mu) -> OIM-sampled fake identity -> IDLR
condition -> denoise (any diffusers scheduler, IGLH gates hooked into the UNet) -> decode -> paste
into the masked region of the crop.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import AutoencoderTiny, DiffusionPipeline, ModelMixin, UNet2DConditionModel
from diffusers.schedulers.scheduling_utils import SchedulerMixin
from diffusers.utils import BaseOutput

from id2face.geometry import TEMPLATES, CropTemplate
from id2face.identity import Recognizer, load_recognizer

from . import config as model_config
from .config import same_setting
from .errors import ModelNotFoundError, RecognizerMismatchError
from .fake_identity import fake_identities
from .geometry_maps import geometry_maps
from .identity_attributes import IdentityAttributes, load_identity_attributes
from .idlr import IDLR, Condition
from .idvae import IDVAE
from .iglh import IGLH
from .integrity import verify_checksums, write_checksums
from .masking import default_mask, identity_masked, keep_mask
from .oim import key_generator
from .skin_tone import SkinTone, load_skin_tone
from .stage_clock import stage_clock
from .thread_invariance import invariant_to_threads


@dataclass
class ID2FaceOutput(BaseOutput):
    """images: (N, S, S, 3) uint8 ("np") or (N, 3, S, S) float in [0, 1] ("pt")."""

    images: np.ndarray | torch.Tensor
    identity_embeddings: np.ndarray  # decoded fake identities (recognizer space), (N, D)
    source_embeddings: np.ndarray  # (N, D)


class ID2FacePipeline(DiffusionPipeline):
    """Face anonymisation by identity-decoupled diffusion (see docs/architecture.md).

    Components: `idvae` (IDVAE), `recomposer` (IDLR), `unet` (UNet2DConditionModel, pixel or SD
    latent), `harmonizer` (IGLH, hooked into `unet`), `scheduler` (any diffusers scheduler), `vae`
    (AutoencoderKL for the latent backbone, None in pixel space). The recognizer is not a saved
    component (dlib's ships with the package, ONNX ones come from the user): its name and crop
    template are recorded in the config and checked by `set_recognizer`.
    """

    model_cpu_offload_seq = "recomposer->unet->vae"
    _optional_components = ["vae"]

    def __init__(
        self,
        idvae: IDVAE,
        recomposer: IDLR,
        unet: UNet2DConditionModel,
        harmonizer: IGLH,
        scheduler: SchedulerMixin,
        vae: ModelMixin | None = None,  # AutoencoderKL (SD) or TAEF2
        backbone: str = "pixel",
        patch_size: int = 2,
        crop_size: int = 128,
        template_name: str = "ffhq",
        template_points: list | None = None,
        recognizer_name: str = "dlib_resnet_v1",
        recognizer_dim: int = 128,
        recognizer_template: str = "",
        recognizer_points: list | None = None,
        recognizer_input_size: int = 0,
    ):
        super().__init__()
        if backbone not in ("pixel", "latent", "taef2"):
            raise ValueError(f"backbone must be 'pixel', 'latent' or 'taef2', got {backbone!r}")
        if backbone != "pixel" and vae is None:
            raise ValueError(f"the {backbone} backbone needs a vae")
        self.register_modules(idvae=idvae, recomposer=recomposer, unet=unet, harmonizer=harmonizer,
                              scheduler=scheduler, vae=vae)
        if template_points is None:
            template_points = [list(p) for p in TEMPLATES[template_name].points]
        self.register_to_config(
            backbone=backbone, patch_size=patch_size, crop_size=crop_size, template_name=template_name,
            template_points=[list(map(float, p)) for p in template_points], recognizer_name=recognizer_name,
            recognizer_dim=recognizer_dim, recognizer_template=recognizer_template,
            recognizer_points=recognizer_points, recognizer_input_size=recognizer_input_size,
        )
        self._recognizer: Recognizer | None = None
        # Set to a dict to accumulate seconds per stage (identity, condition, sample, decode) over
        # calls; on CUDA each stage then waits for the device, so leave it None when not measuring.
        self.stage_times: dict[str, float] | None = None
        self._cuda_graphs = False  # set by compile_denoiser for modes that capture CUDA graphs
        # What a call that names none uses: the loaded model's record (training.json), else these.
        self.default_steps = model_config.DEFAULT_STEPS
        self.default_guidance = model_config.DEFAULT_GUIDANCE
        self.default_identity_candidates = model_config.DEFAULT_IDENTITY_CANDIDATES
        self.default_guidance_start = model_config.DEFAULT_GUIDANCE_START
        self.default_mask_dilate: float | None = None  # the front-end's own default region
        self.identity_attributes: IdentityAttributes | None = None  # the model's (identity_attributes.py)
        self.default_attributes, self.default_attributes_min_px = model_config.DEFAULT_ATTRIBUTES, 0.0
        self.skin_tone: SkinTone | None = None  # the model's skin-tone map (skin_tone.py)
        self.default_skin_tone = model_config.DEFAULT_SKIN_TONE
        harmonizer.attach(unet)

    # ----------------------------------------------------------------- loading / recognizer
    @property
    def template(self) -> CropTemplate:
        """The crop template (name + points) the model consumes, at `config.crop_size`."""
        return CropTemplate(self.config.template_name, tuple(tuple(p) for p in self.config.template_points))

    @classmethod
    def from_pretrained(
        cls, pretrained_model_name_or_path: str | Path, recognizer: Recognizer | None = None,
        recognizer_onnx: str | Path | None = None, **kwargs,
    ) -> ID2FacePipeline:
        """Load a saved model from a local directory (safetensors only); optionally bind a recognizer."""
        path = Path(pretrained_model_name_or_path)
        if not (path / "model_index.json").is_file():
            raise ModelNotFoundError(
                f"no ID2Face model at {path} (expected a folder with model_index.json written by "
                "ID2FacePipeline.save_pretrained). Pass model_dir=PATH / --model-dir PATH to a trained "
                "model, or train one with the training helper; nothing is downloaded at run time.")
        kwargs.setdefault("use_safetensors", True)
        if not kwargs["use_safetensors"]:
            raise ValueError("ID2Face models load from safetensors only")
        verify_checksums(path)  # a damaged or swapped weight file is refused (when SHA256SUMS is there)
        pipe = super().from_pretrained(str(path), **kwargs)
        for name, value in model_config.recorded_defaults(path).items():
            setattr(pipe, name, value)
        pipe.identity_attributes = load_identity_attributes(path, pipe.config.recognizer_name)
        pipe.skin_tone = load_skin_tone(path, pipe.config.recognizer_name)
        if recognizer is not None or recognizer_onnx is not None:
            pipe.set_recognizer(recognizer or load_recognizer(pipe.config.recognizer_name, recognizer_onnx))
        return pipe

    def save_pretrained(self, save_directory: str | Path, **kwargs) -> None:
        """Save every component as safetensors plus model_index.json (with the recorded recognizer)."""
        kwargs["safe_serialization"] = True
        super().save_pretrained(str(save_directory), **kwargs)
        write_checksums(save_directory)

    def set_recognizer(self, recognizer: Recognizer) -> None:
        """Bind the recognizer used for source embeddings; refuse one the model was not trained with."""
        want = {
            "recognizer_name": self.config.recognizer_name,
            "recognizer_dim": self.config.recognizer_dim,
            "recognizer_template": self.config.recognizer_template,
            "recognizer_points": self.config.recognizer_points,
            "recognizer_input_size": self.config.recognizer_input_size,
        }
        got = recognizer.describe()
        bad = [k for k, v in want.items() if v not in (None, "", 0) and not same_setting(v, got[k])]
        if bad:
            detail = "; ".join(f"{k}: model has {want[k]!r}, recognizer has {got[k]!r}" for k in bad)
            raise RecognizerMismatchError(
                f"this model was trained with recognizer {want['recognizer_name']!r} and cannot use "
                f"{got['recognizer_name']!r} ({detail}). Pass the same recognizer (for ONNX: the same file "
                "and name) or a model trained with this one."
            )
        self._recognizer = recognizer

    @property
    def recognizer(self) -> Recognizer:
        if self._recognizer is None:
            try:
                self.set_recognizer(load_recognizer(self.config.recognizer_name))
            except ValueError as err:
                raise ValueError(f"{err}. Or pass source_embeddings= to the pipeline call.") from err
        return self._recognizer

    def compile_denoiser(self, mode: str | None = None, backend: str = "inductor") -> None:
        """torch.compile the UNet in place (hooks and weights stay); the first calls pay the compile.

        Modes that capture CUDA graphs (reduce-overhead, max-autotune) reuse output buffers, so
        each denoiser call then starts a new graph step and hands out a copy of its output.
        """
        self.unet.compile(mode=mode, backend=backend)
        self._cuda_graphs = mode in ("reduce-overhead", "max-autotune")

    def trainable_modules(self) -> dict[str, torch.nn.Module]:
        """What the training helper optimises (the recognizer and an SD VAE stay frozen)."""
        return {
            "idvae": self.idvae,
            "recomposer": self.recomposer,
            "unet": self.unet,
            "harmonizer": self.harmonizer,
        }

    # ----------------------------------------------------------------- shared by training and inference
    def to_tensors(
        self, faces: np.ndarray | torch.Tensor, masks: np.ndarray | torch.Tensor | None,
        landmarks: np.ndarray | torch.Tensor | None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """uint8 (N,S,S,3) crops, (N,S,S) masks, (N,478,2) points -> image [-1,1], mask, geometry."""
        s = self.config.crop_size
        x = torch.as_tensor(np.asarray(faces))
        if x.ndim != 4 or x.shape[1] != s or x.shape[2] != s or x.shape[3] != 3:
            raise ValueError(
                f"aligned_faces must be (N, {s}, {s}, 3) uint8 RGB aligned to template "
                f"{self.config.template_name!r}; got {tuple(x.shape)}"
            )
        n = x.shape[0]
        image = x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        if masks is None:
            m = torch.from_numpy(default_mask(s, np.asarray(self.config.template_points)))
            mask = m[None, None].expand(n, 1, s, s).clone()
        else:
            mask = torch.as_tensor(np.asarray(masks, dtype=np.float32)).reshape(n, 1, s, s)
        lm = None if landmarks is None else torch.as_tensor(np.asarray(landmarks, dtype=np.float32))
        geom = geometry_maps(lm, n, s)
        dev, dt = self._execution_device, self.unet.dtype
        return image.to(dev, dt), mask.clamp(0, 1).to(dev, dt), geom.to(dev, dt)

    def encode_space(self, image: torch.Tensor, sample: bool = False,
                     generator: torch.Generator | None = None) -> torch.Tensor:
        """Image in [-1, 1] -> the denoiser's sample space (pixel patches, or scaled SD latents)."""
        if self.config.backbone == "pixel":
            return F.pixel_unshuffle(image, self.config.patch_size)
        if isinstance(self.vae, AutoencoderTiny):  # TAEF2: deterministic raw latents
            lat = self.vae.encode(image.to(self.vae.dtype)).latents
        else:
            dist = self.vae.encode(image.to(self.vae.dtype)).latent_dist
            lat = dist.sample(generator) if sample else dist.mode()
        return (lat - (self.vae.config.shift_factor or 0.0)) * self.vae.config.scaling_factor

    def decode_space(self, x: torch.Tensor) -> torch.Tensor:
        if self.config.backbone == "pixel":
            return F.pixel_shuffle(x, self.config.patch_size)
        raw = x.to(self.vae.dtype) / self.vae.config.scaling_factor + (self.vae.config.shift_factor or 0.0)
        return self.vae.decode(raw).sample

    def inpaint_input(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Identity-masked crop and the removed-region mask, both in sample space (inpainting cond)."""
        masked = self.encode_space(identity_masked(image, mask))
        removed = F.adaptive_avg_pool2d(1.0 - keep_mask(mask), masked.shape[-2:])
        return torch.cat([masked, removed.to(masked.dtype)], dim=1)

    def predict(self, sample: torch.Tensor, timestep, cond: Condition, inpaint: torch.Tensor,
                cache: dict | None = None) -> torch.Tensor:
        """One denoiser evaluation: UNet on [x_t; inpaint cond], harmonized by the IGLH gates.

        `cache`: one dict per sampling run, so the gates compute their step-invariant terms once.
        """
        t = torch.as_tensor(timestep, device=sample.device)
        graphs = self._cuda_graphs
        if graphs:  # the step cache would hold graph outputs that the next replay overwrites
            torch.compiler.cudagraph_mark_step_begin()
            cache = None
        with self.harmonizer.conditioning(t, cond.id_tokens, cond.features, cache):
            out = self.unet(torch.cat([sample, inpaint], dim=1), t, encoder_hidden_states=cond.tokens).sample
        return out.clone() if graphs else out

    def sample_shape(self, n: int) -> tuple[int, ...]:
        s = self.config.crop_size
        if self.config.backbone == "pixel":
            p = self.config.patch_size
            return (n, 3 * p * p, s // p, s // p)
        f = 2 ** (len(self.vae.config.block_out_channels) - 1)
        return (n, self.vae.config.latent_channels, s // f, s // f)

    # ----------------------------------------------------------------- inference
    @torch.no_grad()
    @invariant_to_threads  # the same pixels on any CPU thread count
    def __call__(
        self,
        aligned_faces: np.ndarray | torch.Tensor,
        masks: np.ndarray | torch.Tensor | None = None,
        landmarks: np.ndarray | torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        strength: float = 1.0,
        identity_key: str | int | list | None = None,
        num_inference_steps: int | None = None,
        source_embeddings: np.ndarray | torch.Tensor | None = None,
        output_type: str = "np",
        return_dict: bool = True,
        crop_template: CropTemplate | None = None,
        guidance_scale: float | None = None,
        identity_candidates: int | None = None,
        guidance_start: float | None = None,
        attributes: str | list[str] | None = None,
        skin_tone: float | None = None,
    ) -> ID2FaceOutput | tuple:
        """Anonymise aligned faces.

        aligned_faces: (N, S, S, 3) uint8 RGB aligned to `self.template` at S = config.crop_size.
        masks: (N, S, S) in [0, 1], 1 = region to replace (default: an ellipse from the template).
        landmarks: (N, 478, 2) face-mesh points in crop pixels, or None (rows of NaN for missing ones).
        identity_key: one key for all faces or one per face; the same key and person always give the
            same fake identity (and, without `generator`, the same sampling noise).
        strength: OIM strength in [0, 1] (0 = plain random identity, 1 = orthogonal to the source).
        num_inference_steps: sampling steps (default: `default_steps`, the model's own).
        source_embeddings: (N, D) recognizer embeddings, if already computed.
        crop_template: the template the caller aligned to; refused unless it is the model's.
        guidance_scale: identity guidance (default: `default_guidance`, the model's own). Above 1 each
            step also runs the denoiser without identity tokens (what the unmasked context alone
            suggests: the source person) and steps away from it towards the fake identity; costs a
            second denoiser pass per guided step (one doubled batch).
        guidance_start: the share of the sampling steps (the noisiest: layout and pose) run without
            guidance before it starts (default: `default_guidance_start`, the model's own, else 0).
        identity_candidates: fake identities drawn per face, the one least like the source kept.
        attributes: "keep" / "gender": candidates of the source's gender and age / gender first (with an
            `identity_attributes` map); "free": as without; or one per face (default: `default_attributes`).
        skin_tone: how far each fake identity moves to its source's skin tone (with a `skin_tone` map).
        """
        guidance, guidance_start, candidates = model_config.checked_sampling(
            self.default_guidance if guidance_scale is None else guidance_scale,
            self.default_guidance_start if guidance_start is None else guidance_start,
            self.default_identity_candidates if identity_candidates is None else identity_candidates)
        if crop_template is not None and not (
            crop_template.name == self.config.template_name
            and same_setting(crop_template.points, self.config.template_points)
        ):
            raise ValueError(
                f"faces are aligned to template {crop_template.name!r} but this model was trained on "
                f"{self.config.template_name!r} {self.config.template_points}; align to pipe.template at "
                f"{self.config.crop_size} px"
            )
        clock = stage_clock(self.stage_times, self._execution_device)
        image, mask, geom = self.to_tensors(aligned_faces, masks, landmarks)
        n, dev = image.shape[0], image.device
        if source_embeddings is None:
            src = self.recognizer.embed(np.asarray(aligned_faces), self.template, self.config.crop_size)
        else:
            src = np.asarray(source_embeddings, dtype=np.float32)
        if src.shape != (n, self.idvae.config.embed_dim):
            raise ValueError(
                f"source embeddings must be ({n}, {self.idvae.config.embed_dim}), got {src.shape}"
            )
        e_src = torch.from_numpy(src).to(dev, self.idvae.dtype)
        look = model_config.checked_attributes(attributes or self.default_attributes)
        tone = self.default_skin_tone if skin_tone is None else float(skin_tone)
        e_anon = fake_identities(self.idvae, e_src, strength, identity_key, generator, candidates,
                                 self.identity_attributes, look, self.skin_tone, tone)
        clock("identity")
        feats, nonid_tokens = self.recomposer.encode_nonid(image, mask, geom)
        cond = self.recomposer.recompose(e_anon.to(self.recomposer.dtype), feats, nonid_tokens)
        inpaint = self.inpaint_input(image, mask)
        guided = guidance != 1.0
        if guided:  # one doubled batch per guided step: [no identity; fake identity]
            pair = Condition.stacked(self.recomposer.recompose(None, feats, nonid_tokens), cond)
            inpaint_pair = torch.cat([inpaint, inpaint])
        clock("condition")

        shape = self.sample_shape(n)
        if identity_key is not None and generator is None:
            keys = [identity_key] * n if isinstance(identity_key, (str, int)) else list(identity_key)
            # Drawn where the sampling runs: no host RNG or host-to-device copy per face (same on CPU).
            noise = torch.cat(
                [
                    torch.randn((1, *shape[1:]), generator=key_generator(f"{k}:noise", dev), device=dev)
                    for k in keys
                ]
            )
        else:
            noise = torch.randn(shape, generator=generator, device=generator.device if generator else "cpu")
        self.scheduler.set_timesteps(num_inference_steps or self.default_steps, device=dev)
        x = noise.to(dev, image.dtype) * self.scheduler.init_noise_sigma
        step_kwargs = {}
        if "generator" in inspect.signature(self.scheduler.step).parameters:
            # Ancestral samplers draw noise at every step: with keys, one generator per face keeps
            # each face's result independent of the batch it was sampled in, and repeatable.
            step_kwargs["generator"] = generator if generator is not None or identity_key is None else [
                key_generator(f"{k}:steps", dev) for k in keys]
        cache: dict = {}
        pair_cache: dict = {}  # the gates' step-invariant terms of the doubled batch
        first_guided = round(guidance_start * len(self.scheduler.timesteps))
        for i, t in enumerate(self.progress_bar(self.scheduler.timesteps)):
            model_in = self.scheduler.scale_model_input(x, t)
            if guided and i >= first_guided:
                both = torch.cat([model_in, model_in])
                plain, ident = self.predict(both, t, pair, inpaint_pair, pair_cache).chunk(2)
                eps = plain + guidance * (ident - plain)
            else:
                eps = self.predict(model_in, t, cond, inpaint, cache)
            x = self.scheduler.step(eps, t, x, **step_kwargs).prev_sample

        clock("sample")
        gen = self.decode_space(x).float().clamp(-1, 1)
        out = gen * mask + image.float() * (1.0 - mask)
        out = (out + 1.0) / 2.0
        images: np.ndarray | torch.Tensor
        if output_type == "pt":
            images = out
        elif output_type == "np":
            images = (out.permute(0, 2, 3, 1).cpu().numpy() * 255.0).round().clip(0, 255).astype(np.uint8)
        else:
            raise ValueError(f"output_type must be 'np' or 'pt', got {output_type!r}")
        clock("decode")
        self.maybe_free_model_hooks()
        result = ID2FaceOutput(images, e_anon.float().cpu().numpy(), src)
        return result if return_dict else (images,)
