"""The validation grid never compiles: a compiled training UNet runs eagerly inside it."""

import pytest
import torch
from torch import nn

from id2face.training.validation import eager


class _Block(nn.Module):
    """Defined here: dynamo traces user code (a bare torch.nn layer's forward is skipped)."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.layer(x)) * 2


def _counting_compiled(module: nn.Module) -> list:
    graphs: list = []

    def backend(gm, example_inputs):
        graphs.append(gm)
        return gm.forward

    module.compile(backend=backend)
    return graphs


@pytest.mark.skipif(not hasattr(torch.compiler, "set_stance"), reason="torch < 2.6 has no compile stance")
def test_eager_skips_the_compiled_graph_and_leaves_compilation_on_outside():
    torch._dynamo.reset()
    block = _Block()
    graphs = _counting_compiled(block)
    x = torch.randn(2, 4)
    with eager():
        inside = block(x)
    assert graphs == []
    torch.testing.assert_close(inside, torch.relu(block.layer(x)) * 2)
    block(x)
    assert len(graphs) == 1  # the stance is restored on exit
    torch._dynamo.reset()
