import pytest

from id2face.training.config import load_train_config, named_configs


def test_shipped_configs_load_by_name_and_path(tmp_path):
    assert {"tiny", "sd15"} <= set(named_configs())
    tiny = load_train_config("tiny", ["train.batch_size=4"])
    assert tiny.model.backbone == "pixel" and tiny.train.batch_size == 4
    sd15 = load_train_config(named_configs()["sd15"])
    assert sd15.model.backbone == "latent" and sd15.model.crop_size == 512
    with pytest.raises(FileNotFoundError, match="tiny"):
        load_train_config(tmp_path / "missing.yaml")


def test_mask_growth_settings_are_checked():
    latent = load_train_config("latent128", ["data.mask_grow=[0.04, 0.08]", "data.mask_grow_p=0.3"])
    assert latent.data.mask_grow == (0.04, 0.08) and latent.data.mask_grow_p == 0.3
    for bad, match in ((["data.mask_grow=[0.5]"], "mask_grow"), (["data.mask_grow_p=2"], "mask_grow_p")):
        with pytest.raises(ValueError, match=match):
            load_train_config("latent128", bad)
    with pytest.raises(ValueError, match="latent_cache"):
        load_train_config("tiny", ["data.mask_grow=[0.04]"])
