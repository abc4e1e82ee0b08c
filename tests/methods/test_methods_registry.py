"""Method names come from one place: the registry, which every interface offers."""

import argparse

import pytest

from id2face.cli.main import build_parser
from id2face.evaluation.config import EvalConfig
from id2face.methods.classic import CLASSIC_METHODS
from id2face.methods.registry import CLASSIC, METHODS, build_method, default_method
from id2face.web.server import AnonymizerPool


def test_registry_lists_every_method_once():
    assert METHODS == ("id2face", *CLASSIC) and set(CLASSIC) == set(CLASSIC_METHODS)
    assert default_method() == "id2face"  # the bundled model ships
    assert build_method("pixelate").name == "pixelate"
    with pytest.raises(ValueError, match="unknown method"):
        build_method("swirl")
    with pytest.raises(FileNotFoundError, match="--model DIR"):
        build_method("id2face", model="/nonexistent")


def test_interfaces_offer_the_registry_choices():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("anonymize", "live", "bench"):
        method = next(a for a in sub.choices[name]._actions if a.dest == "method")
        assert tuple(method.choices) == METHODS, name
    assert EvalConfig().methods == list(METHODS)
    assert AnonymizerPool(lambda m: None).methods == METHODS


def test_old_batch_spellings_still_work():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    p = sub.choices["anonymize"]
    old = p.parse_args(["x.jpg", "--batch", "4", "--batch-size", "8"])
    new = p.parse_args(["x.jpg", "--batch-photos", "4", "--batch-faces", "8"])
    assert (old.batch, old.batch_size) == (new.batch, new.batch_size) == (4, 8)
    assert p.parse_args(["x.jpg"]).batch_size == 32 and p.parse_args(["x.jpg"]).batch is None
